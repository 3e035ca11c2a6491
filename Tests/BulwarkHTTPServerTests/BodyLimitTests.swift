import BulwarkHTTPServer
import BulwarkTestSupport
import Testing

@Suite(.timeLimit(.minutes(1))) struct BodyLimitTests {
    private let limit = 1024

    private func router(calls: Counter) -> Router {
        var router = Router()
        router.post("/upload") { request in
            calls.increment()
            return .text("got \(request.body.count)")
        }
        return router
    }

    @Test func rejectsDeclaredLengthOverLimitBeforeReadingBody() async throws {
        let calls = Counter()
        try await withServer(.init(maxBodyBytes: limit), router: router(calls: calls)) { server in
            let port = server.port
            let (response, rest) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
                return (try client.readResponse(), try client.readToEnd())
            }
            #expect(response.status == 413)
            #expect(response.text.contains("1024 bytes"))
            #expect(response.headers["Connection"]?.lowercased() == "close")
            #expect(rest.isEmpty)
            #expect(calls.current == 0)
        }
    }

    @Test func rejectsOversizedExpectContinueWithoutInvitingTheBody() async throws {
        let calls = Counter()
        try await withServer(.init(maxBodyBytes: limit), router: router(calls: calls)) { server in
            let port = server.port
            let response = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.status == 413)
            #expect(calls.current == 0)
        }
    }

    @Test func rejectsChunkedBodyOverLimit() async throws {
        let calls = Counter()
        try await withServer(.init(maxBodyBytes: limit), router: router(calls: calls)) { server in
            let port = server.port
            let response = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in 0..<4 {
                    try client.send("3e8\r\n")
                    try client.send(binaryPattern(count: 1000) + Array("\r\n".utf8))
                }
                try client.send("0\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.status == 413)
            #expect(calls.current == 0)
        }
    }

    @Test func acceptsBodyExactlyAtLimit() async throws {
        let calls = Counter()
        try await withServer(.init(maxBodyBytes: limit), router: router(calls: calls)) { server in
            let port = server.port
            let response = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("POST", "/upload", body: binaryPattern(count: 1024)))
                return try client.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.text == "got 1024")
        }
    }

    @Test func closesConnectionWhenUndeclaredBodyRunsFarPastLimit() async throws {
        let calls = Counter()
        try await withServer(.init(maxBodyBytes: limit), router: router(calls: calls)) { server in
            let port = server.port
            let outcome = try await onThread { () -> String in
                let client = try RawHTTPClient(port: port)
                try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = Array("10000\r\n".utf8) + binaryPattern(count: 0x10000) + Array("\r\n".utf8)
                do {
                    for _ in 0..<64 { try client.send(chunk) }  // 4 MiB, well past limit + discard allowance
                } catch {
                    return "closed while sending"
                }
                let rest = try client.readToEnd()
                return rest.isEmpty ? "closed" : String(decoding: rest, as: UTF8.self)
            }
            #expect(outcome.hasPrefix("closed"))
            #expect(calls.current == 0)
        }
    }
}

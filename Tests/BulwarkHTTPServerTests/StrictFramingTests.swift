import BulwarkHTTPServer
import BulwarkTestSupport
import Testing

/// Framing that libmicrohttpd accepts but that would let two parsers disagree is refused before the body.
@Suite(.timeLimit(.minutes(1))) struct StrictFramingTests {
    private func router(calls: Counter) -> Router {
        var router = Router()
        router.post("/upload") { request in
            calls.increment()
            return .text("got \(request.body.count)")
        }
        return router
    }

    private func status(of head: String, port: Int) async throws -> Int {
        try await onThread {
            let client = try RawHTTPClient(port: port)
            try client.send(head)
            return try client.readResponse().status
        }
    }

    @Test(arguments: [
        ("Content-Length: 3\r\nContent-Length: 4\r\n", 400),
        ("Content-Length : 3\r\n", 400),
        ("Transfer-Encoding: gzip\r\n", 501),
        ("Transfer-Encoding: gzip, chunked\r\n", 501),
        ("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 400),
        ("Content-Length: 9223372036854775808\r\n", 413),
        ("Content-Length: 18446744073709551615\r\n", 413),
        ("Content-Length: -1\r\n", 400),
    ])
    func refusesAmbiguousFraming(headers: String, expected: Int) async throws {
        let calls = Counter()
        try await withServer(router: router(calls: calls)) { server in
            let status = try await status(of: "POST /upload HTTP/1.1\r\nHost: x\r\n\(headers)\r\nabc", port: server.port)
            // libmicrohttpd itself refuses some of these (with 400 or 413) before our checks run.
            #expect(status == expected || (expected == 413 && status == 400) || (expected == 400 && status == 413))
            #expect(calls.current == 0)
        }
    }

    @Test func repeatedEqualContentLengthIsAccepted() async throws {
        let calls = Counter()
        try await withServer(router: router(calls: calls)) { server in
            let response = try await onThread {
                let client = try RawHTTPClient(port: server.port)
                try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
                return try client.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.text == "got 3")
        }
    }

    @Test func strictModeRefusesHTTP11WithoutHost() async throws {
        try await withServer(router: router(calls: Counter())) { server in
            let status = try await status(of: "POST /upload HTTP/1.1\r\nContent-Length: 0\r\n\r\n", port: server.port)
            #expect(status == 400)
        }
    }
}

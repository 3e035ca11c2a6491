import BulwarkHTTPServer
import BulwarkTestSupport
import Testing

@Suite(.timeLimit(.minutes(1))) struct ServerRequestTests {
    private func echoRouter() -> Router {
        var router = Router()
        router.get("/hello") { _ in .text("hello\n") }
        router.get("/later") { _ in
            await Task.yield()
            return .text("later\n")
        }
        router.post("/echo") { request in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: .bytes(request.body))
        }
        return router
    }

    @Test func keepsConnectionAliveAcrossRequests() async throws {
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let responses = try await onThread {
                let client = try RawHTTPClient(port: port)
                return [
                    try client.get("/hello"),
                    try client.get("/later"),
                    try client.get("/hello"),
                ]
            }
            #expect(responses.map(\.status) == [200, 200, 200])
            #expect(responses.map(\.text) == ["hello\n", "later\n", "hello\n"])
            for response in responses {
                #expect(response.headers["Connection"]?.lowercased() != "close")
            }
        }
    }

    @Test func answersPipelinedRequestsInOrder() async throws {
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let responses = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("GET", "/hello") + client.request("GET", "/later"))
                return [try client.readResponse(), try client.readResponse()]
            }
            #expect(responses.map(\.text) == ["hello\n", "later\n"])
        }
    }

    @Test func echoesBinaryBodyExactly() async throws {
        let payload = binaryPattern(count: 1024 * 1024)
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let response = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("POST", "/echo", body: payload))
                return try client.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.headers["Content-Length"] == String(payload.count))
            #expect(response.headers["Content-Type"] == "application/octet-stream")
            #expect(response.body == payload)
        }
    }

    @Test func echoesChunkedUploadExactly() async throws {
        let payload = binaryPattern(count: 100_000)
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let response = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                for start in stride(from: 0, to: payload.count, by: 30_000) {
                    let piece = Array(payload[start..<min(start + 30_000, payload.count)])
                    try client.send(String(piece.count, radix: 16) + "\r\n")
                    try client.send(piece + Array("\r\n".utf8))
                }
                try client.send("0\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.body == payload)
        }
    }

    @Test func answersExpectContinueBeforeReadingBody() async throws {
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let (interim, response) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                let interim = try client.readHead()
                try client.send("hello")
                return (interim.status, try client.readResponse())
            }
            #expect(interim == 100)
            #expect(response.text == "hello")
        }
    }

    @Test func unknownPathGets404() async throws {
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let response = try await onThread { try RawHTTPClient(port: port).get("/nowhere") }
            #expect(response.status == 404)
            #expect(response.text.contains("/nowhere"))
        }
    }

    @Test func wrongMethodGets405WithAllow() async throws {
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let response = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("DELETE", "/echo"))
                return try client.readResponse()
            }
            #expect(response.status == 405)
            #expect(response.headers["Allow"] == "POST")
        }
    }

    @Test func passesRawQueryAndDecodedPath() async throws {
        let seen = Box<HTTPRequest?>(nil)
        var router = Router()
        router.get(prefix: "/v1beta/models/") { request in
            seen.set(request)
            return .json(#"{"ok":true}"#)
        }
        try await withServer(router: router) { server in
            let port = server.port
            let response = try await onThread {
                try RawHTTPClient(port: port).get(
                    "/v1beta/models/gemini%3Apro:generateContent?key=a%2Bb&alt=sse&q=x+y",
                    headers: ["X-Custom: One", "x-custom: Two"]
                )
            }
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/json")
            let request = try #require(seen.get())
            #expect(request.method == "GET")
            #expect(request.path == "/v1beta/models/gemini:pro:generateContent")
            #expect(request.query == "key=a%2Bb&alt=sse&q=x+y")
            #expect(request.queryValue("key") == "a+b")
            #expect(request.queryValue("q") == "x y")
            #expect(request.headers.values(for: "X-CUSTOM") == ["One", "Two"])
            #expect(request.remoteAddress == "127.0.0.1")
            #expect(request.body.isEmpty)
        }
    }

    @Test func answersHeadWithHeadersOnlyAndKeepsConnection() async throws {
        try await withServer(router: echoRouter()) { server in
            let port = server.port
            let (head, get) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("HEAD", "/hello"))
                let head = try client.readResponse(isHead: true)
                return (head, try client.get("/hello"))
            }
            #expect(head.status == 200)
            #expect(head.headers["Content-Length"] == "6")
            #expect(get.text == "hello\n")
        }
    }

    @Test func sendsHandlerHeadersAndStatus() async throws {
        var router = Router()
        router.get("/created") { _ in
            var response = HTTPResponse.json(#"{"id":1}"#, status: 201)
            response.headers.add(name: "Retry-After", value: "7")
            response.headers.add(name: "X-Multi", value: "a")
            response.headers.add(name: "X-Multi", value: "b")
            return response
        }
        router.get("/bad-status") { _ in .status(42) }
        try await withServer(router: router) { server in
            let port = server.port
            let (created, bad) = try await onThread {
                let client = try RawHTTPClient(port: port)
                return (try client.get("/created"), try client.get("/bad-status"))
            }
            #expect(created.status == 201)
            #expect(created.headers["retry-after"] == "7")
            #expect(created.headers.values(for: "x-multi") == ["a", "b"])
            #expect(created.text == #"{"id":1}"#)
            #expect(bad.status == 500)
        }
    }
}

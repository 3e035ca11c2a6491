import BulwarkHTTPServer
import BulwarkTestSupport
import Testing

/// The router's admission hook and route resolution answer from the headers, before any body byte.
@Suite(.timeLimit(.minutes(1))) struct AdmissionTests {
    private func guardedRouter(calls: Counter) -> Router {
        var router = Router()
        router.post("/upload") { request in
            calls.increment()
            return .text("got \(request.body.count)")
        }
        router.admission = { request in
            request.headers["Authorization"] == "Bearer right" ? nil : .text("no\n", status: 401)
        }
        return router
    }

    @Test func refusesBeforeTheBodyAndWithoutInvitingIt() async throws {
        let calls = Counter()
        try await withServer(router: guardedRouter(calls: calls)) { server in
            let port = server.port
            let (raw, admitted) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
                let raw = try client.readToEnd()
                let admitted = try RawHTTPClient(port: port).post(
                    "/upload", headers: ["Authorization: Bearer right", "Connection: close"], body: Array("abc".utf8))
                return (String(decoding: raw, as: UTF8.self), admitted)
            }
            #expect(raw.hasPrefix("HTTP/1.1 401"))
            #expect(!raw.contains("100 Continue"))
            #expect(raw.lowercased().contains("connection: close"))
            #expect(admitted.status == 200)
            #expect(admitted.text == "got 3")
            #expect(calls.current == 1)
        }
    }

    @Test func admittedExpectContinueIsInvited() async throws {
        let calls = Counter()
        try await withServer(router: guardedRouter(calls: calls)) { server in
            let port = server.port
            let (interim, final) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(
                    "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer right\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
                let interim = try client.readHead()
                try client.send("xyz")
                return (interim, try client.readResponse())
            }
            #expect(interim.status == 100)
            #expect(final.text == "got 3")
        }
    }

    @Test func unknownRouteIsAnsweredBeforeTheBody() async throws {
        let calls = Counter()
        try await withServer(router: guardedRouter(calls: calls)) { server in
            let port = server.port
            let (missing, wrongMethod) = try await onThread {
                let first = try RawHTTPClient(port: port)
                try first.send("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n")
                let second = try RawHTTPClient(port: port)
                try second.send("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n")
                return (try first.readResponse(), try second.readResponse())
            }
            #expect(missing.status == 404)
            #expect(wrongMethod.status == 405)
            #expect(calls.current == 0)
        }
    }

    @Test func inProcessResponsesApplyTheAdmissionHook() async {
        let router = guardedRouter(calls: Counter())
        let refused = await router.response(for: HTTPRequest(method: "POST", path: "/upload", body: [1, 2]))
        let admitted = await router.response(
            for: HTTPRequest(method: "POST", path: "/upload", headers: ["Authorization": "Bearer right"], body: [1, 2]))
        #expect(refused.status == 401)
        #expect(admitted.status == 200)
    }
}

/// An early answer to a request without a body keeps the connection for the next request.
@Suite(.timeLimit(.minutes(1))) struct EarlyAnswerKeepAliveTests {
    @Test func bodilessRefusalsKeepTheConnection() async throws {
        var router = Router()
        router.get("/open") { _ in .text("open\n") }
        router.get("/guarded") { _ in .text("secret\n") }
        router.admission = { request in request.path == "/guarded" ? .text("no\n", status: 401) : nil }
        try await withServer(router: router) { server in
            let port = server.port
            let statuses = try await onThread {
                let client = try RawHTTPClient(port: port)
                return [try client.get("/guarded").status, try client.get("/missing").status, try client.get("/open").status]
            }
            #expect(statuses == [401, 404, 200])
        }
    }
}

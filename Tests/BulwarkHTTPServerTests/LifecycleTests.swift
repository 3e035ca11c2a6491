import BulwarkHTTPServer
import BulwarkTestSupport
import Testing

@Suite(.timeLimit(.minutes(1))) struct LifecycleTests {
    private func helloRouter() -> Router {
        var router = Router()
        router.get("/hello") { _ in .text("hello") }
        return router
    }

    @Test func reportsTheBoundEphemeralPort() async throws {
        try await withServer(router: helloRouter()) { server in
            #expect(server.isRunning)
            #expect(server.port > 0)
            let port = server.port
            let text = try await onThread { try RawHTTPClient(port: port).get("/hello").text }
            #expect(text == "hello")
        }
    }

    @Test func startFailsClearlyWhenPortIsInUse() async throws {
        try await withServer(router: helloRouter()) { first in
            let second = HTTPServer(configuration: .init(port: first.port), router: helloRouter())
            let error = #expect(throws: HTTPServerError.self) { try second.start() }
            #expect(error?.code == .addressInUse)
            #expect(error?.message == "cannot bind 127.0.0.1:\(first.port): address in use")
            #expect(!second.isRunning)
        }
    }

    @Test func startFailsClearlyForAnAddressNotOnThisHost() {
        let server = HTTPServer(configuration: .init(host: "192.0.2.1", port: 0), router: helloRouter())
        let error = #expect(throws: HTTPServerError.self) { try server.start() }
        #expect(error?.code == .invalidAddress)
        #expect(error?.message.hasPrefix("cannot bind 192.0.2.1:0") == true)
    }

    @Test func startingTwiceFails() async throws {
        try await withServer(router: helloRouter()) { server in
            #expect(
                throws: HTTPServerError(
                    code: .alreadyRunning, message: "the server is already running on port \(server.port)")
            ) {
                try server.start()
            }
        }
    }

    @Test func stopIsIdempotentAndServerCanRestart() async throws {
        let server = HTTPServer(router: helloRouter())
        try server.start()
        let port = server.port
        async let first: Void = server.stop()
        async let second: Void = server.stop()
        _ = await (first, second)
        await server.stop()
        #expect(!server.isRunning)
        #expect(throws: RawHTTPClient.Failure.self) { _ = try RawHTTPClient(port: port) }
        try server.start()
        let newPort = server.port
        let status = try await onThread { try RawHTTPClient(port: newPort).get("/hello").status }
        #expect(status == 200)
        await server.stop()
    }

    @Test func gracefulStopLetsInFlightRequestFinish() async throws {
        let started = Signal()
        let release = Signal()
        var router = Router()
        router.get("/work") { _ in
            started.fire()
            await release.wait()
            return .text("finished")
        }
        let server = HTTPServer(router: router)
        try server.start()
        let port = server.port
        let response = Task { try await onThread { try RawHTTPClient(port: port).get("/work") } }
        #expect(await started.wait())
        let stopping = Task { await server.stop(gracePeriod: .seconds(20)) }
        while server.isRunning { await Task.yield() }
        release.fire()
        let answer = try await response.value
        #expect(answer.text == "finished")
        #expect(answer.headers["Connection"]?.lowercased() == "close")
        await stopping.value
    }

    @Test func stopDuringStreamCompletesWithoutCrash() async throws {
        let producerCancelled = Signal()
        var router = Router()
        router.get("/events") { _ in
            .eventStream { writer in
                await writer.write("data: first\n\n")
                // Idle with the connection suspended until the server cuts the stream off.
                try? await Task.sleep(for: .seconds(60))
                if writer.isCancelled, Task.isCancelled { producerCancelled.fire() }
            }
        }
        let server = HTTPServer(router: router)
        try server.start()
        let port = server.port
        let clients = try await withThrowingTaskGroup(of: RawHTTPClient.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await onThread {
                        let client = try RawHTTPClient(port: port)
                        try client.send(client.request("GET", "/events"))
                        _ = try client.readHead()
                        _ = try client.readChunk()
                        return client
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await server.stop(gracePeriod: .milliseconds(100))
        #expect(!server.isRunning)
        #expect(await producerCancelled.wait())
        for client in clients {
            let tail = try await onThread { try client.readToEnd() }
            #expect(!String(decoding: tail, as: UTF8.self).hasSuffix("0\r\n\r\n"))
        }
    }

    @Test func stopWithSuspendedAsyncHandlerCompletesWithoutCrash() async throws {
        let started = Signal()
        let handlerCancelled = Signal()
        var router = Router()
        router.get("/hang") { _ in
            started.fire()
            try? await Task.sleep(for: .seconds(60))
            if Task.isCancelled { handlerCancelled.fire() }
            return .text("too late")
        }
        let server = HTTPServer(router: router)
        try server.start()
        let port = server.port
        let client = Task {
            try await onThread { () -> [UInt8] in
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("GET", "/hang"))
                return try client.readToEnd()
            }
        }
        #expect(await started.wait())
        await server.stop(gracePeriod: .milliseconds(50))
        #expect(await handlerCancelled.wait())
        let tail = try await client.value
        #expect(tail.isEmpty)
    }

    @Test func routesDiagnosticsToTheErrorLog() async throws {
        let messages = Box<[String]>([])
        let configuration = HTTPServer.Configuration(errorLog: { message in
            messages.set(messages.get() + [message])
        })
        try await withServer(configuration, router: helloRouter()) { server in
            let port = server.port
            let reply = try await onThread { () -> String in
                let client = try RawHTTPClient(port: port)
                try client.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
                return String(decoding: try client.readToEnd(), as: UTF8.self)
            }
            #expect(reply.hasPrefix("HTTP/1.1 400"))
        }
        #expect(messages.get().contains { $0.contains("Content-Length") })
        #expect(messages.get().allSatisfy { !$0.hasSuffix("\n") })
    }

    @Test func closesIdleConnectionsAfterTimeout() async throws {
        try await withServer(.init(connectionTimeout: 1), router: helloRouter()) { server in
            let port = server.port
            let (first, rest) = try await onThread {
                let client = try RawHTTPClient(port: port)
                let first = try client.get("/hello")
                return (first, try client.readToEnd())
            }
            #expect(first.status == 200)
            #expect(rest.isEmpty)
        }
    }

    @Test func enforcesPerIPConnectionLimit() async throws {
        try await withServer(.init(perIPConnectionLimit: 1), router: helloRouter()) { server in
            let port = server.port
            let (first, second, firstAgain) = try await onThread {
                let holder = try RawHTTPClient(port: port)
                let first = try holder.get("/hello").status
                let extra = try RawHTTPClient(port: port)
                let second = try? extra.get("/hello").status
                return (first, second, try holder.get("/hello").status)
            }
            #expect(first == 200)
            #expect(second == nil)
            #expect(firstAgain == 200)
        }
    }

    @Test func releasingARunningServerStopsIt() async throws {
        var server: HTTPServer? = HTTPServer(router: helloRouter())
        try server?.start()
        let port = try #require(server?.port)
        server = nil
        #expect(throws: RawHTTPClient.Failure.self) { _ = try RawHTTPClient(port: port) }
    }
}

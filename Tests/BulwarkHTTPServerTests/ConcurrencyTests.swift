import BulwarkHTTPServer
import BulwarkTestSupport
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct ConcurrencyTests {
    @Test func answersTwoHundredConcurrentRequests() async throws {
        var router = Router()
        router.get("/n") { request in .text(request.queryValue("i") ?? "?") }
        router.get("/async") { request in
            await Task.yield()
            return .text(request.queryValue("i") ?? "?")
        }
        try await withServer(router: router) { server in
            let port = server.port
            let threads = 40
            let perThread = 5
            let results = try await withThrowingTaskGroup(of: [Bool].self) { group in
                for thread in 0..<threads {
                    group.addTask {
                        try await onThread {
                            // Half the threads reuse one connection, half open one per request.
                            let shared = thread.isMultiple(of: 2) ? try RawHTTPClient(port: port) : nil
                            return try (0..<perThread).map { index in
                                let id = "\(thread)-\(index)"
                                let path = index.isMultiple(of: 2) ? "/n?i=\(id)" : "/async?i=\(id)"
                                let response = try (shared ?? RawHTTPClient(port: port)).get(path)
                                return response.status == 200 && response.text == id
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.count == threads * perThread)
            #expect(results.allSatisfy { $0 })
            // Every finished request has left the in-flight set, so a graceful stop need not wait out
            // its grace period.
            let stopped = await ContinuousClock().measure { await server.stop(gracePeriod: .seconds(40)) }
            #expect(stopped < .seconds(20))
        }
    }

    @Test func asyncHandlersOverlapBeyondWorkerThreadCount() async throws {
        let clients = 20
        let inFlight = Counter()
        let allArrived = Signal()
        var router = Router()
        router.get("/gather") { _ in
            if inFlight.increment() == clients { allArrived.fire() }
            // Each handler holds its request until all are in flight at once, which two worker threads
            // could not manage if a waiting handler occupied one.
            let together = await allArrived.wait(timeout: .seconds(20))
            try? await Task.sleep(for: .milliseconds(200))
            inFlight.decrement()
            return .text(together ? "together" : "alone")
        }
        try await withServer(.init(threadPoolSize: 2), router: router) { server in
            let port = server.port
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        try await onThread { try RawHTTPClient(port: port, timeoutSeconds: 30).get("/gather").text }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(texts == Array(repeating: "together", count: clients))
            #expect(inFlight.peak == clients)
        }
    }

    @Test func slowAsyncHandlerDoesNotHoldUpOtherRequests() async throws {
        let release = Signal()
        let slowStarted = Signal()
        var router = Router()
        router.get("/slow") { _ in
            slowStarted.fire()
            await release.wait(timeout: .seconds(20))
            return .text("slow")
        }
        router.get("/fast") { _ in .text("fast") }
        try await withServer(.init(threadPoolSize: 2), router: router) { server in
            let port = server.port
            let slow = Task {
                try await onThread { try RawHTTPClient(port: port, timeoutSeconds: 30).get("/slow").text }
            }
            #expect(await slowStarted.wait())
            let fast = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await onThread { try RawHTTPClient(port: port).get("/fast").text } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(fast == Array(repeating: "fast", count: 20))
            #expect(!release.hasFired)
            release.fire()
            let slowText = try await slow.value
            #expect(slowText == "slow")
        }
    }
}

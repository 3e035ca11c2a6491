import BulwarkCore
import Foundation
import BulwarkHTTPServer
import BulwarkSimulator
@testable import Bulwark
import BulwarkTesting
import Synchronization
import Testing

/// The AsyncHTTPClient transport against the simulator, the deadline every attempt runs under, and the
/// client's request timeout and fallback built on them.
@Suite struct TransportTests {
    static let key = "sk-test-0123456789abcdefghijklmnop"

    static func openAIRequest(_ simulator: ProviderSimulator) throws -> ProviderHTTPRequest {
        try OpenAIAdapter(endpoint: ProviderEndpoint(kind: .openai, baseURL: "\(simulator.baseURL)/v1", model: "gpt-4o"))
            .makeHTTPRequest(for: ChatRequest(messages: [.user("hi")], maxTokens: 16), apiKey: key)
    }

    @Test func asyncHTTPClientTransportReadsTheWholeResponse() async throws {
        let simulator = ProviderSimulator(scenario: .healthy, seed: 3)
        try simulator.start()
        let transport = AsyncHTTPClientTransport()
        let request = try Self.openAIRequest(simulator)
        let outcome = await outcome { () async throws(TransportError) in
            let response = try await transport.send(request, timeouts: TransportTimeouts())
            return (response.status, response.headers, try await response.body.collect(upTo: 1 << 20))
        }
        await transport.shutdown()
        await simulator.stop()
        let (status, headers, body) = try outcome.get()
        #expect(status == 200)
        #expect(headers["x-ratelimit-limit-requests"] != nil)
        #expect(JSONValue.parseLeniently(body)?["object"]?.string == "chat.completion")
    }

    @Test func asyncHTTPClientTransportTimesOutOnASlowResponseAndRefusesAnOversizedBody() async throws {
        let simulator = ProviderSimulator(
            scenario: Scenario(providers: [.openai: ProviderScenario(latency: .fixed(3_000))]), seed: 3)
        try simulator.start()
        let transport = AsyncHTTPClientTransport()
        let request = try Self.openAIRequest(simulator)
        let slow = await outcome { () async throws(TransportError) in
            try await transport.send(request, timeouts: TransportTimeouts(request: .milliseconds(200))).status
        }
        let large = await outcome { () async throws(TransportError) in
            try await transport.send(request, timeouts: TransportTimeouts(request: .seconds(30))).body.collect(upTo: 64)
        }
        await transport.shutdown()
        await simulator.stop()
        #expect(throws: TransportError(kind: .timeout, message: "the request timed out")) { try slow.get() }
        #expect(throws: TransportError(kind: .responseTooLarge, message: "response body larger than 64 bytes")) { try large.get() }
    }

    @Test func aUnaryRequestSlowerThanItsTimeoutFailsAsATimeoutAndFallsBack() async throws {
        let harness = try ClientHarness(
            scenario: Scenario(providers: [.openai: ProviderScenario(latency: .fixed(3_000))]), chain: [.openai, .google]
        ) {
            $0.providers[0].timeoutSeconds = 0.2
            $0.retry.maxRetries = 1
        }
        defer { Task { await harness.shutdown() } }
        let outcome = await harness.complete()
        #expect(try outcome.result.get().provider == "google")
        let openAI = harness.recorder.events.filter { $0.provider == "openai" }
        #expect(openAI.count == 2)
        for event in openAI {
            #expect(event.errorType == .timeout)
            #expect(event.statusCode == 0)
            #expect(event.errorMessage == "no complete response from openai within 0.200 s")
            // Gave up at the timeout rather than waiting for the 3 s answer.
            #expect(event.latencyMs >= 200 && event.latencyMs < 3_000)
        }
    }

    @Test func aUnaryBodyThatStallsAfterTheHeadTimesOutAtTheRequestTimeout() async throws {
        // A server that sends the head and the start of the body, then nothing for 3 s.
        var router = Router()
        router.on("POST", "/v1/chat/completions") { _ in
            .stream(contentType: "application/json") { writer in
                await writer.write(#"{"id": "chatcmpl-stall", "choices": ["#)
                try await Task.sleep(for: .seconds(3))
                await writer.write("]}")
            }
        }
        let server = HTTPServer(configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0), router: router)
        try server.start()
        var configuration = BulwarkConfiguration()
        configuration.retry.maxRetries = 0
        configuration.providers = [ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", baseURL: "http://127.0.0.1:\(server.port)/v1",
            timeoutSeconds: 0.3)]
        let transport = AsyncHTTPClientTransport()
        let recorder = InMemoryRecorder()
        let client = ResilientClient(
            configuration: configuration, keys: ["openai": APIKey(Self.key)], transport: transport, recorder: recorder)
        let outcome: Result<ResilientResponse, ResilientClientError>
        do {
            outcome = .success(try await client.complete(ChatRequest(messages: [.user("hi")])))
        } catch {
            outcome = .failure(error)
        }
        await transport.shutdown()
        await server.stop(gracePeriod: .milliseconds(100))
        #expect(throws: ResilientClientError.self) { try outcome.get() }
        let event = try #require(recorder.events.first)
        #expect(event.errorType == .timeout)
        #expect(event.errorMessage == "no complete response from openai within 0.300 s")
        #expect(event.latencyMs >= 300 && event.latencyMs < 3_000)
    }
}

/// The result of a transport call, so that clean-up can run before expectations.
private func outcome<T>(_ body: () async throws(TransportError) -> T) async -> Result<T, TransportError> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

@Suite struct DeadlineTests {
    @Test func returnsTheBodysValueWhenItFinishesInTime() async throws {
        #expect(try await withDeadline(5, clock: SystemClock()) { 42 } == 42)
        let slept = try await withDeadline(5, clock: SystemClock()) { () async throws -> String in
            try await Task.sleep(for: .milliseconds(10))
            return "done"
        }
        #expect(slept == "done")
    }

    @Test func cancelsTheBodyAndReturnsNilWhenTheDeadlinePasses() async throws {
        let cancelled = Atomic<Bool>(false)
        let result = try await withDeadline(0.05, clock: SystemClock()) { () async throws -> Int in
            do {
                try await Task.sleep(for: .seconds(3_600))
            } catch {
                cancelled.store(true, ordering: .releasing)
                throw error
            }
            return 1
        }
        #expect(result == nil)
        let bodyWasCancelled = cancelled.load(ordering: .acquiring)
        #expect(bodyWasCancelled)
    }

    @Test func passesTheCallersCancellationOnAsAnError() async {
        let task = Task {
            try await withDeadline(3_600, clock: SystemClock()) { () async throws -> Int in
                try await Task.sleep(for: .seconds(3_600))
                return 1
            }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test func aBodysOwnErrorIsRethrown() async {
        await #expect(throws: TransportError(kind: .connection, message: "refused")) {
            try await withDeadline(5, clock: SystemClock()) { () async throws -> Int in
                throw TransportError(kind: .connection, message: "refused")
            }
        }
    }
}

@Suite struct DeadlineSchedulerTests {
    @Test func runsAnActionAtItsDeadlineAndNotOnceCancelled() async throws {
        let fired = Atomic<Int>(0)
        let clock = SystemClock()
        let cancelled = clock.schedule(after: 0.05) { fired.add(10, ordering: .relaxed) }
        cancelled.cancel()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            _ = clock.schedule(after: 0.1) {
                fired.add(1, ordering: .relaxed)
                continuation.resume()
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(fired.load(ordering: .relaxed) == 1)
    }

    @Test func cancellingReleasesTheActionAtOnce() {
        final class Payload: Sendable {}
        let scheduler = DeadlineScheduler()
        weak var released: Payload?
        let timer: ScheduledTimer = {
            let payload = Payload()
            released = payload
            return scheduler.schedule(at: SystemClock().now + 3_600) { _ = payload }
        }()
        #expect(released != nil)
        timer.cancel()
        #expect(released == nil)
        // The entry itself may or may not have been dropped yet: the scheduler's thread races this test.
        #expect(scheduler.pendingEntries <= 1)
    }

    @Test func anEarlierDeadlineScheduledLaterWakesTheThread() async {
        let scheduler = DeadlineScheduler()
        let clock = SystemClock()
        let order = Mutex<[String]>([])
        _ = scheduler.schedule(at: clock.now + 3_600) { order.withLock { $0.append("late") } }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            _ = scheduler.schedule(at: clock.now + 0.05) {
                order.withLock { $0.append("early") }
                continuation.resume()
            }
        }
        #expect(order.withLock { $0 } == ["early"])
        #expect(scheduler.pendingEntries == 1)
    }

    @Test func aManualClockFiresScheduledActionsWhenAdvanced() async {
        let clock = ManualClock()
        let fired = Atomic<Bool>(false)
        _ = clock.schedule(after: 5) { fired.store(true, ordering: .releasing) }
        await clock.waitForSleepers(1)
        clock.advance(by: 4.999)
        let early = fired.load(ordering: .acquiring)
        #expect(!early)
        clock.advance(by: 0.001)
        while !fired.load(ordering: .acquiring) { await Task.yield() }
    }
}

@Suite struct RequestIDTests {
    @Test func isALowercaseVersion4UUID() {
        let ids = (0..<1_000).map { _ in RequestID.make() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(50) {
            let parsed = UUID(uuidString: id)
            #expect(parsed != nil, "\(id)")
            #expect(parsed?.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
        }
    }

    @Test func formatsTheBytesInOrder() {
        #expect(RequestID.format(high: 0x0011_2233_4455_6677, low: 0x8899_AABB_CCDD_EEFF)
            == "00112233-4455-6677-8899-aabbccddeeff")
    }
}

@Suite struct HeaderNameTests {
    @Test func matchesNamesCaseInsensitivelyAndOnlyLetters() {
        #expect(HTTPHeaderFields.sameName("X-RateLimit-Limit-Requests", "x-ratelimit-limit-requests"))
        #expect(!HTTPHeaderFields.sameName("x-ratelimit-limit-request", "x-ratelimit-limit-requests"))
        // '-' and '\r' differ only in bit 0x20, as do '@' and '`': not letters, so not equal.
        #expect(!HTTPHeaderFields.sameName("a-b", "a\rb"))
        #expect(!HTTPHeaderFields.sameName("a@b", "a`b"))
        let headers: HTTPHeaderFields = ["Retry-After": "2", "retry-after-ms": "1500"]
        #expect(headers["RETRY-AFTER"] == "2")
        #expect(headers.values(for: "Retry-After-MS") == ["1500"])
    }
}

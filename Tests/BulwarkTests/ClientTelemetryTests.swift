import Bulwark
import BulwarkTestSupport
import BulwarkCore
import BulwarkSimulator
import BulwarkTesting
import InMemoryTracing
import Logging
import Synchronization
import Testing
import Tracing

/// What the client reports through swift-distributed-tracing and swift-log: a request that retried on
/// openai (three 500s) and fell back to anthropic.
@Suite struct ClientTelemetryTests {
    static let failingOpenAI = Scenario(providers: [.openai: ProviderScenario(faults: [FaultRule(effect: .status(500), times: 3)])])

    @Test func aRetriedAndFallenBackRequestMakesOneRequestSpanWithAnAttemptSpanPerAttempt() async throws {
        let tracer = InMemoryTracer()
        let harness = try ClientHarness(scenario: Self.failingOpenAI, chain: [.openai, .anthropic], tracer: tracer)
        defer { Task { await harness.shutdown() } }
        let caller = tracer.startSpan("caller")
        let (result, _) = await ServiceContext.withValue(caller.context) { await harness.complete() }
        caller.end()
        #expect(try result.get().provider == "anthropic")

        let spans = tracer.finishedSpans
        let callerSpan = try #require(spans.first { $0.operationName == "caller" })
        let requests = spans.filter { $0.parentSpanID == callerSpan.spanID }
        try #require(requests.count == 1)
        let request = requests[0]
        // The request span is a child of the caller's ServiceContext.current.
        #expect(request.traceID == callerSpan.traceID)
        #expect(request.operationName == "chat \(ClientHarness.model(.openai))")
        #expect(request.attributes.get("gen_ai.operation.name") == .string("chat"))
        #expect(request.attributes.get("bulwark.request.outcome") == .string("fallback"))
        #expect(int(request.attributes.get("bulwark.attempts")) == 4)
        #expect(request.attributes.get("gen_ai.provider.name") == .string("anthropic"))
        #expect(request.attributes.get("error.type") == nil)
        #expect(request.events.map(\.name) == ["retry", "retry", "fallback"])
        #expect(request.events[0].attributes.get("error.type") == .string("server_error"))
        #expect(request.events[2].attributes.get("bulwark.fallback.from") == .string("openai"))
        #expect(request.events[2].attributes.get("bulwark.fallback.to") == .string("anthropic"))

        // One client span per attempt, children of the request span, in attempt order.
        let attempts = spans.filter { $0.parentSpanID == request.spanID }
            .sorted { int($0.attributes.get("bulwark.attempt"))! < int($1.attributes.get("bulwark.attempt"))! }
        try #require(attempts.count == 4)
        #expect(spans.count == 6)
        for (index, attempt) in attempts.enumerated() {
            let openai = index < 3
            #expect(attempt.kind == .client)
            #expect(attempt.traceID == callerSpan.traceID)
            #expect(int(attempt.attributes.get("bulwark.attempt")) == index + 1)
            #expect(attempt.operationName == "chat \(ClientHarness.model(openai ? .openai : .anthropic))")
            #expect(attempt.attributes.get("gen_ai.operation.name") == .string("chat"))
            #expect(attempt.attributes.get("gen_ai.provider.name") == .string(openai ? "openai" : "anthropic"))
            #expect(attempt.attributes.get("gen_ai.request.model") == .string(ClientHarness.model(openai ? .openai : .anthropic)))
            #expect(attempt.attributes.get("server.address") == .string("127.0.0.1"))
            #expect(int(attempt.attributes.get("server.port")) == harness.simulator.port)
            if openai {
                #expect(attempt.attributes.get("error.type") == .string("server_error"))
                #expect(int(attempt.attributes.get("http.response.status_code")) == 500)
                #expect(attempt.status?.code == .error)
                #expect(attempt.errors.count == 1)
            } else {
                #expect(attempt.attributes.get("error.type") == nil)
                #expect(attempt.status == nil)
                #expect(attempt.attributes.get("gen_ai.response.model") != nil)
                #expect((int(attempt.attributes.get("gen_ai.usage.input_tokens")) ?? 0) > 0)
                #expect((int(attempt.attributes.get("gen_ai.usage.output_tokens")) ?? 0) > 0)
            }
        }
        // No key in any attribute, event or status.
        let everything = spans.map { "\($0.operationName) \($0.attributes) \($0.events) \(String(describing: $0.status))" }.joined()
        for key in ClientHarness.keys.values { #expect(!everything.contains(key)) }
    }

    @Test func aCancelledRequestEndsItsSpansWithErrorTypeCancelled() async throws {
        let tracer = InMemoryTracer()
        let harness = try ClientHarness(
            scenario: Scenario(providers: [.openai: ProviderScenario(faults: [FaultRule(effect: .slow, latency: .fixed(10_000))])]),
            chain: [.openai], tracer: tracer)
        defer { Task { await harness.shutdown() } }
        let client = harness.client
        let task = Task { try await client.complete(ChatRequest(messages: [.user("Say hello")], maxTokens: 64)) }
        // Cancel once the attempt is on the wire (the request span and the attempt span are open).
        let giveUp = ContinuousClock.now + .seconds(30)
        while tracer.activeSpans.count < 2, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(5)) }
        try #require(tracer.activeSpans.count == 2)
        task.cancel()
        _ = await task.result
        let spans = tracer.finishedSpans
        try #require(spans.count == 2)
        for span in spans {
            #expect(span.attributes.get("error.type") == .string("cancelled"), "\(span.operationName)")
            // The caller gave up: not an error of any provider.
            #expect(span.status == nil)
        }
    }

    @Test func aHedgeGetsItsOwnAttemptSpanAndTheLoserEndsCancelled() async throws {
        let tracer = InMemoryTracer()
        let captured = CapturedLog()
        let harness = try ClientHarness(
            scenario: Scenario(providers: [.openai: ProviderScenario(faults: [FaultRule(effect: .slow, latency: .fixed(5_000))])]),
            chain: [.openai, .anthropic], logger: Logger(label: "bulwark.client", factory: { captured.handler(label: $0) }),
            tracer: tracer
        ) { $0.hedging = HedgingConfiguration(delay: 0.05, maxHedges: 1, budgetRatio: 1) }
        defer { Task { await harness.shutdown() } }
        #expect(try await harness.complete().result.get().provider == "anthropic")
        let spans = tracer.finishedSpans
        let request = try #require(spans.first { $0.parentSpanID == nil })
        let attempts = spans.filter { $0.parentSpanID == request.spanID }
        #expect(spans.count == 3 && attempts.count == 2)
        let hedge = try #require(attempts.first { $0.attributes.get("bulwark.hedge") == .bool(true) })
        #expect(hedge.attributes.get("gen_ai.provider.name") == .string("anthropic"))
        #expect(hedge.attributes.get("error.type") == nil)
        let loser = try #require(attempts.first { $0.attributes.get("bulwark.hedge") == nil })
        #expect(loser.attributes.get("gen_ai.provider.name") == .string("openai"))
        #expect(loser.attributes.get("error.type") == .string("cancelled"))
        #expect(loser.status == nil)
        let hedgeLines = captured.entries.filter { $0.message.hasPrefix("hedge ") }
        #expect(hedgeLines.map(\.message) == ["hedge launched", "hedge won"])
        #expect(hedgeLines.allSatisfy { $0.level == .info && $0.metadata["provider"] == "anthropic" && $0.metadata["attempt"] == "2" })
    }

    @Test func logsRetriesFallbacksAndTheBreakerOpeningAtTheirLevelsWithoutKeys() async throws {
        let captured = CapturedLog()
        let harness = try ClientHarness(
            scenario: Self.failingOpenAI, chain: [.openai, .anthropic],
            logger: Logger(label: "bulwark.client", factory: { captured.handler(label: $0) })
        ) { $0.circuitBreaker.failureThreshold = 3 }
        defer { Task { await harness.shutdown() } }
        #expect(try await harness.complete().result.get().provider == "anthropic")
        let entries = captured.entries

        let retries = entries.filter { $0.message == "retrying after backoff" }
        #expect(retries.count == 2)
        for retry in retries {
            #expect(retry.level == .debug)
            #expect(retry.metadata["provider"] == "openai")
            #expect(retry.metadata["error_type"] == "server_error")
            #expect(retry.metadata["status_code"] == "500")
            #expect(retry.metadata["delay_ms"] != nil)
        }
        let requestID = try #require(retries.first?.metadata["request_id"])
        #expect(retries.map { $0.metadata["attempt"] } == ["1", "2"])

        let failedAttempts = entries.filter { $0.message == "attempt failed" }
        #expect(failedAttempts.count == 3)
        #expect(failedAttempts.allSatisfy {
            $0.level == .debug && $0.metadata["model"] == .string(ClientHarness.model(.openai))
                && $0.metadata["request_id"] == requestID
        })

        let breaker = try #require(entries.first { $0.message == "circuit breaker opened" })
        #expect(breaker.level == .warning)
        #expect(breaker.metadata["provider"] == "openai")
        #expect(breaker.metadata["circuit_state"] == "open")

        let fallback = try #require(entries.first { $0.message == "falling back to the next provider" })
        #expect(fallback.level == .info)
        #expect(fallback.metadata["request_id"] == requestID)
        #expect(fallback.metadata["provider"] == "anthropic")
        #expect(fallback.metadata["fallback_from"] == "openai")
        #expect(fallback.metadata["error_type"] == "server_error")

        #expect(!entries.contains { $0.level >= .error })
        let text = entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        for key in ClientHarness.keys.values { #expect(!text.contains(key)) }
    }

    @Test func logsARequestThatEveryProviderFailedAsAnError() async throws {
        let captured = CapturedLog()
        let harness = try ClientHarness(
            scenario: Scenario(providers: [.openai: ProviderScenario(faults: [FaultRule(effect: .status(401), times: nil)])]),
            chain: [.openai], logger: Logger(label: "bulwark.client", factory: { captured.handler(label: $0) }))
        defer { Task { await harness.shutdown() } }
        await #expect(throws: ResilientClientError.self) { try await harness.complete().result.get() }
        let failed = try #require(captured.entries.first { $0.level == .error })
        #expect(failed.message == "request failed")
        #expect(failed.metadata["provider"] == "openai")
        #expect(failed.metadata["error_type"] == "authentication")
        #expect(failed.metadata["status_code"] == "401")
        let text = captured.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        for key in ClientHarness.keys.values { #expect(!text.contains(key)) }
    }

    private func int(_ attribute: SpanAttribute?) -> Int? {
        switch attribute {
        case .int64(let value): Int(value)
        case .int32(let value): Int(value)
        default: nil
        }
    }
}

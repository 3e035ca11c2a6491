import BulwarkCore
import BulwarkPrometheus
import BulwarkSimulator
import Bulwark
import Testing

/// The resilient client's behaviour against the real simulator, on a manual clock.
@Suite struct ResilientClientBehaviourTests {
    @Test func opensTheBreakerAfterFiveFailuresThenRecoversThroughHalfOpen() async throws {
        // openai fails 8 times, then recovers; anthropic is healthy.
        let harness = try ClientHarness(
            scenario: Scenario(providers: [.openai: ProviderScenario(faults: [FaultRule(effect: .status(500), times: 8)])]),
            chain: [.openai, .anthropic]) { $0.retry.maxRetries = 1 }
        defer { Task { await harness.shutdown() } }
        // Request 1: 2 failures; request 2: 2 failures; request 3: the fifth failure opens the circuit.
        for _ in 0..<3 { #expect(try await harness.complete().result.get().provider == "anthropic") }
        #expect(harness.attempts(.openai) == 5)
        #expect(harness.registry.value(MetricCatalog.circuitState, labels: ["provider": "openai", "state": "open"]) == 1)
        #expect(harness.registry.value(MetricCatalog.circuitOpens, labels: ["provider": "openai"]) == 1)
        // While open, openai is skipped without a request; the answer counts as a fallback.
        let fallbacksBefore = harness.registry.value(MetricCatalog.requests, labels: ["outcome": "fallback"]) ?? 0
        let skipped = try await harness.complete().result.get()
        #expect(skipped.provider == "anthropic" && skipped.usedFallback)
        #expect(harness.recorder.events.last?.fallback == true)
        #expect(harness.registry.value(MetricCatalog.requests, labels: ["outcome": "fallback"]) == fallbacksBefore + 1)
        #expect(harness.attempts(.openai) == 5)
        #expect(harness.simulator.stats().count(provider: .openai) == 5)
        // After the recovery timeout the breaker lets trial calls through; failures 6..8 reopen it.
        harness.clock.advance(by: 60)
        _ = await harness.complete()
        #expect(harness.attempts(.openai) == 6)
        #expect(harness.registry.value(MetricCatalog.circuitOpens, labels: ["provider": "openai"]) == 2)
        harness.clock.advance(by: 60)
        _ = await harness.complete()
        harness.clock.advance(by: 60)
        _ = await harness.complete()
        harness.clock.advance(by: 60)
        // openai has now used up its 8 failures: two successful trials close the circuit.
        #expect(try await harness.complete().result.get().provider == "openai")
        #expect(try await harness.complete().result.get().provider == "openai")
        #expect(harness.registry.value(MetricCatalog.circuitState, labels: ["provider": "openai", "state": "closed"]) == 1)
        let states = harness.recorder.events.filter { $0.provider == "openai" }.map(\.circuitState)
        #expect(states.contains(.halfOpen))
    }

    @Test func routesAroundAProviderWhoseRateLimitWouldMakeItWait() async throws {
        let harness = try ClientHarness(scenario: .healthy, chain: [.openai, .anthropic]) {
            $0.providers[0].rateLimits = RateLimitConfiguration(requestsPerMinute: 3)
        }
        defer { Task { await harness.shutdown() } }
        var providers: [String] = []
        for _ in 0..<5 { providers.append(try await harness.complete().result.get().provider) }
        #expect(providers == ["openai", "openai", "openai", "anthropic", "anthropic"])
        // Nothing was sent into a certain 429.
        #expect(harness.simulator.stats().count(provider: .openai, status: 429) == 0)
        // After the window rolls on, openai is used again.
        harness.clock.advance(by: 61)
        #expect(try await harness.complete().result.get().provider == "openai")
    }

    @Test func waitsTheExactTimeWhenTheOnlyProviderIsRateLimited() async throws {
        let harness = try ClientHarness(scenario: .healthy, chain: [.anthropic]) {
            $0.providers[0].rateLimits = RateLimitConfiguration(requestsPerMinute: 2)
        }
        defer { Task { await harness.shutdown() } }
        _ = await harness.complete()
        harness.clock.advance(by: 10)
        _ = await harness.complete()
        let (result, waits) = await harness.complete()
        #expect(try result.get().provider == "anthropic")
        // The first request's slot frees 60 s after it was taken, 50 s from now.
        #expect(waits == [50])
    }

    @Test func deliversPartialTextWithTheErrorWhenAStreamBreaksMidWay() async throws {
        for fault in [FaultRule.midStreamError(afterChunks: 3), .truncate(afterChunks: 3), .reset(afterChunks: 3), .stall(afterChunks: 3, seconds: 3)] {
            let harness = try ClientHarness(
                // Chunks 30 ms apart reach the client before the fault strikes.
                scenario: Scenario(providers: [.anthropic: ProviderScenario(interChunk: .fixed(30), faults: [fault])]),
                chain: [.anthropic, .openai])
            let (text, result, _) = await harness.stream()
            await harness.shutdown()
            guard case .failure(let error) = result, let failure = error as? ResilientClientError else {
                Issue.record("\(fault.effect): expected a failure, got text \(text.count) chars; simulator saw \(harness.simulator.stats().counts)")
                continue
            }
            #expect(!text.isEmpty, "\(fault)")
            #expect(failure.partialText == text, "\(fault)")
            // Text already reached the caller: no retry, no fallback.
            #expect(harness.attempts(.anthropic) == 1, "\(fault)")
            #expect(harness.attempts(.openai) == 0, "\(fault)")
            let expected: ErrorType = switch fault.effect {
            case .midStreamError: .streamError
            case .stall: .streamStalled
            default: .streamTruncated
            }
            #expect(harness.recorder.events.first?.errorType == expected, "\(fault)")
            #expect(harness.recorder.events.first?.statusCode == 200)
            #expect(harness.recorder.events.first?.timeToFirstTokenMs != nil)
        }
    }

    @Test func fallsBackWhenAStreamFailsBeforeDeliveringAnything() async throws {
        let harness = try ClientHarness(
            scenario: Scenario(providers: [.openai: ProviderScenario(faults: [.midStreamError(afterChunks: 0)])]),
            chain: [.openai, .google])
        defer { Task { await harness.shutdown() } }
        let (text, result, _) = await harness.stream()
        #expect(try result.get().provider == "google")
        #expect(!text.isEmpty)
        #expect(harness.recorder.events.map(\.provider) == ["openai", "google"])
    }

    @Test func servesCachedAnswersAndFailsFastWhenEveryProviderIsDown() async throws {
        let harness = try ClientHarness(
            scenario: Scenario(providers: [
                .openai: ProviderScenario(faults: [FaultRule(effect: .status(503), times: nil)].map { rule in
                    var rule = rule
                    rule.name = "down"
                    return rule
                }, phases: []),
                .anthropic: ProviderScenario(faults: [.status(529)]),
            ]),
            chain: [.openai, .anthropic]) {
            $0.circuitBreaker.failureThreshold = 1_000
            $0.retry.maxRetries = 0
        }
        defer { Task { await harness.shutdown() } }
        // Fail every provider 20 times: a prolonged outage everywhere.
        for _ in 0..<20 { _ = await harness.complete("warm up") }
        let down = await harness.complete("anything", options: RequestOptions())
        guard case .failure(let error) = down.result, let failure = error as? ResilientClientError else {
            Issue.record("expected degraded mode, got \(down.result)")
            return
        }
        #expect(failure.code == .degraded)
        #expect(Set(failure.failures.map(\.provider)) == ["openai", "anthropic"])
        #expect(failure.failures.allSatisfy { $0.downSince != nil })
        #expect(failure.description.contains("openai"))
    }

    @Test func computesTheRequestTimeoutFromTheGuidesFormula() {
        let request = ChatRequest(messages: [.user(String(repeating: "word ", count: 100_000))], maxTokens: 4_000)
        #expect(RequestTimeout(for: request, model: "gpt-4o").request == 300)
        #expect(RequestTimeout(for: ChatRequest(messages: [.user("hi")], maxTokens: 2_000), model: "gpt-4o").request == 60)
        #expect(RequestTimeout(for: ChatRequest(messages: [.user("hi")], maxTokens: 1_000), model: "o3").request == 120)
    }
}

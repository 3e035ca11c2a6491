import BulwarkCore
import BulwarkPrometheus
import BulwarkSimulator
import Bulwark
import Testing

/// Each provider × each error status of the fixtures × unary and streaming, against the real
/// simulator: attempts, waits, whether and where the request fell back.
@Suite struct FaultMatrixTests {
    /// What the guide says should happen after an error.
    enum Policy: Sendable {
        /// Retryable: retry on the same provider, then move to the next one.
        case retryThenFallback
        /// Not retryable, but another provider may succeed (auth, permission, not found, quota, context length).
        case fallbackAtOnce
        /// The request itself is wrong: no retry, no fallback.
        case failWithoutFallback
    }

    struct Case: Sendable, CustomStringConvertible {
        var provider: SimulatedProvider
        var status: ErrorStatus
        var policy: Policy
        var description: String { "\(provider) \(status)" }
    }

    static let cases: [Case] = [
        .init(provider: .openai, status: 400, policy: .failWithoutFallback),
        .init(provider: .openai, status: ErrorStatus(400, variant: "context_length_exceeded"), policy: .fallbackAtOnce),
        .init(provider: .openai, status: 401, policy: .fallbackAtOnce),
        .init(provider: .openai, status: 403, policy: .fallbackAtOnce),
        .init(provider: .openai, status: 404, policy: .fallbackAtOnce),
        .init(provider: .openai, status: ErrorStatus(429, variant: "insufficient_quota"), policy: .fallbackAtOnce),
        .init(provider: .openai, status: 429, policy: .retryThenFallback),
        .init(provider: .openai, status: ErrorStatus(429, variant: "requests"), policy: .retryThenFallback),
        .init(provider: .openai, status: 500, policy: .retryThenFallback),
        .init(provider: .openai, status: 502, policy: .retryThenFallback),
        .init(provider: .openai, status: .html(502), policy: .retryThenFallback),
        .init(provider: .openai, status: 503, policy: .retryThenFallback),
        .init(provider: .openai, status: .html(504), policy: .retryThenFallback),
        .init(provider: .anthropic, status: 400, policy: .failWithoutFallback),
        .init(provider: .anthropic, status: 401, policy: .fallbackAtOnce),
        .init(provider: .anthropic, status: 402, policy: .fallbackAtOnce),
        .init(provider: .anthropic, status: 403, policy: .fallbackAtOnce),
        .init(provider: .anthropic, status: 404, policy: .fallbackAtOnce),
        .init(provider: .anthropic, status: 413, policy: .fallbackAtOnce),
        .init(provider: .anthropic, status: ErrorStatus(429, variant: "enforced_spend_limit_reached"), policy: .fallbackAtOnce),
        .init(provider: .anthropic, status: 429, policy: .retryThenFallback),
        .init(provider: .anthropic, status: 500, policy: .retryThenFallback),
        .init(provider: .anthropic, status: 504, policy: .retryThenFallback),
        .init(provider: .anthropic, status: .html(504), policy: .retryThenFallback),
        .init(provider: .anthropic, status: 529, policy: .retryThenFallback),
        .init(provider: .google, status: 400, policy: .failWithoutFallback),
        .init(provider: .google, status: ErrorStatus(400, variant: "api_key_invalid"), policy: .fallbackAtOnce),
        .init(provider: .google, status: ErrorStatus(400, variant: "failed_precondition"), policy: .failWithoutFallback),
        .init(provider: .google, status: 401, policy: .fallbackAtOnce),
        .init(provider: .google, status: 403, policy: .fallbackAtOnce),
        .init(provider: .google, status: 404, policy: .fallbackAtOnce),
        .init(provider: .google, status: 429, policy: .retryThenFallback),
        .init(provider: .google, status: 500, policy: .retryThenFallback),
        .init(provider: .google, status: 503, policy: .retryThenFallback),
        .init(provider: .google, status: 504, policy: .retryThenFallback),
    ]

    static func fallback(for provider: SimulatedProvider) -> SimulatedProvider {
        provider == .openai ? .anthropic : .openai
    }

    @Test(arguments: cases, [false, true])
    func followsTheGuideForEveryFixtureStatus(testCase: Case, stream: Bool) async throws {
        let primary = testCase.provider
        let secondary = Self.fallback(for: primary)
        let harness = try ClientHarness(
            scenario: Scenario(providers: [primary: ProviderScenario(faults: [.status(testCase.status)])]),
            chain: [primary, secondary])
        defer { Task { await harness.shutdown() } }
        let outcome: Result<ResilientResponse, any Error>
        let waits: [Double]
        if stream {
            let streamed = await harness.stream()
            outcome = streamed.result
            waits = streamed.waits
        } else {
            (outcome, waits) = await harness.complete()
        }
        let events = harness.recorder.events
        let primaryEvents = events.filter { $0.provider == primary.rawValue }
        let expectedPrimaryAttempts = testCase.policy == .retryThenFallback ? 3 : 1
        #expect(primaryEvents.count == expectedPrimaryAttempts, "\(testCase) stream=\(stream): \(events.map(\.errorType))")
        #expect(harness.simulator.stats().count(provider: primary) == expectedPrimaryAttempts)
        for (index, event) in primaryEvents.enumerated() {
            #expect(event.statusCode == testCase.status.code)
            #expect(event.errorType != nil)
            #expect(event.retryCount == index)
            #expect(event.isRetry == (index > 0))
            #expect(event.attempt == index + 1)
            #expect(!event.fallback)
            #expect(event.stream == stream)
        }
        // Every retry waits what the provider asked for, to the millisecond, or a full-jitter backoff;
        // when the backoff is shorter than the provider's rate-limit reset, the limiter waits out the rest.
        #expect(waits.count >= expectedPrimaryAttempts - 1, "waits \(waits) events \(primaryEvents.map { ($0.statusCode, $0.retryAfterMs) })")
        for event in primaryEvents.dropLast() {
            if let asked = event.retryAfterMs {
                #expect(waits.contains { abs($0 - asked / 1000) < 1e-6 }, "provider asked \(asked) ms, waits \(waits)")
            }
        }
        let asked = Set(primaryEvents.compactMap { $0.retryAfterMs.map { ($0 / 1000 * 1e6).rounded() / 1e6 } })
        for (index, wait) in waits.enumerated() where !asked.contains(wait) {
            #expect(wait >= 0 && wait <= Double(1 << index) + 1, "wait \(wait) outside full jitter and reset bounds")
        }
        if primaryEvents.allSatisfy({ $0.retryAfterMs == nil }) && testCase.status.code != 429 {
            #expect(waits.count == expectedPrimaryAttempts - 1, "only backoff waits expected: \(waits)")
        }
        switch testCase.policy {
        case .retryThenFallback, .fallbackAtOnce:
            let response = try outcome.get()
            #expect(response.provider == secondary.rawValue)
            #expect(response.usedFallback)
            #expect(response.attempts == expectedPrimaryAttempts + 1)
            let last = try #require(events.last)
            #expect(last.provider == secondary.rawValue && last.fallback && last.errorType == nil && last.statusCode == 200)
            #expect(Set(events.map(\.requestID)).count == 1)
            #expect(harness.registry.value(MetricCatalog.requests, labels: ["outcome": "fallback"]) == 1)
            #expect(harness.registry.value(MetricCatalog.fallbacks, labels: ["from_provider": primary.rawValue, "to_provider": secondary.rawValue]) == 1)
        case .failWithoutFallback:
            guard case .failure(let error) = outcome, let failure = error as? ResilientClientError else {
                Issue.record("expected a rejection, got \(outcome)")
                return
            }
            #expect(failure.code == .requestRejected)
            #expect(failure.lastError?.errorType == .badRequest)
            #expect(harness.attempts(secondary) == 0)
            #expect(harness.registry.value(MetricCatalog.requests, labels: ["outcome": "failed"]) == 1)
        }
    }

    @Test func honoursRetryAfterSecondsAndMillisecondsExactly() async throws {
        let harness = try ClientHarness(
            scenario: Scenario(providers: [
                .openai: ProviderScenario(faults: [FaultRule.sequence([429, 429, 200]).withRetryAfter(milliseconds: 1_500)]),
            ]),
            chain: [.openai, .anthropic])
        defer { Task { await harness.shutdown() } }
        let (result, waits) = await harness.complete()
        #expect(try result.get().provider == "openai")
        #expect(waits == [1.5, 1.5])
        #expect(harness.recorder.events.map(\.retryAfterMs) == [1_500, 1_500, nil])
    }

    @Test func fallsBackInsteadOfWaitingWhenRetryAfterIsAboveTheCeiling() async throws {
        let harness = try ClientHarness(
            scenario: Scenario(providers: [.anthropic: ProviderScenario(faults: [FaultRule.status(529).withRetryAfter(seconds: 600)])]),
            chain: [.anthropic, .google])
        defer { Task { await harness.shutdown() } }
        let (result, waits) = await harness.complete()
        #expect(try result.get().provider == "google")
        #expect(waits.isEmpty)
        #expect(harness.attempts(.anthropic) == 1)
    }
}

import Foundation
import BulwarkHTTPServer
import Testing

@testable import BulwarkSimulator

@Suite("Real RPM/TPM enforcement")
struct RateLimitTests {
    @Test func enforcesOpenAIRequestsPerMinuteWithItsOwnHeadersAndBody() async throws {
        let scenario = Scenario(providers: [.openai: ProviderScenario(rateLimits: RateLimits(rpm: 2, tpm: 1000))])
        try await withSimulator(scenario) { simulator in
            let first = try await send(.openAI(), to: simulator)
            #expect(first.headers["x-ratelimit-remaining-requests"] == "1")
            let second = try await send(.openAI(), to: simulator)
            #expect(second.status == 200)
            #expect(second.headers["x-ratelimit-remaining-requests"] == "0")
            let limited = try await send(.openAI(), to: simulator)
            #expect(limited.status == 429)
            #expect(limited.headers["Content-Type"] == "application/json")
            #expect(limited.headers["x-ratelimit-limit-requests"] == "2")
            #expect(limited.headers["x-ratelimit-remaining-requests"] == "0")
            #expect(limited.headers["x-ratelimit-limit-tokens"] == "1000")
            #expect(limited.headers["x-request-id"]?.hasPrefix("req_") == true)
            let retryAfter = try #require(limited.headers["retry-after"].flatMap { Int($0) })
            #expect((59...60).contains(retryAfter))
            let error = try #require(try jsonObject(limited.body)["error"] as? [String: Any])
            #expect(error["type"] as? String == "requests")
            #expect(error["code"] as? String == "rate_limit_exceeded")
            #expect(
                (error["message"] as? String)?.contains("requests per min (RPM): Limit 2, Used 2, Requested 1") == true)
            #expect(simulator.stats().count(provider: .openai, status: 429, fault: .rateLimit) == 1)
            #expect(simulator.stats().count(provider: .openai, status: 200) == 2)
        }
    }

    @Test func enforcesAnthropicInputTokensWithItsRateLimitHeaders() async throws {
        // "Say hello." is 10 input tokens: three fit in 30, the fourth does not.
        let scenario = Scenario(providers: [.anthropic: ProviderScenario(rateLimits: RateLimits(inputTPM: 30))])
        try await withSimulator(scenario) { simulator in
            for _ in 0..<3 { #expect(try await send(.anthropic(), to: simulator).status == 200) }
            let limited = try await send(.anthropic(), to: simulator)
            #expect(limited.status == 429)
            #expect(limited.headers["anthropic-ratelimit-input-tokens-limit"] == "30")
            #expect(limited.headers["anthropic-ratelimit-input-tokens-remaining"] == "0")
            #expect(limited.headers["anthropic-ratelimit-requests-remaining"] == "3997")
            #expect(limited.headers["retry-after"].flatMap { Int($0) }.map { $0 >= 1 } == true)
            let body = try jsonObject(limited.body)
            let error = try #require(body["error"] as? [String: Any])
            #expect(error["type"] as? String == "rate_limit_error")
            #expect((error["message"] as? String)?.contains("of 30 input tokens per minute") == true)
            #expect(body["request_id"] as? String == limited.headers["request-id"])
        }
    }

    @Test func enforcesGeminiQuotaWithRetryInfoInTheBody() async throws {
        let scenario = Scenario(providers: [.google: ProviderScenario(rateLimits: RateLimits(rpm: 1))])
        try await withSimulator(scenario) { simulator in
            #expect(try await send(.gemini(), to: simulator).status == 200)
            let limited = try await send(.gemini(), to: simulator)
            #expect(limited.status == 429)
            #expect(!limited.headers.contains { $0.name.lowercased().contains("ratelimit") })
            let error = try #require(try jsonObject(limited.body)["error"] as? [String: Any])
            #expect(error["status"] as? String == "RESOURCE_EXHAUSTED")
            let details = try #require(error["details"] as? [[String: Any]])
            let retryInfo = try #require(details.first { ($0["@type"] as? String)?.hasSuffix("RetryInfo") == true })
            #expect((retryInfo["retryDelay"] as? String)?.hasSuffix("s") == true)
        }
    }

    @Test func freesCapacityAsTheRollingWindowMoves() {
        let clock = ManualClock()
        let scenario = Scenario(providers: [
            .openai: ProviderScenario(rateLimits: RateLimits(rpm: 2, windowSeconds: 10))
        ])
        let engine = SimulatorEngine(scenario: scenario, seed: 1, clock: clock.now)
        let request = ParsedRequest(
            model: "gpt-4o", isStream: false, prompt: PromptSummary(texts: ["hi"], messageCount: 1))
        func outcome() -> (status: Int, headers: [String: String]) {
            switch engine.decide(.openai, request) {
            case .error(let reply, _): (reply.status, Dictionary(reply.headers.map { ($0.name, $0.value) }) { $1 })
            case .reset: (0, [:])
            case .success(let plan): (200, Dictionary(plan.headers.map { ($0.name, $0.value) }) { $1 })
            }
        }
        #expect(outcome().status == 200)
        clock.set(4)
        let second = outcome()
        #expect(second.status == 200)
        #expect(second.headers["x-ratelimit-reset-requests"] == "10s")
        clock.set(5)
        let rejected = outcome()
        #expect(rejected.status == 429)
        #expect(rejected.headers["retry-after"] == "5", "the first request leaves the window at t=10")
        #expect(rejected.headers["x-ratelimit-reset-requests"] == "9s")
        clock.set(10.01)
        #expect(outcome().status == 200)
        #expect(outcome().status == 429, "the request at t=4 is still in the window")
        clock.set(14.01)
        #expect(outcome().status == 200)
    }

    @Test func rejectsARequestLargerThanTheWholeLimitForAWindow() {
        let scenario = Scenario(providers: [.google: ProviderScenario(rateLimits: RateLimits(tpm: 5))])
        let engine = SimulatorEngine(scenario: scenario, seed: 1, clock: ManualClock().now)
        let long = String(repeating: "long prompt ", count: 10)
        let request = ParsedRequest(
            model: "gemini", isStream: false, prompt: PromptSummary(texts: [long], messageCount: 1))
        guard case .error(let reply, _) = engine.decide(.google, request) else {
            Issue.record("expected a 429")
            return
        }
        #expect(reply.status == 429)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("\"retryDelay\": \"60s\""))
    }

    @Test func formatsResetsAsGoDurationsAndRFC3339() {
        #expect(RateLimitHeaders.goDuration(0) == "0s")
        #expect(RateLimitHeaders.goDuration(0.02) == "20ms")
        #expect(RateLimitHeaders.goDuration(1) == "1s")
        #expect(RateLimitHeaders.goDuration(17.687) == "17.687s")
        #expect(RateLimitHeaders.goDuration(90) == "1m30s")
        #expect(RateLimitHeaders.goDuration(360) == "6m0s")
        #expect(RateLimitHeaders.goDuration(3723) == "1h2m3s")
        #expect(RateLimitHeaders.rfc3339(Date(timeIntervalSince1970: 1_755_780_059)) == "2025-08-21T12:40:59Z")
        #expect(RateLimitHeaders.rfc3339(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(groupedThousands(30000) == "30,000")
        #expect(groupedThousands(999) == "999")
    }
}

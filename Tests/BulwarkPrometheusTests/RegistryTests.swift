import BulwarkCore
import BulwarkPrometheus
import Foundation
import Synchronization
import Testing

/// A registry fed a fixed set of events, shared by the golden-file and semantics tests.
func makeSampleRegistry() -> MetricsRegistry {
    let registry = MetricsRegistry(wallClock: { 1_764_000_000 })
    let events = [
        APICallMetric(timestamp: 1_764_000_001, provider: "openai", model: "gpt-4o", statusCode: 200, latencyMs: 420,
                      inputTokens: 100, outputTokens: 50, costUSD: 0.00075),
        APICallMetric(timestamp: 1_764_000_002, provider: "openai", model: "gpt-4o", statusCode: 429, latencyMs: 30,
                      errorType: .rateLimited, retryAfterMs: 1000),
        APICallMetric(timestamp: 1_764_000_003, provider: "openai", model: "gpt-4o", statusCode: 200, latencyMs: 12_000,
                      inputTokens: 100, outputTokens: 500, isRetry: true, retryCount: 1, stream: true,
                      timeToFirstTokenMs: 700, costUSD: 0.00525),
        APICallMetric(timestamp: 1_764_000_004, provider: "anthropic", model: "claude \"sonnet\"\\4\nß", statusCode: 529,
                      latencyMs: 350_000, errorType: .overloaded, providerErrorType: "overloaded_error"),
        APICallMetric(timestamp: 1_764_000_005, provider: "google", model: "gemini-3-pro", statusCode: 0, latencyMs: 60_000,
                      errorType: .timeout),
    ]
    for event in events { registry.record(event) }
    registry.record(events[0], source: .http)
    registry.recordRequest(outcome: .success)
    registry.recordRequest(outcome: .fallback)
    registry.recordFallback(from: "openai", to: "anthropic")
    registry.setCircuitState(.open, provider: "openai")
    registry.recordCircuitOpened(provider: "openai")
    registry.setRateLimit(provider: "openai", resource: .requests, remaining: 499, limit: 500)
    registry.setOutageSeverity(.extended, provider: "openai")
    registry.setDailyBudget(usd: 50)
    registry.setAlertFiring(alertname: "LLMAPICircuitOpen", severity: "warning", firing: true)
    registry.recordRejected(reason: "invalid_field", count: 3)
    return registry
}

@Suite struct RegistryTests {
    @Test func countsCallsByProviderModelStatusAndErrorType() {
        let registry = makeSampleRegistry()
        #expect(registry.value(MetricCatalog.calls) == 6)
        #expect(registry.value(MetricCatalog.calls, labels: ["provider": "openai", "status_code": "200", "error_type": "none"]) == 3)
        #expect(registry.value(MetricCatalog.calls, labels: ["error_type": "rate_limited"]) == 1)
        #expect(registry.value(MetricCatalog.calls, labels: ["provider": "google", "status_code": "0"]) == 1)
        #expect(registry.value(MetricCatalog.tokens, labels: ["provider": "openai", "direction": "output"]) == 600)
        #expect(registry.value(MetricCatalog.retries, labels: ["provider": "openai"]) == 1)
        #expect(registry.value(MetricCatalog.timeToFirstToken) == 1)
        #expect(registry.value(MetricCatalog.eventsIngested, labels: ["source": "http"]) == 1)
        #expect(registry.value(MetricCatalog.eventsIngested, labels: ["source": "client"]) == 5)
        #expect(registry.value(MetricCatalog.circuitState, labels: ["provider": "openai", "state": "open"]) == 1)
        #expect(registry.value(MetricCatalog.circuitState, labels: ["provider": "openai", "state": "closed"]) == 0)
    }

    @Test func capsCallerControlledLabelValuesIntoOther() {
        let registry = MetricsRegistry(configuration: .init(maxProviders: 2, maxModels: 3))
        for index in 0..<10 {
            registry.record(APICallMetric(timestamp: 1, provider: "p\(index % 4)", model: "m\(index)", statusCode: 200, latencyMs: 1))
        }
        #expect(registry.value(MetricCatalog.calls) == 10)
        #expect(registry.value(MetricCatalog.calls, labels: ["model": "other"]) == 7)
        #expect(registry.value(MetricCatalog.calls, labels: ["provider": "other"])! > 0)
        #expect(registry.labelOverflowCount > 0)
        let text = String(decoding: registry.render(format: .prometheusText), as: UTF8.self)
        #expect(text.contains(#"llm_api_label_overflow_total{label="model"} 7"#))
    }

    @Test func recordsFromManyThreadsWithoutLosingEvents() async {
        let registry = MetricsRegistry()
        let threads = 8
        let perThread = 5_000
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<threads {
                group.addTask {
                    for index in 0..<perThread {
                        registry.record(APICallMetric(
                            timestamp: 1, provider: "p\(thread % 3)", model: "m\(index % 7)",
                            statusCode: index % 5 == 0 ? 500 : 200, latencyMs: Double(index % 100),
                            inputTokens: 1, errorType: index % 5 == 0 ? .serverError : nil))
                    }
                }
            }
        }
        #expect(registry.value(MetricCatalog.calls) == Double(threads * perThread))
        #expect(registry.value(MetricCatalog.tokens, labels: ["direction": "input"]) == Double(threads * perThread))
        #expect(registry.value(MetricCatalog.callDuration) == Double(threads * perThread))
    }

    @Test func rendersIdenticallyWhateverTheRecordingOrder() {
        let events = (0..<50).map { index in
            APICallMetric(timestamp: 5, provider: "p\(index % 5)", model: "m\(index % 3)", statusCode: [200, 429, 503][index % 3],
                          latencyMs: Double(index) * 125, errorType: [nil, .rateLimited, .unavailable][index % 3])
        }
        let forward = MetricsRegistry(wallClock: { 1 })
        let backward = MetricsRegistry(wallClock: { 1 })
        for event in events { forward.record(event) }
        for event in events.reversed() { backward.record(event) }
        let forwardText = String(decoding: forward.render(format: .openMetrics), as: UTF8.self)
        let backwardText = String(decoding: backward.render(format: .openMetrics), as: UTF8.self)
        #expect(forwardText == backwardText)
    }
}

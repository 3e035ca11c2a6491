import BulwarkCore
import BulwarkMetrics
import Testing

/// `.bulwark` naming through swift-prometheus: the `llm_api_*` families and labels of DESIGN.md.
@Suite struct BulwarkNamingTests {
    static let gpt = [("provider", "openai"), ("model", "gpt-4o")]

    static func labels(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    @Test func emitsAttemptsUnderTheExporterFamilies() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .bulwark, factory: fixture.factory)
        recorder.record(APICallMetric(timestamp: 1, provider: "openai", model: "gpt-4o", statusCode: 429,
            latencyMs: 40, errorType: .rateLimited, attempt: 1))
        recorder.record(APICallMetric(timestamp: 2, provider: "openai", model: "gpt-4o", statusCode: 200,
            latencyMs: 700, inputTokens: 12, outputTokens: 30, isRetry: true, retryCount: 1, attempt: 2,
            stream: true, timeToFirstTokenMs: 200, costUSD: 0.25))

        let gpt = Self.gpt
        #expect(fixture.lines(of: "llm_api_calls_total").sorted() == [
            "llm_api_calls_total" + Self.labels(gpt + [("status_code", "200"), ("error_type", "none")]) + " 1",
            "llm_api_calls_total" + Self.labels(gpt + [("status_code", "429"), ("error_type", "rate_limited")]) + " 1",
        ])
        #expect(fixture.lines(of: "llm_api_call_duration_seconds_bucket") == [
            ("0.05", 1), ("0.1", 1), ("0.25", 1), ("0.5", 1), ("1.0", 2), ("2.5", 2), ("5.0", 2), ("10.0", 2),
            ("15.0", 2), ("20.0", 2), ("30.0", 2), ("60.0", 2), ("120.0", 2), ("300.0", 2), ("+Inf", 2),
        ].map { "llm_api_call_duration_seconds_bucket" + Self.labels(gpt + [("le", $0.0)]) + " \($0.1)" })
        #expect(fixture.lines(of: "llm_api_call_duration_seconds_count") == [
            "llm_api_call_duration_seconds_count" + Self.labels(gpt) + " 2",
        ])
        #expect(fixture.lines(of: "llm_api_call_duration_seconds_sum") == [
            "llm_api_call_duration_seconds_sum" + Self.labels(gpt) + " 0.74",
        ])
        let firstToken = fixture.lines(of: "llm_api_time_to_first_token_seconds_bucket")
        #expect(firstToken.first == "llm_api_time_to_first_token_seconds_bucket" + Self.labels(gpt + [("le", "0.1")]) + " 0")
        #expect(firstToken.contains("llm_api_time_to_first_token_seconds_bucket" + Self.labels(gpt + [("le", "0.25")]) + " 1"))
        #expect(firstToken.count == 12)
        #expect(fixture.lines(of: "llm_api_tokens_total").sorted() == [
            "llm_api_tokens_total" + Self.labels(gpt + [("direction", "input")]) + " 12",
            "llm_api_tokens_total" + Self.labels(gpt + [("direction", "output")]) + " 30",
        ])
        #expect(fixture.lines(of: "llm_api_retries_total") == ["llm_api_retries_total" + Self.labels(gpt) + " 1"])
        #expect(fixture.lines(of: "llm_api_cost_usd_total") == ["llm_api_cost_usd_total" + Self.labels(gpt) + " 0.25"])
        #expect(fixture.lines.contains("# TYPE llm_api_call_duration_seconds histogram"))
        #expect(fixture.lines.contains("# TYPE llm_api_calls_total counter"))
    }

    @Test func emitsClientEventsUnderTheExporterFamilies() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .bulwark, factory: fixture.factory)
        recorder.record(.requestFinished(outcome: .success))
        recorder.record(.requestFinished(outcome: .fallback))
        recorder.record(.requestFinished(outcome: .fallback))
        recorder.record(.fallback(from: "openai", to: "anthropic"))
        recorder.record(.circuitStateChanged(provider: "openai", state: .open))
        recorder.record(.circuitOpened(provider: "openai"))
        recorder.record(.rateLimit(provider: "openai", resource: .tokens, remaining: 900, limit: nil))
        recorder.record(.outageSeverityChanged(provider: "openai", severity: .extended))

        #expect(fixture.lines(of: "llm_api_requests_total").sorted() == [
            #"llm_api_requests_total{outcome="fallback"} 2"#, #"llm_api_requests_total{outcome="success"} 1"#,
        ])
        #expect(fixture.lines(of: "llm_api_fallbacks_total") == [
            #"llm_api_fallbacks_total{from_provider="openai",to_provider="anthropic"} 1"#,
        ])
        #expect(fixture.lines(of: "llm_api_circuit_state").sorted() == [
            #"llm_api_circuit_state{provider="openai",state="closed"} 0.0"#,
            #"llm_api_circuit_state{provider="openai",state="half_open"} 0.0"#,
            #"llm_api_circuit_state{provider="openai",state="open"} 1.0"#,
        ])
        #expect(fixture.lines(of: "llm_api_circuit_opens_total") == [#"llm_api_circuit_opens_total{provider="openai"} 1"#])
        #expect(fixture.lines(of: "llm_api_ratelimit_remaining") == [
            #"llm_api_ratelimit_remaining{provider="openai",resource="tokens"} 900.0"#,
        ])
        #expect(fixture.lines(of: "llm_api_ratelimit_limit").isEmpty)
        #expect(fixture.lines(of: "llm_api_outage_severity") == [#"llm_api_outage_severity{provider="openai"} 2.0"#])
    }
}

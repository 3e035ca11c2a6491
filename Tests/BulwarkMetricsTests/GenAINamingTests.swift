import BulwarkCore
import BulwarkMetrics
import Testing

/// `.openTelemetryGenAI` naming through swift-prometheus, which turns the dots of OTel names into underscores
/// (`gen_ai.client.operation.duration` → `gen_ai_client_operation_duration`).
@Suite struct GenAINamingTests {
    static let durationBounds = ["0.01", "0.02", "0.04", "0.08", "0.16", "0.32", "0.64", "1.28", "2.56", "5.12",
        "10.24", "20.48", "40.96", "81.92"]
    static let tokenBounds = ["1.0", "4.0", "16.0", "64.0", "256.0", "1024.0", "4096.0", "16384.0", "65536.0",
        "262144.0", "1048576.0", "4194304.0", "16777216.0", "67108864.0"]

    static func attributes(provider: String, model: String, extra: [(String, String)] = []) -> String {
        ([("gen_ai_operation_name", "chat"), ("gen_ai_provider_name", provider), ("gen_ai_request_model", model)]
            + extra).map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
    }

    @Test func emitsOperationDurationWithTheConventionsBoundariesAndErrorTypeOnFailuresOnly() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .openTelemetryGenAI, factory: fixture.factory)
        recorder.record(APICallMetric(timestamp: 1, provider: "openai", model: "gpt-4o", statusCode: 200,
            latencyMs: 300, inputTokens: 10, outputTokens: 100))
        recorder.record(APICallMetric(timestamp: 2, provider: "openai", model: "gpt-4o", statusCode: 200,
            latencyMs: 30, inputTokens: 3, outputTokens: 0))
        recorder.record(APICallMetric(timestamp: 3, provider: "openai", model: "gpt-4o", statusCode: 529,
            latencyMs: 50, errorType: .overloaded))

        let ok = Self.attributes(provider: "openai", model: "gpt-4o")
        let counts = [0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]
        let expected = zip(Self.durationBounds, counts).map {
            "gen_ai_client_operation_duration_bucket{\(ok),le=\"\($0.0)\"} \($0.1)"
        } + ["gen_ai_client_operation_duration_bucket{\(ok),le=\"+Inf\"} 2"]
        let lines = fixture.lines(of: "gen_ai_client_operation_duration_bucket")
        #expect(lines.filter { !$0.contains("error_type") } == expected)
        let failed = Self.attributes(provider: "openai", model: "gpt-4o", extra: [("error_type", "overloaded")])
        #expect(lines.contains("gen_ai_client_operation_duration_bucket{\(failed),le=\"0.04\"} 0"))
        #expect(lines.contains("gen_ai_client_operation_duration_bucket{\(failed),le=\"0.08\"} 1"))
        #expect(Set(fixture.lines(of: "gen_ai_client_operation_duration_count")) == [
            "gen_ai_client_operation_duration_count{\(ok)} 2", "gen_ai_client_operation_duration_count{\(failed)} 1",
        ])

        let input = Self.attributes(provider: "openai", model: "gpt-4o", extra: [("gen_ai_token_type", "input")])
        let output = Self.attributes(provider: "openai", model: "gpt-4o", extra: [("gen_ai_token_type", "output")])
        let tokens = fixture.lines(of: "gen_ai_client_token_usage_bucket")
        #expect(tokens.filter { $0.contains("\"input\"") } == zip(Self.tokenBounds, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
            .map { "gen_ai_client_token_usage_bucket{\(input),le=\"\($0.0)\"} \($0.1)" }
            + ["gen_ai_client_token_usage_bucket{\(input),le=\"+Inf\"} 2"])
        #expect(Set(fixture.lines(of: "gen_ai_client_token_usage_count")) == [
            "gen_ai_client_token_usage_count{\(input)} 2", "gen_ai_client_token_usage_count{\(output)} 1",
        ])
        #expect(Set(fixture.lines(of: "gen_ai_client_token_usage_sum")) == [
            "gen_ai_client_token_usage_sum{\(input)} 13.0", "gen_ai_client_token_usage_sum{\(output)} 100.0",
        ])
        #expect(fixture.lines(of: "gen_ai_client_operation_time_to_first_chunk_count").isEmpty)
        #expect(!fixture.lines.contains { $0.hasPrefix("llm_api_") })
    }

    @Test func mapsProviderNamesAndServerAddressesAndRecordsFirstChunkForStreams() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(
            naming: .openTelemetryGenAI, factory: fixture.factory,
            providerNames: GenAIProviderNames(["claude-eu": "anthropic", "mine": "acme.llm"]),
            serverAddresses: ["claude-eu": ServerAddress(host: "eu.example.com", port: 8443)])
        recorder.record(APICallMetric(timestamp: 1, provider: "google", model: "gemini-2.5-pro", statusCode: 200,
            latencyMs: 100, stream: true, timeToFirstTokenMs: 30))
        recorder.record(APICallMetric(timestamp: 1, provider: "claude-eu", model: "claude-sonnet-4", statusCode: 200,
            latencyMs: 100))
        recorder.record(APICallMetric(timestamp: 1, provider: "mine", model: "m", statusCode: 200, latencyMs: 100))

        let counts = Set(fixture.lines(of: "gen_ai_client_operation_duration_count"))
        #expect(counts == [
            "gen_ai_client_operation_duration_count{\(Self.attributes(provider: "acme.llm", model: "m"))} 1",
            "gen_ai_client_operation_duration_count{\(Self.attributes(provider: "anthropic", model: "claude-sonnet-4", extra: [("server_address", "eu.example.com"), ("server_port", "8443")]))} 1",
            "gen_ai_client_operation_duration_count{\(Self.attributes(provider: "gcp.gemini", model: "gemini-2.5-pro"))} 1",
        ])
        let gemini = Self.attributes(provider: "gcp.gemini", model: "gemini-2.5-pro")
        #expect(fixture.lines(of: "gen_ai_client_operation_time_to_first_chunk_bucket").prefix(3) == [
            "gen_ai_client_operation_time_to_first_chunk_bucket{\(gemini),le=\"0.01\"} 0",
            "gen_ai_client_operation_time_to_first_chunk_bucket{\(gemini),le=\"0.02\"} 0",
            "gen_ai_client_operation_time_to_first_chunk_bucket{\(gemini),le=\"0.04\"} 1",
        ])
    }

    @Test func emitsClientEventsUnderBulwarkNames() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .openTelemetryGenAI, factory: fixture.factory)
        recorder.record(.requestFinished(outcome: .failed))
        recorder.record(.fallback(from: "openai", to: "google"))
        recorder.record(.circuitOpened(provider: "openai"))
        #expect(fixture.lines(of: "bulwark_client_requests") == [#"bulwark_client_requests{bulwark_request_outcome="failed"} 1"#])
        #expect(fixture.lines(of: "bulwark_client_fallbacks") == [
            #"bulwark_client_fallbacks{bulwark_fallback_from="openai",bulwark_fallback_to="google"} 1"#,
        ])
        #expect(fixture.lines(of: "bulwark_circuit_opens") == [#"bulwark_circuit_opens{bulwark_provider="openai"} 1"#])
    }

    @Test func vertexProvidersAreGCPVertexAI() {
        let names = GenAIProviderNames(["gemini-eu": "vertex", "gemini-api": "google"])
        #expect(names.otelName(for: "vertex") == "gcp.vertex_ai")
        #expect(names.otelName(for: "gemini-eu") == "gcp.vertex_ai")
        #expect(names.otelName(for: "gemini-api") == "gcp.gemini")
    }
}

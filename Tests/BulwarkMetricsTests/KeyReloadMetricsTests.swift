import BulwarkCore
import BulwarkMetrics
import Testing

/// `ClientEvent.apiKeyReloaded` through swift-metrics: `llm_api_key_reloads_total{provider,result}`.
@Suite struct KeyReloadMetricsTests {
    @Test func countsKeyReloadsByResult() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .bulwark, factory: fixture.factory)
        recorder.record(.apiKeyReloaded(provider: "openai", file: "/run/secrets/openai", problem: nil))
        recorder.record(.apiKeyReloaded(provider: "openai", file: "/run/secrets/openai", problem: "file is empty"))
        recorder.record(.apiKeyReloaded(provider: "openai", file: "/run/secrets/openai", problem: nil))
        #expect(fixture.lines(of: "llm_api_key_reloads_total").sorted() == [
            #"llm_api_key_reloads_total{provider="openai",result="invalid"} 1"#,
            #"llm_api_key_reloads_total{provider="openai",result="ok"} 2"#,
        ])
    }
}

import BulwarkTestSupport
import Foundation
import Testing

/// Provider status pages in monitoring, with real processes only: `bulwark simulate` serves Statuspage
/// summaries that follow its scenario, `bulwark serve` polls them (`exporter.status_pages`), and a real
/// Prometheus scrapes the exporter and evaluates the shipped `alerts/llm-api.rules.yml`.
@Suite(.serialized) struct StatusPageEndToEndTests {
    /// openai's page reports a major outage from the start, anthropic's a minor incident, google's nothing.
    static let scenario = """
        name: status-page-incidents
        providers:
          openai:
            phases:
              - {name: API outage, from_seconds: 0, faults: [{status: 503}], status: major}
          anthropic:
            phases:
              - {name: Elevated 529s, from_seconds: 0, faults: [{status: 529, probability: 0.2}]}

        """

    @Test(.enabled(if: Tools.canRun(.prometheus), "needs prometheus"), .timeLimit(.minutes(2)))
    func aMajorIncidentOnAStatusPageFiresTheCriticalAlertInTheExporterAndInPrometheus() throws {
        let directory = try makeTemporaryDirectory("bulwark-status-pages")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.scenario.write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        let simulator = try ChildProcess(
            try Tools.bulwark(), ["simulate", "--listen", "127.0.0.1:0", "--scenario", "\(directory)/scenario.yaml"])
        defer { simulator.stop() }
        let base = try simulator.waitForOutput(#"on (http://127\.0\.0\.1:\d+)"#)
        let config = """
            exporter:
              status_pages:
                openai: "\(base)/status/openai/api/v2/summary.json"
                anthropic: "\(base)/status/anthropic/api/v2/summary.json"
                google: "\(base)/status/google/api/v2/summary.json"
              status_poll_seconds: 1
            alerts:
              evaluation_interval_seconds: 1

            """
        try config.write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)
        let serve = try ServeHarness(extraArguments: ["--config", "\(directory)/bulwark.yaml", "--no-replay"])
        defer { try? FileManager.default.removeItem(atPath: serve.logDirectory) }
        let rules = Tools.packageRoot.appendingPathComponent("alerts/llm-api.rules.yml").path
        let prometheus = try PrometheusHarness(targets: [serve.port], ruleFiles: [rules])

        let statuses = try prometheus.waitFor("sum(llm_api_provider_status)", timeout: 30) { $0 == 3 }
        #expect(statuses == 3, "openai 2 + anthropic 1 + google 0, as Prometheus scraped them: \(String(describing: statuses))")
        let expected: Set<AlertsEndToEndTests.AlertID> = [
            .init("LLMAPIProviderIncident", "warning", "openai"),
            .init("LLMAPIProviderIncident", "critical", "openai"),
            .init("LLMAPIProviderIncident", "warning", "anthropic"),
        ]
        let log = try AlertsEndToEndTests.checkpoint("status pages", expected: expected, prometheus: prometheus, serve: serve)
        print(log)

        let metrics = try serve.get("/metrics", headers: [("Accept", "text/plain")]).text
        for (provider, value) in [("openai", 2.0), ("anthropic", 1.0), ("google", 0.0)] {
            #expect(MetricsText.sum("llm_api_provider_status", matching: ["provider": provider], in: metrics) == value)
            #expect(metrics.contains("llm_api_status_page_errors_total{provider=\"\(provider)\"} 0"), "\(provider): \(metrics)")
        }
        #expect(MetricsText.sum("llm_api_alert_firing", matching: ["alertname": "LLMAPIProviderIncident", "severity": "critical"], in: metrics) == 1)
        // The exporter logs each page's status with its incidents.
        #expect(serve.process.outputText.contains("status page openai: major (Partial System Outage); incidents: API outage"),
                "\(serve.process.outputText)")
        // The polls are not provider requests.
        let stats = try RawHTTPClient.request(port: Int(base.split(separator: ":").last!)!, path: "/simulator/stats")
        let total = (try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any])?["total"] as? Int
        #expect(total == 0, "\(stats.text)")
    }
}

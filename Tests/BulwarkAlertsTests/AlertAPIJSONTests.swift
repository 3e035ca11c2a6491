import BulwarkCore
import BulwarkAlerts
import Foundation
import Testing

/// `GET /alerts` has the shape of Prometheus' `/api/v1/alerts`.
@Suite struct AlertAPIJSONTests {
    @Test func listsPendingAndFiringAlertsShapedLikePrometheusAPI() throws {
        let harness = AlertHarness(start: 1_764_011_674.123)
        harness.registry.setCircuitState(.open, provider: "openai")
        harness.tick { h in
            h.calls("anthropic", 17)
            h.calls("anthropic", 3, status: 529)
        }
        let body = harness.evaluator.prometheusAlertsJSON()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(root["status"] as? String == "success")
        let alerts = try #require((root["data"] as? [String: Any])?["alerts"] as? [[String: Any]])
        #expect(alerts.count == 3)

        let circuit = try #require(alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "LLMAPICircuitOpen" })
        #expect(circuit["labels"] as? [String: String] == ["alertname": "LLMAPICircuitOpen", "severity": "warning", "provider": "openai"])
        #expect(circuit["state"] as? String == "firing")
        #expect(circuit["activeAt"] as? String == "2025-11-24T19:14:49.123Z")
        #expect(circuit["value"] as? String == "1e+00")
        let annotations = try #require(circuit["annotations"] as? [String: String])
        #expect(Set(annotations.keys) == ["summary", "description", "runbook"])
        #expect(annotations["description"] == "The circuit breaker of openai is open; 1 provider circuit(s) open in all (warning when any is open).")

        let errors = alerts.filter { ($0["labels"] as? [String: String])?["alertname"] == "LLMAPIHighErrorRate" }
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0["state"] as? String == "pending" })
        #expect(errors.allSatisfy { $0["value"] as? String == "1.5e-01" })
        // Key order is fixed (labels sorted), so two calls give the same bytes.
        #expect(body == harness.evaluator.prometheusAlertsJSON())
        #expect(body.contains(#"{"labels":{"alertname":"LLMAPIHighErrorRate","provider":"anthropic","severity":"warning"},"annotations":{"description":"15% of anthropic calls failed"#))
    }

    @Test func emptyListWhenNothingIsActive() {
        let harness = AlertHarness()
        #expect(harness.evaluator.prometheusAlertsJSON() == #"{"status":"success","data":{"alerts":[]}}"#)
        #expect(AlertJSON.alertmanager([]) == "[]")
    }

    @Test func escapesLabelValuesInJSON() throws {
        let alert = AlertState(
            name: .highLatency, severity: .critical, provider: "we\"ird\\name\n", phase: .firing, activeAt: 0,
            value: .infinity, annotations: ["summary": "a \"quoted\" line"])
        let body = AlertJSON.prometheusAlerts([alert])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let first = try #require(((root["data"] as? [String: Any])?["alerts"] as? [[String: Any]])?.first)
        #expect((first["labels"] as? [String: String])?["provider"] == "we\"ird\\name\n")
        #expect(first["value"] as? String == "+Inf")
    }
}

import BulwarkCore
import BulwarkPrometheus
import BulwarkAlerts
import Foundation
import BulwarkTestSupport
import Testing

/// The rule file is the catalog written out, promtool accepts it and its unit tests, and Prometheus
/// (through promtool) fires exactly the alerts the in-process evaluator fires, with the same text.
@Suite struct AlertRulesPromtoolTests {
    static let alertsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("alerts")
    static var ruleFile: URL { alertsDirectory.appendingPathComponent("llm-api.rules.yml") }

    @Test func ruleFileIsTheCatalogRenderedWithDefaults() throws {
        let generated = AlertRuleCatalog.prometheusRuleFile()
        if ProcessInfo.processInfo.environment["BULWARK_UPDATE_GOLDEN"] == "1" {
            try generated.write(to: Self.ruleFile, atomically: true, encoding: .utf8)
        }
        let onDisk = try String(contentsOf: Self.ruleFile, encoding: .utf8)
        #expect(onDisk == generated, "alerts/llm-api.rules.yml differs from AlertRuleCatalog; rerun with BULWARK_UPDATE_GOLDEN=1 after checking the diff")
    }

    @Test(.enabled(if: Tools.canRun(.promtool), "needs promtool (Debian prometheus)"))
    func promtoolAcceptsTheRuleFile() throws {
        let promtool = try Tools.locate(.promtool)
        let result = try runCommand(promtool, ["check", "rules", Self.ruleFile.path])
        #expect(result.status == 0, "promtool check rules failed:\n\(result.output)")
        #expect(result.output.contains("SUCCESS: 16 rules found"), "\(result.output)")
    }

    @Test(.enabled(if: Tools.canRun(.promtool), "needs promtool (Debian prometheus)"))
    func promtoolUnitTestsPassForEveryAlert() throws {
        let promtool = try Tools.locate(.promtool)
        let tests = try FileManager.default.contentsOfDirectory(atPath: Self.alertsDirectory.appendingPathComponent("tests").path)
            .filter { $0.hasSuffix(".yml") }.sorted()
            .map { Self.alertsDirectory.appendingPathComponent("tests").appendingPathComponent($0).path }
        #expect(tests.count >= 6, "expected one test file per alert in alerts/tests")
        let result = try runCommand(promtool, ["test", "rules"] + tests)
        #expect(result.status == 0, "promtool test rules failed:\n\(result.output)")
        // Every alert is exercised by some test file.
        let text = try tests.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        for name in AlertName.allCases {
            #expect(text.contains("alertname: \(name.rawValue)"), "no promtool test for \(name.rawValue)")
        }
    }

    /// Drives one incident through a registry and the evaluator, writes what Prometheus would have scraped
    /// every 15 s as a promtool test whose expected alerts (labels and rendered annotations) are the
    /// evaluator's firing alerts at every minute, and lets promtool evaluate the rule file against it.
    @Test(.enabled(if: Tools.canRun(.promtool), "needs promtool (Debian prometheus)"))
    func prometheusFiresExactlyWhatTheEvaluatorFiresOnTheSameTraffic() throws {
        let promtool = try Tools.locate(.promtool)
        let providers = ["anthropic", "google", "openai"]
        let harness = AlertHarness(configuration: AlertConfiguration(dailyBudgetUSD: 1), start: 0)
        for provider in providers { harness.registry.setProviderStatus(0, provider: provider) }
        var snapshots = [harness.registry.alertSnapshot()]
        var expected: [Int: [AlertState]] = [0: harness.evaluator.alerts().filter { $0.phase == .firing }]
        // The counts keep every windowed value off its thresholds at every evaluation (checked with exact
        // fractions): on a tie, float rounding, not the rules, would decide.
        for tick in 1...48 {
            let t = Double(tick) * 15
            harness.tick { h in
                h.calls("openai", 1, cost: 0.0390625)  // budget $1: above 120 % from 7m45s, above 150 % from 9m45s
                // The shared-state store is lost at 1m: warning from 2m, critical from 11m; back at 11m30s.
                if t == 60 { h.registry.setSharedStateUp(false) }
                if t == 690 { h.registry.setSharedStateUp(true) }
                // anthropic's status page: minor from 2m, major from 3m30s, operational again at 5m.
                if t == 120 { h.registry.setProviderStatus(1, provider: "anthropic") }
                if t == 210 { h.registry.setProviderStatus(2, provider: "anthropic") }
                if t == 300 { h.registry.setProviderStatus(0, provider: "anthropic") }
                switch t {
                case ...240:  // warnings
                    h.calls("openai", 36, latency: 1.2)
                    h.calls("openai", 3, status: 500, latency: 0.4)
                    h.calls("anthropic", 18, latency: 3)
                    h.calls("anthropic", 2, latency: 25)
                    h.calls("google", 7, latency: 0.8)
                    h.calls("google", 3, status: 429, latency: 0.1)
                    h.requests(.success, 7)
                    h.requests(.fallback, 2)
                    h.requests(.failed, 1)
                case ...480:  // criticals
                    h.calls("openai", 33, latency: 1.2)
                    h.calls("openai", 6, status: 500, latency: 0.4)
                    h.calls("anthropic", 20, latency: 45)
                    h.calls("google", 1, latency: 0.8)
                    h.calls("google", 9, status: 429, latency: 0.1)
                    h.requests(.fallback, 9)
                    h.requests(.failed, 1)
                    if t == 300 { h.registry.setCircuitState(.open, provider: "openai") }
                    if t == 360 { h.registry.setCircuitState(.open, provider: "google") }
                default:  // recovery
                    h.calls("openai", 39, latency: 1.2)
                    h.calls("anthropic", 20, latency: 1)
                    h.calls("google", 10, latency: 0.8)
                    h.requests(.success, 10)
                    if t == 540 {
                        h.registry.setCircuitState(.closed, provider: "openai")
                        h.registry.setCircuitState(.closed, provider: "google")
                    }
                }
            }
            snapshots.append(harness.registry.alertSnapshot())
            if tick % 4 == 0 { expected[tick / 4] = harness.evaluator.alerts().filter { $0.phase == .firing } }
        }
        let everyAlertFired = Set(expected.values.joined().map { "\($0.name.rawValue)/\($0.severity.rawValue)" })
        #expect(everyAlertFired.count == 16, "the scenario should fire every rule at some point: \(everyAlertFired.sorted())")

        var yaml = "rule_files:\n  - \(Self.ruleFile.path)\nevaluation_interval: 15s\ntests:\n  - interval: 15s\n    input_series:\n"
        func series(_ name: String, _ labels: String, _ values: (AlertSnapshot) -> Double) {
            let list = snapshots.map { values($0).description }.joined(separator: " ")
            yaml += "      - series: '\(name){\(labels)}'\n        values: '\(list)'\n"
        }
        for provider in providers {
            let base = #"provider="\#(provider)",model="m""#
            let totals = { (snapshot: AlertSnapshot) in snapshot.providers[provider] ?? AlertSnapshot.ProviderTotals() }
            series("llm_api_calls_total", base + #",status_code="200",error_type="none""#) { totals($0).calls - totals($0).errors }
            series("llm_api_calls_total", base + #",status_code="500",error_type="server_error""#) { totals($0).errors - totals($0).rateLimited }
            series("llm_api_calls_total", base + #",status_code="429",error_type="rate_limited""#) { totals($0).rateLimited }
            for (index, bound) in (MetricCatalog.durationBuckets + [.infinity]).enumerated() {
                let le = bound.isInfinite ? "+Inf" : PrometheusFormat.literal(bound)
                series("llm_api_call_duration_seconds_bucket", base + #",le="\#(le)""#) { totals($0).durationBuckets[index] }
            }
            series("llm_api_cost_usd_total", base) { totals($0).cost }
            series("llm_api_circuit_state", #"provider="\#(provider)",state="open""#) { $0.openCircuits.contains(provider) ? 1 : 0 }
            series("llm_api_provider_status", #"provider="\#(provider)""#) { $0.providerStatus[provider] ?? 0 }
        }
        for outcome in RequestOutcome.allCases {
            series("llm_api_requests_total", #"outcome="\#(outcome.rawValue)""#) { $0.requests[outcome] ?? 0 }
        }
        series("llm_api_daily_budget_usd", "") { $0.dailyBudgetUSD ?? 0 }
        series("llm_api_shared_state_up", "") { $0.sharedStateUp ?? 1 }
        yaml += "    alert_rule_test:\n"
        for minute in expected.keys.sorted() {
            for name in AlertName.allCases {
                yaml += "      - eval_time: \(minute)m\n        alertname: \(name.rawValue)\n        exp_alerts:\n"
                for alert in expected[minute]! where alert.name == name {
                    var labels = "severity: \(alert.severity.rawValue)"
                    if let provider = alert.provider { labels += ", provider: \(provider)" }
                    yaml += "          - exp_labels: {\(labels)}\n            exp_annotations:\n"
                    for key in alert.annotations.keys.sorted() {
                        yaml += "              \(key): '\(alert.annotations[key]!.replacingOccurrences(of: "'", with: "''"))'\n"
                    }
                }
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-alert-agreement-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("agreement.test.yml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let result = try runCommand(promtool, ["test", "rules", file.path])
        #expect(result.status == 0, "Prometheus and the evaluator disagree:\n\(result.output)")
    }
}

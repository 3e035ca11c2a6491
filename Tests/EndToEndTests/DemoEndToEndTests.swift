import BulwarkTestSupport
import Foundation
import Testing

/// `bulwark demo` and `dashboards/`: the demo plays its incidents against the real binary, a real
/// Prometheus scrapes it, every panel query of the dashboard runs through Prometheus' HTTP API, and the
/// demo's own counters agree with the simulator's ground truth.
@Suite(.serialized) struct DemoEndToEndTests {
    static let dashboardPath = Tools.packageRoot.appendingPathComponent("dashboards/bulwark-overview.json").path
    static let rulesPath = Tools.packageRoot.appendingPathComponent("alerts/llm-api.rules.yml").path

    // MARK: - The dashboard file

    @Test func dashboardIsAnImportableGrafanaModelWithProviderAndModelVariables() throws {
        let dashboard = try Self.dashboard()
        #expect(dashboard["uid"] as? String == "bulwark-overview")
        #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 36)
        let inputs = dashboard["__inputs"] as? [[String: Any]] ?? []
        #expect(inputs.contains { $0["name"] as? String == "DS_PROMETHEUS" && $0["type"] as? String == "datasource"
            && $0["pluginId"] as? String == "prometheus" })

        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        for name in ["provider", "model"] {
            let variable = variables.first { $0["name"] as? String == name }
            #expect(variable != nil, "no $\(name) variable")
            #expect((variable?["definition"] as? String)?.contains("label_values(llm_api_calls_total") == true)
            #expect(variable?["allValue"] as? String == ".*")
            #expect(Self.datasourceUID(variable?["datasource"]) == "${DS_PROMETHEUS}")
        }

        let panels = Self.allPanels(dashboard)
        var ids: Set<Int> = []
        for panel in panels {
            let title = panel["title"] as? String ?? "?"
            let id = panel["id"] as? Int ?? -1
            #expect(ids.insert(id).inserted, "panel id \(id) of \(title) is used twice")
            if let grid = panel["gridPos"] as? [String: Int] {
                #expect((grid["x"] ?? 0) + (grid["w"] ?? 0) <= 24, "\(title) is wider than the grid")
            }
            guard panel["type"] as? String != "row" else { continue }
            #expect(Self.datasourceUID(panel["datasource"]) == "${DS_PROMETHEUS}", "\(title) does not use ${DS_PROMETHEUS}")
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "\(title) has no query")
            for target in targets {
                #expect(Self.datasourceUID(target["datasource"]) == "${DS_PROMETHEUS}", "a query of \(title) does not use ${DS_PROMETHEUS}")
            }
        }
        // Every item of the issue has a panel.
        let titles = panels.compactMap { $0["title"] as? String }
        for wanted in [
            "Request rate by outcome", "Errors by provider and error type", "Latency P50 / P95 / P99",
            "Time to first token P50 / P95", "HTTP 429 per minute", "Circuit breaker state", "Fallback share",
            "Retries per second", "Tokens per minute", "Spend against the daily budget", "Rate-limit headroom",
            "Dropped log lines (1h)", "Rejected events (1h)", "Series folded by the cap, by family",
            "Rejected events by reason", "Requests the exporter refused (bounds)", "Requests cancelled by their callers",
            "Hedges won / lost", "Replicas on and off the shared-state store", "Provider status pages",
        ] {
            #expect(titles.contains(wanted), "no panel \(wanted)")
        }
    }

    @Test func panelThresholdsAreTheAlertRulesThresholds() throws {
        let rules = try Self.ruleThresholds()
        #expect(rules.count == 8, "expected the eight alerts of DESIGN.md in \(Self.rulesPath), found \(rules.keys.sorted())")
        let panels = Dictionary(Self.allPanels(try Self.dashboard()).map { ($0["title"] as? String ?? "", $0) }) { first, _ in first }
        let panelsOfAlert: [String: [String]] = [
            "LLMAPIHighErrorRate": ["Error rate (5m)", "Error rate by provider"],
            "LLMAPIHighLatency": ["P95 latency (5m)", "Latency P50 / P95 / P99"],
            "LLMAPIRateLimited": ["HTTP 429 per minute (5m)", "HTTP 429 per minute"],
            "LLMAPICircuitOpen": ["Open circuits"],
            "LLMAPIHighFallbackUsage": ["Fallback share (5m)", "Fallback share"],
            "LLMAPIBudgetExceeded": ["Spend / daily budget (24h)"],
            "LLMAPIProviderIncident": ["Provider status pages"],
        ]
        for (alert, titles) in panelsOfAlert {
            guard let warning = rules[alert]?["warning"], let critical = rules[alert]?["critical"] else {
                Issue.record("no warning and critical rule for \(alert)")
                continue
            }
            // The circuit alert counts open circuits (> 0, > 1) and the incident alert reads an indicator
            // (> 0 minor, > 1 major): the panels' steps start at 1 and 2.
            let stepped = alert == "LLMAPICircuitOpen" || alert == "LLMAPIProviderIncident"
            let expected = stepped ? [warning + 1, critical + 1] : [warning, critical]
            for title in titles {
                guard let panel = panels[title] else {
                    Issue.record("no panel \(title) for \(alert)")
                    continue
                }
                #expect(Self.thresholdValues(panel) == expected, "\(title): thresholds \(Self.thresholdValues(panel)), rules \(expected)")
            }
        }
        // The stat panels compute the alert's expression over the alert's window.
        let windows = ["Error rate (5m)": "[5m]", "P95 latency (5m)": "[5m]", "HTTP 429 per minute (5m)": "[5m]",
                       "Fallback share (5m)": "[5m]", "Spend / daily budget (24h)": "[24h]"]
        for (title, window) in windows {
            let expressions = Self.expressions(of: panels[title] ?? [:])
            #expect(expressions.allSatisfy { $0.contains(window) }, "\(title) does not use the alert window \(window)")
        }
    }

    @Test(.enabled(if: Tools.canRun(.promtool), "needs promtool"))
    func prometheusConfigurationIsValid() throws {
        let config = Tools.packageRoot.appendingPathComponent("dashboards/prometheus.yml").path
        let result = try runCommand(try Tools.executable("promtool"), ["check", "config", config])
        #expect(result.status == 0, "promtool check config: \(result.output)")
    }

    // MARK: - The demo against a real Prometheus

    @Test(.enabled(if: Tools.canRun(.prometheus), "needs prometheus"))
    func demoPlaysItsIncidentsEveryPanelQueryReturnsDataAndTheCountersMatchTheSimulator() throws {
        let logs = try makeTemporaryDirectory("bulwark-demo-logs")
        defer { try? FileManager.default.removeItem(atPath: logs) }
        // The built-in 240 s timeline at 0.15 plays in 36 s; traffic runs a little longer, so the exporter
        // is certainly up while the panels are queried at about 38 s.
        let demo = try ChildProcess(try Tools.bulwark(), [
            "demo", "--listen", "127.0.0.1:0", "--log-dir", logs, "--time-scale", "0.15", "--duration", "44",
            "--rate", "8", "--daily-budget-usd", "0.02", "--progress-interval", "5",
        ])
        defer { demo.stop() }
        let portText = try demo.waitForOutput(#"metrics: http://127\.0\.0\.1:(\d+)/metrics"#)
        let started = Date()
        let port = try #require(Int(portText))
        let prometheus = try PrometheusHarness(targets: [port])
        let up = try prometheus.waitFor("up{job=\"bulwark\"}", timeout: 30) { $0 == 1 }
        #expect(up == 1, "Prometheus never scraped the demo: \(prometheus.process.outputText)")

        while Date().timeIntervalSince(started) < 38 {
            #expect(demo.process.isRunning, "the demo stopped early:\n\(demo.outputText)")
            if !demo.process.isRunning { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        // The exporter serves the in-process alert states.
        let alerts = try RawHTTPClient.request(port: port, path: "/alerts")
        #expect(alerts.status == 200)
        #expect(alerts.text.contains("\"status\":\"success\""), "GET /alerts: \(alerts.text)")

        // Every incident of the timeline happened.
        let output = demo.outputText
        for incident in ["incident starts: openai: 429 storm", "incident starts: openai: 5xx outage",
                         "incident starts: openai: latency spike", "incident starts: openai: streams stall and break",
                         "openai breaker closed -> open", "alert firing: LLMAPIProviderIncident warning (openai)"] {
            #expect(output.contains(incident), "no \"\(incident)\" in the demo's output:\n\(output)")
        }

        // Callers gave up (3 % go away early, 10 % have an 8 s deadline that passes in the latency spike), and
        // the slow tail on openai drew hedges to anthropic; the demo's own /metrics shows both.
        let metrics = try RawHTTPClient.request(port: port, path: "/metrics").text
        let cancelledRequests = MetricsText.sum("llm_api_requests_total", matching: ["outcome": "cancelled"], in: metrics)
        #expect(cancelledRequests > 0, "no request cancelled by its caller")
        #expect(MetricsText.sum("llm_api_calls_total", matching: ["error_type": "cancelled"], in: metrics) > 0)
        #expect(MetricsText.sum("llm_api_hedges_total", in: metrics) > 0, "no hedge")
        #expect(MetricsText.sum("llm_api_hedges_total", matching: ["result": "won"], in: metrics) > 0, "no hedge won")

        // The exporter polled the simulator's status pages, which reported openai's outage as major. (The
        // critical alert then fires too, but the scaled outage lasts 6.75 s against a 5 s evaluation interval:
        // the output is checked for the warning, which every incident of the timeline fires.)
        let openaiStatus = try prometheus.query(#"max_over_time(llm_api_provider_status{provider="openai"}[2m])"#)
        #expect(openaiStatus == 2, "openai's status page during the outage, as scraped: \(String(describing: openaiStatus))")

        // Every panel query parses, and (every incident having happened) returns data.
        let queries = Self.allPanels(try Self.dashboard()).flatMap { panel in
            Self.expressions(of: panel).map { (panel["title"] as? String ?? "?", $0) }
        }
        #expect(queries.count >= 30)
        var failures: [String] = []
        for (title, expression) in queries {
            let query = Self.substituteVariables(expression)
            #expect(!query.contains("$"), "\(title): unsubstituted variable in \(query)")
            let result = try Self.instantQuery(query, port: prometheus.port)
            if result.status != "success" {
                failures.append("\(title): \(query)\n    \(result.error ?? "status \(result.status)")")
            } else if result.series == 0 {
                failures.append("\(title): \(query)\n    no data")
            }
        }
        #expect(failures.isEmpty, "panel queries that failed or returned nothing:\n\(failures.joined(separator: "\n"))")

        // The run ends by itself, drains, and the exporter's counts equal the simulator's.
        let status = demo.wait(timeout: 60)
        let final = demo.outputText
        #expect(status == 0, "the demo exited \(status):\n\(final)")
        #expect(final.contains("ground truth: agree"), "the ground truth check did not agree:\n\(final)")
        #expect(!final.contains("cancelled at shutdown"), "requests were still in flight after the drain:\n\(final)")
        // Cancelled attempts reached the simulator and are accounted for in the check.
        #expect(Self.capture(#"cancelled by their callers (\d+)"#, in: final).flatMap { Int($0) } ?? 0 > 0, "\(final)")
        let cancelledAttempts = Self.capture(#"\n +openai +cancelled +(\d+)"#, in: final).flatMap { Int($0) } ?? 0
        #expect(cancelledAttempts > 0, "no cancelled openai attempt in the ground truth:\n\(final)")

        // The log holds one line per recorded attempt.
        let attemptsText = try #require(Self.capture(#"ground truth: agree \((\d+) attempts recorded"#, in: final))
        let attempts = try #require(Int(attemptsText))
        let log = try String(contentsOfFile: "\(logs)/api-calls.jsonl", encoding: .utf8)
        let lines = log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == attempts, "\(lines.count) log lines for \(attempts) attempts")
        #expect(attempts > 100)
    }

    @Test func printScenarioWritesTheBuiltInTimelineAsAScenarioFile() throws {
        let result = try runCommand(try Tools.bulwark(), ["demo", "--print-scenario"])
        #expect(result.status == 0)
        #expect(result.output.contains("cycle_seconds: 240"))
        for phase in ["429 storm", "5xx outage", "latency spike", "streams stall and break"] {
            #expect(result.output.contains("name: \(phase)"))
        }
    }

    // MARK: - Helpers

    static func dashboard() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dashboardPath))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Every panel, rows and the panels nested in collapsed rows included.
    static func allPanels(_ dashboard: [String: Any]) -> [[String: Any]] {
        func walk(_ panels: [[String: Any]]) -> [[String: Any]] {
            panels.flatMap { [$0] + walk($0["panels"] as? [[String: Any]] ?? []) }
        }
        return walk(dashboard["panels"] as? [[String: Any]] ?? [])
    }

    static func expressions(of panel: [String: Any]) -> [String] {
        (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
    }

    static func datasourceUID(_ datasource: Any?) -> String? {
        (datasource as? [String: Any])?["uid"] as? String
    }

    /// The non-base threshold steps of a panel, in order.
    static func thresholdValues(_ panel: [String: Any]) -> [Double] {
        let defaults = (panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any]
        let steps = (defaults?["thresholds"] as? [String: Any])?["steps"] as? [[String: Any]] ?? []
        return steps.compactMap { ($0["value"] as? NSNumber)?.doubleValue }
    }

    /// `alertname → severity → threshold`, read from the `> X` that ends each rule's expression.
    static func ruleThresholds() throws -> [String: [String: Double]] {
        let text = try String(contentsOfFile: rulesPath, encoding: .utf8)
        var result: [String: [String: Double]] = [:]
        var alert: String?
        var threshold: Double?
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("- alert:") {
                alert = line.dropFirst("- alert:".count).trimmingCharacters(in: .whitespaces)
                threshold = nil
            } else if line.hasPrefix(">"), let value = Double(line.dropFirst().trimmingCharacters(in: .whitespaces)) {
                threshold = value
            } else if line.hasPrefix("severity:"), let alert, let threshold {
                result[alert, default: [:]][line.dropFirst("severity:".count).trimmingCharacters(in: .whitespaces)] = threshold
            }
        }
        return result
    }

    /// Grafana's variables as a query over every provider and model would expand them.
    static func substituteVariables(_ expression: String) -> String {
        expression
            .replacingOccurrences(of: "$__rate_interval", with: "1m")
            .replacingOccurrences(of: "$__interval", with: "15s")
            .replacingOccurrences(of: "$__range", with: "1h")
            .replacingOccurrences(of: "$provider", with: ".*")
            .replacingOccurrences(of: "$model", with: ".*")
    }

    /// Runs an instant query; returns Prometheus' status, the number of series and the error, if any.
    static func instantQuery(_ expression: String, port: Int) throws -> (status: String, series: Int, error: String?) {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed)!
        let response = try RawHTTPClient.request(port: port, path: "/api/v1/query?query=\(encoded)")
        guard let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            return ("HTTP \(response.status)", 0, response.text)
        }
        let status = json["status"] as? String ?? "?"
        let data = json["data"] as? [String: Any]
        let series: Int
        switch data?["result"] {
        case let vector as [Any]: series = vector.count
        case .some: series = 1  // a scalar
        case nil: series = 0
        }
        return (status, series, json["error"] as? String)
    }

    static func capture(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }
}

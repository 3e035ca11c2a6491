import BulwarkTestSupport
import Foundation
import Testing

/// The in-process alert evaluator and a real Prometheus evaluating `alerts/llm-api.rules.yml` agree on
/// one seeded synthetic event stream — all six alerts, from posted events alone — and a real Alertmanager receives what the exporter pushes.
///
/// Flow: Alertmanager, then `bulwark serve` (evaluating every second, `for_seconds: 0`, pushing to that
/// Alertmanager), then Prometheus scraping it every second and evaluating a copy of the shipped rule file
/// whose `for:` durations are all `0s`. The stream is posted in three phases:
///
/// 0. *warm-up*: every series the later phases increment is created with a harmless count (about 1 %
///    errors). Prometheus only counts increases between its scrapes, so a series it first sees with its
///    whole burst already in it would read as flat; the warm-up makes both sides start from a known
///    baseline. Checkpoint: nothing fires on either side.
/// 1. *incident*: openai at 30 % errors (critical and warning), anthropic at 5 % errors (warning only)
///    and 250 HTTP 429 (50 per minute over the 5-minute window: critical and warning), google at 0.5 %
///    errors (silent) but a fifth of its calls at 15.5–19.5 s (P95 in the 15–20 s bucket: warning only).
/// 2. *new provider's incident*: mistral at 24 % errors, 40 HTTP 429 (8 per minute: warning only), half
///    its calls at 35–55 s (P95 in the 30–60 s bucket: critical), and a spend of five daily budgets (the
///    global budget alert, critical and warning). Phase 1's alerts keep firing (5-minute windows).
/// 3. *chain*: what a client in another language reports about its chain, in the events alone:
///    `request_outcome` and `fallback_from` on each request's last attempt (anthropic answers 2,000 requests
///    as openai's fallback: 16 % of the window's requests, a warning), and `circuit_state: "open"` on the
///    calls openai's and mistral's breakers skipped (two circuits open: critical and warning for each).
///
/// Every value sits far from its thresholds, so the differences between the two evaluations — Prometheus
/// extrapolates `rate()` over a history much shorter than the window and ignores the warm-up counts it
/// saw at its first scrape, the evaluator counts every event since it started — cannot move an alert
/// across a threshold. At each checkpoint the test polls both `/api/v1/alerts` and the exporter's
/// `/alerts` until both show the expected firing set, stable over consecutive polls, and then compares
/// them: the same (alertname, severity, provider), the same `summary` and `runbook` annotations.
@Suite(.serialized) struct AlertsEndToEndTests {
    @Test(.enabled(if: Tools.canRun(.prometheus, .alertmanager), "needs prometheus and alertmanager"), .timeLimit(.minutes(3)))
    func prometheusAndTheExporterFireTheSameAlertsAndAlertmanagerReceivesThem() throws {
        let started = Date()
        let workspace = try makeTemporaryDirectory("bulwark-alerts-e2e")
        defer { try? FileManager.default.removeItem(atPath: workspace) }

        let rulesPath = try Self.writeRulesWithoutPendingDelay(into: workspace)
        let configPath = "\(workspace)/bulwark.yaml"
        try Self.exporterConfiguration.write(toFile: configPath, atomically: true, encoding: .utf8)

        let alertmanager = try AlertmanagerHarness()
        let serve = try ServeHarness(extraArguments: [
            "--config", configPath, "--alertmanager-url", alertmanager.url, "--no-replay",
        ])
        defer { try? FileManager.default.removeItem(atPath: serve.logDirectory) }
        let prometheus = try PrometheusHarness(targets: [serve.port], ruleFiles: [rulesPath])
        let up = try prometheus.waitFor("up{job=\"bulwark\"}", timeout: 30) { $0 == 1 }
        try #require(up == 1, "Prometheus never scraped the exporter: \(prometheus.process.outputText)")
        try Self.requireRulesLoaded(prometheus)

        var stream = SyntheticStream(seed: 0x5EED_B01A_A1E7_2024)
        var log: [String] = []

        // Phase 0: create every series; nothing may fire.
        try Self.post(stream.batch(phase: "warmup", Self.warmUp), to: serve)
        let series = Self.warmUp.count * 3
        let scraped = try prometheus.waitFor(
            "count(count_over_time(llm_api_calls_total[1m]) >= 6)", timeout: 30
        ) { $0 >= Double(series) }
        try #require(scraped == Double(series), "Prometheus did not scrape the \(series) warm-up series six times (\(String(describing: scraped)))")
        log.append(try Self.checkpoint("0 warm-up", expected: [], prometheus: prometheus, serve: serve))

        // Phase 1: the incident on the three configured providers.
        try Self.post(stream.batch(phase: "incident", Self.incident), to: serve)
        let phase1: Set<AlertID> = [
            AlertID("LLMAPIHighErrorRate", "warning", "openai"),
            AlertID("LLMAPIHighErrorRate", "critical", "openai"),
            AlertID("LLMAPIHighErrorRate", "warning", "anthropic"),
            AlertID("LLMAPIRateLimited", "warning", "anthropic"),
            AlertID("LLMAPIRateLimited", "critical", "anthropic"),
            AlertID("LLMAPIHighLatency", "warning", "google"),
        ]
        log.append(try Self.checkpoint("1 incident", expected: phase1, prometheus: prometheus, serve: serve))
        log.append(try Self.checkAlertmanager(alertmanager, receives: phase1, serve: serve))

        // Phase 2: a new provider's incident and the budget.
        try Self.post(stream.batch(phase: "new-provider", Self.newProvider), to: serve)
        let phase2 = phase1.union([
            AlertID("LLMAPIHighErrorRate", "warning", "mistral"),
            AlertID("LLMAPIHighErrorRate", "critical", "mistral"),
            AlertID("LLMAPIRateLimited", "warning", "mistral"),
            AlertID("LLMAPIHighLatency", "warning", "mistral"),
            AlertID("LLMAPIHighLatency", "critical", "mistral"),
            AlertID("LLMAPIBudgetExceeded", "warning", nil),
            AlertID("LLMAPIBudgetExceeded", "critical", nil),
        ])
        log.append(try Self.checkpoint("2 new provider", expected: phase2, prometheus: prometheus, serve: serve))
        log.append(try Self.checkAlertmanager(alertmanager, receives: phase2, serve: serve))

        // Phase 3: the chain, as another language's client reports it — request outcomes, fallbacks and
        // open circuits carried by the posted events alone.
        try Self.post(stream.batch(phase: "chain", Self.chain), to: serve)
        let phase3 = phase2.union([
            AlertID("LLMAPICircuitOpen", "warning", "openai"),
            AlertID("LLMAPICircuitOpen", "critical", "openai"),
            AlertID("LLMAPICircuitOpen", "warning", "mistral"),
            AlertID("LLMAPICircuitOpen", "critical", "mistral"),
            AlertID("LLMAPIHighFallbackUsage", "warning", nil),
        ])
        log.append(try Self.checkpoint("3 chain", expected: phase3, prometheus: prometheus, serve: serve))
        log.append(try Self.checkAlertmanager(alertmanager, receives: phase3, serve: serve))
        let fallbacks = MetricsText.sum(
            "llm_api_fallbacks_total", matching: ["from_provider": "openai", "to_provider": "anthropic"],
            in: try serve.get("/metrics", headers: [("Accept", "text/plain")]).text)
        #expect(fallbacks == 2_002, "llm_api_fallbacks_total{from_provider=\"openai\",to_provider=\"anthropic\"} = \(fallbacks)")

        // llm_api_alert_firing{alertname,severity} agrees with /alerts.
        let metrics = try serve.get("/metrics", headers: [("Accept", "text/plain")]).text
        for name in Self.alertNames {
            for severity in ["warning", "critical"] {
                let firing = MetricsText.sum("llm_api_alert_firing", matching: ["alertname": name, "severity": severity], in: metrics)
                let expected = phase3.contains { $0.name == name && $0.severity == severity } ? 1.0 : 0.0
                #expect(firing == expected, "llm_api_alert_firing{alertname=\"\(name)\",severity=\"\(severity)\"} = \(firing)")
            }
        }
        #expect(!serve.process.outputText.contains("alertmanager push"), "exporter diagnostics: \(serve.process.outputText)")
        log.append(String(format: "total %.1f s", Date().timeIntervalSince(started)))
        print(log.joined(separator: "\n"))
    }

    // MARK: - The stream

    static let warmUp: [Traffic] = ["openai", "anthropic", "google", "mistral"].map {
        Traffic(provider: $0, calls: 202, serverErrors: 1, rateLimited: 1, fallbackAnswers: $0 == "anthropic" ? 2 : 0)
    }

    static let incident: [Traffic] = [
        Traffic(provider: "openai", calls: 1_000, serverErrors: 300),
        Traffic(provider: "anthropic", calls: 5_000, rateLimited: 250),
        Traffic(provider: "google", calls: 2_000, serverErrors: 10, slowCalls: 400, slowSeconds: 15.5...19.5),
    ]

    static let newProvider: [Traffic] = [
        Traffic(provider: "mistral", calls: 500, serverErrors: 80, rateLimited: 40, slowCalls: 250, slowSeconds: 35...55, costPerCall: 0.01)
    ]

    /// Phase 3: openai's and mistral's breakers are open (the app posts each skipped call as an attempt
    /// with `circuit_state: "open"`), and anthropic answers 2,000 requests as openai's fallback: 2,002 of
    /// 12,308 requests in the window (16 %, a warning).
    static let chain: [Traffic] = [
        Traffic(provider: "openai", calls: 50, skippedOpen: 50),
        Traffic(provider: "mistral", calls: 20, skippedOpen: 20),
        Traffic(provider: "anthropic", calls: 3_000, fallbackAnswers: 2_000),
    ]

    static let alertNames = [
        "LLMAPIHighErrorRate", "LLMAPIHighLatency", "LLMAPIRateLimited", "LLMAPICircuitOpen",
        "LLMAPIHighFallbackUsage", "LLMAPIBudgetExceeded", "LLMAPIProviderIncident",
    ]

    /// The guide's thresholds and windows; every `for` zero, evaluated every second, a budget of 1 USD.
    static let exporterConfiguration = """
        alerts:
          daily_budget_usd: 1
          evaluation_interval_seconds: 1
          error_rate: {for_seconds: 0}
          latency_p95_seconds: {for_seconds: 0}
          rate_limited_per_minute: {for_seconds: 0}
          open_circuits: {for_seconds: 0}
          fallback_ratio: {for_seconds: 0}
          budget_ratio: {for_seconds: 0}

        """

    /// Copies `alerts/llm-api.rules.yml` with every `for:` set to `0s`; returns the copy's path.
    static func writeRulesWithoutPendingDelay(into directory: String) throws -> String {
        let shipped = try String(contentsOf: Tools.packageRoot.appendingPathComponent("alerts/llm-api.rules.yml"), encoding: .utf8)
        var replaced = 0
        let lines = shipped.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("for: ") else { return String(line) }
            replaced += 1
            return String(repeating: " ", count: line.count - trimmed.count) + "for: 0s"
        }
        // Eleven rules carry `for: 1m`, LLMAPISharedStateDown's critical `for: 10m`; the two circuit rules and the two
        // provider-incident rules have none.
        try #require(replaced == 12, "expected 12 `for:` lines in the shipped rule file, found \(replaced)")
        let path = "\(directory)/llm-api.rules.yml"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func post(_ body: String, to serve: ServeHarness) throws {
        let response = try serve.post(body: body)
        try #require(response.status == 202, "POST /v1/events: \(response.status) \(response.text.prefix(500))")
    }

    /// All sixteen alerting rules loaded and healthy, with no pending delay.
    static func requireRulesLoaded(_ prometheus: PrometheusHarness) throws {
        let deadline = Date().addingTimeInterval(20)
        var summary = ""
        while Date() < deadline {
            let response = try RawHTTPClient.request(port: prometheus.port, path: "/api/v1/rules?type=alert")
            if response.status == 200,
                let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                let data = json["data"] as? [String: Any], let groups = data["groups"] as? [[String: Any]]
            {
                let rules = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
                let healthy = rules.filter { ($0["health"] as? String) == "ok" }
                let durations = Set(rules.compactMap { ($0["duration"] as? NSNumber)?.doubleValue })
                summary = "\(rules.count) rules, \(healthy.count) healthy, durations \(durations)"
                if rules.count == 16, healthy.count == 16 {
                    #expect(durations == [0], "for: durations \(durations)")
                    return
                }
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        Issue.record("Prometheus rules not loaded: \(summary)\n\(prometheus.process.outputText)")
        throw ChildProcessError("rules not loaded")
    }

    // MARK: - Checkpoints

    /// Polls both sides until each shows `expected` as its firing set on three consecutive polls, then
    /// compares them alert by alert; returns a line for the log.
    static func checkpoint(
        _ name: String, expected: Set<AlertID>, prometheus: PrometheusHarness, serve: ServeHarness, timeout: Double = 20
    ) throws -> String {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        var agreeing = 0
        var fromPrometheus: [AlertID: ListedAlert] = [:]
        var fromExporter: [AlertID: ListedAlert] = [:]
        while Date() < deadline {
            let prometheusResponse = try RawHTTPClient.request(port: prometheus.port, path: "/api/v1/alerts")
            let exporterResponse = try serve.get("/alerts")
            try #require(prometheusResponse.status == 200 && exporterResponse.status == 200)
            fromPrometheus = try ListedAlert.parse(prometheusResponse.body, source: "Prometheus")
            fromExporter = try ListedAlert.parse(exporterResponse.body, source: "exporter")
            if firing(fromPrometheus) == expected, firing(fromExporter) == expected {
                agreeing += 1
                if agreeing >= 3 { break }
            } else {
                agreeing = 0
            }
            if !prometheus.process.process.isRunning { throw ChildProcessError("prometheus exited: \(prometheus.process.outputText)") }
            if !serve.process.process.isRunning { throw ChildProcessError("bulwark serve exited: \(serve.process.outputText)") }
            Thread.sleep(forTimeInterval: 0.3)
        }
        let elapsed = Date().timeIntervalSince(start)
        let prometheusFiring = firing(fromPrometheus)
        let exporterFiring = firing(fromExporter)
        let detail = describe(fromPrometheus, fromExporter)
        #expect(
            prometheusFiring == exporterFiring,
            "checkpoint \(name): Prometheus and the exporter disagree after \(elapsed) s\n\(detail)")
        #expect(prometheusFiring == expected, "checkpoint \(name): Prometheus fires \(sorted(prometheusFiring)), expected \(sorted(expected))\n\(detail)")
        #expect(exporterFiring == expected, "checkpoint \(name): the exporter fires \(sorted(exporterFiring)), expected \(sorted(expected))\n\(detail)")
        // With every `for` at zero nothing lingers in pending on either side.
        #expect(fromPrometheus.values.allSatisfy { $0.state == "firing" }, "Prometheus pending alerts:\n\(detail)")
        #expect(fromExporter.values.allSatisfy { $0.state == "firing" }, "exporter pending alerts:\n\(detail)")
        for id in prometheusFiring.intersection(exporterFiring) {
            let left = fromPrometheus[id]!
            let right = fromExporter[id]!
            #expect(left.summary == right.summary, "\(id) summary: Prometheus \"\(left.summary)\", exporter \"\(right.summary)\"")
            #expect(left.runbook == right.runbook, "\(id) runbook differs")
        }
        let outcome = agreeing >= 3 ? "both fired the expected \(expected.count) alerts" : "NO AGREEMENT on the expected \(expected.count) alerts"
        return "checkpoint \(name): \(outcome) after \(String(format: "%.1f", elapsed)) s\n" + detail
    }

    /// Polls Alertmanager until its active alerts are exactly the exporter's firing set (and `expected`).
    static func checkAlertmanager(_ alertmanager: AlertmanagerHarness, receives expected: Set<AlertID>, serve: ServeHarness) throws -> String {
        let start = Date()
        let deadline = start.addingTimeInterval(20)
        var received: [AlertID: [String: Any]] = [:]
        var exporterFiring: Set<AlertID> = []
        var matched = false
        while Date() < deadline {
            exporterFiring = firing(try ListedAlert.parse(serve.get("/alerts").body, source: "exporter"))
            received = [:]
            for alert in try alertmanager.alerts() {
                let labels = (alert["labels"] as? [String: String]) ?? [:]
                received[AlertID(labels: labels)] = alert
            }
            let active = received.filter { (($0.value["status"] as? [String: Any])?["state"] as? String) == "active" }
            if Set(active.keys) == exporterFiring, exporterFiring == expected {
                matched = true
                break
            }
            Thread.sleep(forTimeInterval: 0.3)
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(Set(received.keys) == exporterFiring, "Alertmanager holds \(sorted(Set(received.keys))), the exporter fires \(sorted(exporterFiring))")
        #expect(Set(received.keys) == expected, "Alertmanager holds \(sorted(Set(received.keys))), expected \(sorted(expected))")
        for (id, alert) in received {
            let state = (alert["status"] as? [String: Any])?["state"] as? String
            #expect(state == "active", "\(id) is \(String(describing: state)) in Alertmanager")
            #expect((alert["generatorURL"] as? String)?.hasSuffix("/alerts") == true, "\(id) generatorURL \(String(describing: alert["generatorURL"]))")
            let summary = (alert["annotations"] as? [String: String])?["summary"] ?? ""
            #expect(summary.hasPrefix("LLM API"), "\(id) summary \"\(summary)\"")
        }
        return (matched ? "alertmanager: received" : "alertmanager: MISMATCH,")
            + String(format: " %d alerts after %.1f s: ", received.count, elapsed)
            + sorted(Set(received.keys)).map(\.description).joined(separator: ", ")
    }

    static func firing(_ alerts: [AlertID: ListedAlert]) -> Set<AlertID> {
        Set(alerts.filter { $0.value.state == "firing" }.keys)
    }

    static func sorted(_ ids: Set<AlertID>) -> [AlertID] { ids.sorted() }

    /// One line per alert on either side: id, state and value on each.
    static func describe(_ prometheus: [AlertID: ListedAlert], _ exporter: [AlertID: ListedAlert]) -> String {
        sorted(Set(prometheus.keys).union(exporter.keys)).map { id in
            func side(_ alert: ListedAlert?) -> String {
                guard let alert else { return "absent" }
                return "\(alert.state) \(alert.value)"
            }
            return "  \(id): Prometheus \(side(prometheus[id])) | exporter \(side(exporter[id]))"
        }.joined(separator: "\n")
    }
}

extension AlertsEndToEndTests {
    /// One alert's identity: `alertname`, `severity` and (for per-provider alerts) `provider`.
    struct AlertID: Hashable, Comparable, CustomStringConvertible {
        let name: String
        let severity: String
        let provider: String

        init(_ name: String, _ severity: String, _ provider: String?) {
            self.name = name
            self.severity = severity
            self.provider = provider ?? ""
        }

        init(labels: [String: String]) {
            self.init(labels["alertname"] ?? "?", labels["severity"] ?? "?", labels["provider"])
        }

        static func < (lhs: AlertID, rhs: AlertID) -> Bool {
            (lhs.name, lhs.provider, lhs.severity) < (rhs.name, rhs.provider, rhs.severity)
        }

        var description: String { "\(name)/\(severity)" + (provider.isEmpty ? "" : "/\(provider)") }
    }

    /// An alert as listed by Prometheus' `/api/v1/alerts` or the exporter's `/alerts`.
    struct ListedAlert {
        var state: String
        var value: String
        var summary: String
        var runbook: String

        static func parse(_ body: [UInt8], source: String) throws -> [AlertID: ListedAlert] {
            guard let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                json["status"] as? String == "success",
                let data = json["data"] as? [String: Any], let alerts = data["alerts"] as? [[String: Any]]
            else { throw ChildProcessError("\(source) alerts: unexpected body \(String(decoding: body, as: UTF8.self))") }
            var result: [AlertID: ListedAlert] = [:]
            for alert in alerts {
                let labels = (alert["labels"] as? [String: String]) ?? [:]
                let annotations = (alert["annotations"] as? [String: String]) ?? [:]
                let id = AlertID(labels: labels)
                #expect(result[id] == nil, "\(source) lists \(id) twice")
                result[id] = ListedAlert(
                    state: alert["state"] as? String ?? "?", value: alert["value"] as? String ?? "?",
                    summary: annotations["summary"] ?? "", runbook: annotations["runbook"] ?? "")
            }
            return result
        }
    }

    /// One provider's share of a phase: how many calls, how many fail and how, how many are slow.
    struct Traffic {
        var provider: String
        var calls: Int
        var serverErrors = 0
        var rateLimited = 0
        var slowCalls = 0
        var slowSeconds: ClosedRange<Double> = 0...0
        var costPerCall = 0.00005
        /// Calls skipped by the app's open breaker: status 0, `unavailable`, `circuit_state: "open"`,
        /// not the last attempt of their request.
        var skippedOpen = 0
        /// Successful calls that end their request as a fallback from openai (the rest end as `success`;
        /// failed calls end as `failed`).
        var fallbackAnswers = 0

        var model: String {
            switch provider {
            case "openai": return "gpt-4o"
            case "anthropic": return "claude-sonnet-4-6"
            case "google": return "gemini-3-pro"
            default: return "\(provider)-large"
            }
        }
    }

    /// SplitMix64: a tiny deterministic generator, so the stream is the same on every run.
    struct SplitMix64 {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

        mutating func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * unit()
        }

        /// Fisher–Yates with this generator (the standard library's shuffle algorithm is not specified).
        mutating func shuffle<T>(_ items: inout [T]) {
            guard items.count > 1 else { return }
            for index in stride(from: items.count - 1, to: 0, by: -1) {
                let other = Int(next() % UInt64(index + 1))
                items.swapAt(index, other)
            }
        }
    }

    /// The seeded synthetic stream of `APICallMetric` events, one JSON array per phase.
    struct SyntheticStream {
        private var random: SplitMix64
        private var sequence = 0

        init(seed: UInt64) { random = SplitMix64(state: seed) }

        /// Exactly the counts `traffic` asks for, in a seeded order, with seeded latencies and tokens,
        /// stamped with the current time.
        mutating func batch(phase: String, _ traffic: [Traffic]) -> String {
            var events: [String] = []
            let now = Date().timeIntervalSince1970
            for share in traffic {
                var statuses = [Int](repeating: 500, count: share.serverErrors)
                    + [Int](repeating: 429, count: share.rateLimited)
                    + [Int](repeating: 0, count: share.skippedOpen)
                    + [Int](repeating: 200, count: share.calls - share.serverErrors - share.rateLimited - share.skippedOpen)
                random.shuffle(&statuses)
                var fallbacksLeft = share.fallbackAnswers
                var slow = [Bool](repeating: true, count: share.slowCalls) + [Bool](repeating: false, count: share.calls - share.slowCalls)
                random.shuffle(&slow)
                for (status, isSlow) in zip(statuses, slow) {
                    sequence += 1
                    let seconds = isSlow ? random.uniform(share.slowSeconds) : random.uniform(0.2...2.0)
                    let outcome: String
                    switch status {
                    case 0: outcome = "null"
                    case 200 where fallbacksLeft > 0:
                        fallbacksLeft -= 1
                        outcome = "\"fallback\""
                    case 200: outcome = "\"success\""
                    default: outcome = "\"failed\""
                    }
                    events.append(event(
                        share, status: status, latencySeconds: status == 0 ? 0 : seconds, timestamp: now,
                        requestID: "\(phase)-\(sequence)", outcome: outcome))
                }
            }
            random.shuffle(&events)
            return "[" + events.joined(separator: ",") + "]"
        }

        private mutating func event(
            _ share: Traffic, status: Int, latencySeconds: Double, timestamp: Double, requestID: String, outcome: String
        ) -> String {
            let errorType: String
            let message: String
            switch status {
            case 429:
                errorType = "\"rate_limited\""
                message = "\"Rate limit reached for requests\""
            case 500:
                errorType = "\"server_error\""
                message = "\"The server had an error while processing your request\""
            case 0:
                errorType = "\"unavailable\""
                message = "\"skipped: the circuit breaker is open\""
            default:
                errorType = "null"
                message = "null"
            }
            let input = 50 + Int(random.next() % 2_000)
            let output = status == 200 ? 10 + Int(random.next() % 800) : 0
            return """
                {"timestamp":\(String(format: "%.3f", timestamp)),"provider":"\(share.provider)","model":"\(share.model)",\
                "status_code":\(status),"latency_ms":\(String(format: "%.1f", latencySeconds * 1000)),"input_tokens":\(input),\
                "output_tokens":\(output),"is_retry":false,"retry_count":0,"error_type":\(errorType),"error_message":\(message),\
                "circuit_state":"\(status == 0 ? "open" : "closed")","request_id":"\(requestID)","attempt":1,\
                "fallback":\(outcome == "\"fallback\""),"stream":false,"time_to_first_token_ms":null,\
                "cost_usd":\(String(format: "%.6f", status == 0 ? 0 : share.costPerCall)),"provider_error_type":null,\
                "retry_after_ms":null,"request_outcome":\(outcome),\
                "fallback_from":\(outcome == "\"fallback\"" ? "\"openai\"" : "null")}
                """
        }
    }
}

import BulwarkCore
import BulwarkPrometheus
import BulwarkAlerts
import Testing

@Suite struct AlertEvaluatorTests {
    // MARK: - Each alert from both sides of each threshold

    @Test func errorRateIsSilentBelowWarnsBetweenAndIsCriticalAbove() {
        let harness = AlertHarness()
        harness.run(seconds: 600) { h in
            h.calls("calm", 99)
            h.calls("calm", 1, status: 500)  // 1 %
            h.calls("flaky", 47)
            h.calls("flaky", 3, status: 503)  // 6 %
            h.calls("down", 30)
            h.calls("down", 6, status: 0)
            h.calls("down", 4, status: 429)  // 25 %
        }
        #expect(harness.firing(.highErrorRate) == [
            "LLMAPIHighErrorRate/critical/down", "LLMAPIHighErrorRate/warning/down", "LLMAPIHighErrorRate/warning/flaky",
        ])
        #expect(abs(harness.value(.highErrorRate, provider: "flaky")! - 0.06) < 1e-12)
        #expect(abs(harness.value(.highErrorRate, .critical, provider: "down")! - 0.25) < 1e-12)
    }

    @Test func cancelledCallsAreNeitherErrorsNorCallsOfTheErrorRateLiveOrReplayed() {
        let harness = AlertHarness()
        harness.run(seconds: 600) { h in
            h.calls("calm", 99)
            h.calls("calm", 1, status: 500)
            h.calls("calm", 300, status: 0, errorType: .cancelled)  // callers who gave up: still 1 %
            h.calls("flaky", 47)
            h.calls("flaky", 3, status: 503)
            h.calls("flaky", 50, status: 0, errorType: .cancelled)  // still 6 %, not 3 %
        }
        #expect(harness.firing(.highErrorRate) == ["LLMAPIHighErrorRate/warning/flaky"])
        #expect(abs(harness.value(.highErrorRate, provider: "flaky")! - 0.06) < 1e-12)
        // The same from the log after a restart.
        let after = AlertHarness(start: harness.now)
        after.evaluator.replay(events: harness.log, now: after.now)
        #expect(after.firing(.highErrorRate) == ["LLMAPIHighErrorRate/warning/flaky"])
        #expect(abs(after.value(.highErrorRate, provider: "flaky")! - 0.06) < 1e-12)
    }

    @Test func latencyIsSilentBelowWarnsBetweenAndIsCriticalAbove() {
        let harness = AlertHarness()
        harness.run(seconds: 600) { h in
            h.calls("fast", 20, latency: 0.3)
            h.calls("slow", 18, latency: 4)
            h.calls("slow", 2, latency: 12)  // P95 = 10 + 5 * (19 - 18) / 2 = 12.5 s
            h.calls("stuck", 16, latency: 2)
            h.calls("stuck", 4, latency: 45)  // P95 = 30 + 30 * (19 - 16) / 4 = 52.5 s
        }
        #expect(harness.firing(.highLatency) == [
            "LLMAPIHighLatency/critical/stuck", "LLMAPIHighLatency/warning/slow", "LLMAPIHighLatency/warning/stuck",
        ])
        #expect(abs(harness.value(.highLatency, provider: "slow")! - 12.5) < 1e-9)
        #expect(abs(harness.value(.highLatency, .critical, provider: "stuck")! - 52.5) < 1e-9)
    }

    @Test func rateLimitIsSilentBelowWarnsBetweenAndIsCriticalAbove() {
        let harness = AlertHarness()
        var tick = 0
        harness.run(seconds: 600) { h in
            tick += 1
            h.calls("calm", 50, status: 529)  // overloaded, not 429: never counts
            if tick % 2 == 0 { h.calls("calm", 1, status: 429) }  // 2 per minute
            h.calls("busy", 2, status: 429)  // 8 per minute
            h.calls("hammered", 30, status: 429)  // 120 per minute
        }
        #expect(harness.firing(.rateLimited) == [
            "LLMAPIRateLimited/critical/hammered", "LLMAPIRateLimited/warning/busy", "LLMAPIRateLimited/warning/hammered",
        ])
        #expect(abs(harness.value(.rateLimited, provider: "busy")! - 8) < 1e-9)
    }

    @Test func circuitAlertWarnsForOneOpenCircuitAndIsCriticalForTwo() {
        let harness = AlertHarness()
        harness.registry.setCircuitState(.closed, provider: "anthropic")
        harness.registry.setCircuitState(.halfOpen, provider: "google")
        harness.tick()
        #expect(harness.firing(.circuitOpen).isEmpty)

        harness.registry.setCircuitState(.open, provider: "openai")
        let opened = harness.tick()
        // No `for`: firing at the first evaluation that sees it.
        #expect(harness.firing(.circuitOpen) == ["LLMAPICircuitOpen/warning/openai"])
        #expect(opened.fired.map(\.name) == [.circuitOpen])
        #expect(harness.value(.circuitOpen, provider: "openai") == 1)

        harness.registry.setCircuitState(.open, provider: "anthropic")
        harness.tick()
        #expect(harness.firing(.circuitOpen) == [
            "LLMAPICircuitOpen/critical/anthropic", "LLMAPICircuitOpen/critical/openai",
            "LLMAPICircuitOpen/warning/anthropic", "LLMAPICircuitOpen/warning/openai",
        ])
        #expect(harness.value(.circuitOpen, .critical, provider: "anthropic") == 2)

        harness.registry.setCircuitState(.halfOpen, provider: "openai")
        let changes = harness.tick()
        #expect(harness.firing(.circuitOpen) == ["LLMAPICircuitOpen/warning/anthropic"])
        #expect(Set(changes.resolved.map { "\($0.severity.rawValue)/\($0.provider!)" }) == [
            "critical/anthropic", "critical/openai", "warning/openai",
        ])
    }

    @Test func fallbackUsageIsSilentBelowWarnsBetweenAndIsCriticalAbove() {
        for (fallbacks, expected) in [(5, [String]()), (20, ["warning"]), (60, ["critical", "warning"])] {
            let harness = AlertHarness()
            harness.run(seconds: 600) { h in
                h.requests(.success, 90 - fallbacks)
                h.requests(.fallback, fallbacks)
                h.requests(.failed, 10)
            }
            #expect(harness.firing(.highFallbackUsage) == expected.map { "LLMAPIHighFallbackUsage/\($0)" }, "\(fallbacks) %")
            if !expected.isEmpty {
                #expect(abs(harness.value(.highFallbackUsage)! - Double(fallbacks) / 100) < 1e-12)
            }
        }
    }

    @Test func budgetIsSilentBelowWarnsBetweenAndIsCriticalAboveOverARolling24Hours() {
        // 5,760 evaluations a day; the cost per interval makes the day's spend the given share of $50.
        for (share, expected) in [(1.152, [String]()), (1.44, ["warning"]), (1.728, ["critical", "warning"])] {
            let harness = AlertHarness(configuration: AlertConfiguration(dailyBudgetUSD: 50))
            let perTick = 50 * share / 5_760
            harness.run(seconds: 86_400) { h in h.calls("openai", 1, cost: perTick) }
            #expect(harness.firing(.budgetExceeded) == expected.map { "LLMAPIBudgetExceeded/\($0)" }, "\(share)")
            if !expected.isEmpty { #expect(abs(harness.value(.budgetExceeded)! - share) < 1e-6) }
        }
    }

    @Test func budgetWindowRollsSoYesterdaysSpendStopsCounting() {
        let harness = AlertHarness(configuration: AlertConfiguration(dailyBudgetUSD: 50))
        harness.run(seconds: 7_200) { h in h.calls("openai", 1, cost: 96.0 / 480) }  // $96 in 2 h: 192 %
        harness.run(seconds: 3_600)
        #expect(harness.firing(.budgetExceeded) == ["LLMAPIBudgetExceeded/critical", "LLMAPIBudgetExceeded/warning"])
        harness.run(seconds: 88_200 - 10_800)  // at 24.5 h the first half hour of spend has left the window: 144 %
        #expect(harness.firing(.budgetExceeded) == ["LLMAPIBudgetExceeded/warning"])
        harness.run(seconds: 7_200)
        #expect(harness.firing(.budgetExceeded).isEmpty)
    }

    @Test func budgetNeverAlertsWithoutABudget() {
        let harness = AlertHarness()
        harness.run(seconds: 600) { h in h.calls("openai", 10, cost: 100) }
        #expect(harness.firing(.budgetExceeded).isEmpty)
        harness.registry.setDailyBudget(usd: 0)
        harness.run(seconds: 120)
        #expect(harness.firing(.budgetExceeded).isEmpty)
    }

    // MARK: - State machine

    @Test func conditionIsPendingUntilItHoldsForTheForDuration() throws {
        let harness = AlertHarness()
        harness.tick()
        let start = harness.now
        let first = harness.tick { h in h.calls("down", 10, status: 500) }
        #expect(first.isEmpty)
        #expect(harness.pending == ["LLMAPIHighErrorRate/critical/down", "LLMAPIHighErrorRate/warning/down"])
        #expect(harness.firing.isEmpty)
        let pending = try #require(harness.evaluator.alerts().first)
        #expect(pending.activeAt == start + 15)
        #expect(pending.firedAt == nil)
        #expect(harness.registry.value(MetricCatalog.alertFiring, labels: ["alertname": "LLMAPIHighErrorRate", "severity": "warning"]) == 0)

        for _ in 0..<3 { harness.tick { h in h.calls("down", 10, status: 500) } }
        #expect(harness.firing.isEmpty, "45 s is not yet the 1m `for`")
        let fired = harness.tick { h in h.calls("down", 10, status: 500) }
        #expect(fired.fired.count == 2)
        #expect(harness.firing == ["LLMAPIHighErrorRate/critical/down", "LLMAPIHighErrorRate/warning/down"])
        let alert = try #require(harness.evaluator.alerts().first)
        #expect(alert.activeAt == start + 15)
        #expect(alert.firedAt == start + 75)
        #expect(harness.registry.value(MetricCatalog.alertFiring, labels: ["alertname": "LLMAPIHighErrorRate", "severity": "warning"]) == 1)
    }

    @Test func pendingAlertThatStopsHoldingNeverFires() {
        let harness = AlertHarness()
        harness.tick { h in h.calls("down", 10, status: 500) }
        harness.tick { h in h.calls("down", 10, status: 500) }
        #expect(harness.pending.count == 2)
        // Healthy traffic dilutes the window below 2 % before the minute is up.
        let changes = harness.tick { h in h.calls("down", 5_000) }
        #expect(changes.isEmpty)
        #expect(harness.pending.isEmpty && harness.firing.isEmpty)
    }

    @Test func firingAlertResolvesOnceNoFailureIsLeftInTheWindow() throws {
        let harness = AlertHarness()
        harness.run(seconds: 180) { h in
            h.calls("down", 30)
            h.calls("down", 10, status: 500)
        }
        #expect(harness.firing.count == 2)
        // Then no traffic: the ratio stays at 25 % while the last failing interval is inside the window.
        harness.run(seconds: 285)
        #expect(harness.firing.count == 2, "errors are still inside the 5m window")
        let changes = harness.tick()
        #expect(harness.firing.isEmpty)
        #expect(changes.resolved.count == 2)
        #expect(changes.resolved.allSatisfy { $0.resolvedAt == harness.now })
        #expect(harness.registry.value(MetricCatalog.alertFiring, labels: ["alertname": "LLMAPIHighErrorRate", "severity": "critical"]) == 0)

        // Alertmanager still hears about the resolution for 15 minutes.
        let pushed = harness.evaluator.alertmanagerAlerts(now: harness.now, generatorURL: "http://exporter/alerts")
        #expect(pushed.count == 2)
        #expect(pushed.allSatisfy { $0.endsAt == harness.now && $0.startsAt < harness.now })
        harness.run(seconds: 900)
        #expect(harness.evaluator.alertmanagerAlerts(now: harness.now, generatorURL: "").isEmpty)
    }

    @Test func alertmanagerReceivesFiringAlertsValidForFourResendPeriods() throws {
        let harness = AlertHarness()
        harness.run(seconds: 120) { h in h.calls("down", 10, status: 500) }
        let pushed = harness.evaluator.alertmanagerAlerts(now: harness.now, generatorURL: "http://127.0.0.1:9464/alerts")
        #expect(pushed.count == 2)
        let critical = try #require(pushed.first { $0.labels["severity"] == "critical" })
        #expect(critical.labels == ["alertname": "LLMAPIHighErrorRate", "severity": "critical", "provider": "down"])
        #expect(critical.endsAt == harness.now + 240)
        #expect(critical.startsAt == AlertHarness.start + 75)
        #expect(critical.annotations["summary"] == "LLM API error rate above 10% on down")
        #expect(critical.generatorURL == "http://127.0.0.1:9464/alerts")
        let json = AlertJSON.alertmanager(pushed)
        #expect(json.hasPrefix(#"[{"labels":{"alertname":"LLMAPIHighErrorRate","provider":"down","severity":"#))
        #expect(json.contains(#""startsAt":"2025-11-24T16:01:15Z","endsAt":"2025-11-24T16:06:00Z""#))
    }

    @Test func labelsEveryProviderSeparately() throws {
        let harness = AlertHarness()
        harness.run(seconds: 300) { h in
            h.calls("openai", 92, model: "gpt-4o")
            h.calls("openai", 8, status: 500, model: "gpt-4o-mini")  // 8 % over both models: warning only
            h.calls("anthropic", 80)
            h.calls("anthropic", 20, status: 529)
            h.calls("google", 100)
        }
        #expect(harness.firing == [
            "LLMAPIHighErrorRate/critical/anthropic", "LLMAPIHighErrorRate/warning/anthropic", "LLMAPIHighErrorRate/warning/openai",
        ])
        let anthropic = try #require(harness.evaluator.alerts().first { $0.provider == "anthropic" && $0.severity == .critical })
        #expect(anthropic.labels == ["alertname": "LLMAPIHighErrorRate", "severity": "critical", "provider": "anthropic"])
        #expect(anthropic.annotations["description"] == "20% of anthropic calls failed over the last 5m (critical above 10%).")
        #expect(anthropic.annotations["summary"] == "LLM API error rate above 10% on anthropic")
        #expect(anthropic.annotations["runbook"]?.isEmpty == false)
    }

    @Test func publishesAFiringGaugeForEveryAlertAndSeverity() {
        let harness = AlertHarness()
        for name in AlertName.allCases {
            for severity in AlertSeverity.allCases {
                #expect(harness.registry.value(MetricCatalog.alertFiring, labels: ["alertname": name.rawValue, "severity": severity.rawValue]) == 0)
            }
        }
        harness.registry.setCircuitState(.open, provider: "openai")
        harness.tick()
        #expect(harness.registry.value(MetricCatalog.alertFiring, labels: ["alertname": "LLMAPICircuitOpen", "severity": "warning"]) == 1)
        #expect(harness.registry.value(MetricCatalog.alertFiring, labels: ["alertname": "LLMAPICircuitOpen", "severity": "critical"]) == 0)
        let text = String(decoding: harness.registry.render(format: .prometheusText), as: UTF8.self)
        #expect(text.contains(#"llm_api_alert_firing{alertname="LLMAPICircuitOpen",severity="warning"} 1"#))
        #expect(text.contains(#"llm_api_alert_firing{alertname="LLMAPIBudgetExceeded",severity="critical"} 0"#))
    }

    @Test func thresholdsWindowsAndForComeFromTheConfiguration() {
        var configuration = AlertConfiguration(evaluationIntervalSeconds: 10)
        configuration.errorRate = .init(warning: 0.5, critical: 0.9, windowSeconds: 60, forSeconds: 0)
        let harness = AlertHarness(configuration: configuration)
        harness.tick { h in
            h.calls("p", 4)
            h.calls("p", 6, status: 500)
        }
        #expect(harness.firing == ["LLMAPIHighErrorRate/warning/p"], "60 % > 50 %, and no `for`")
        #expect(harness.evaluator.alerts().first?.annotations["summary"] == "LLM API error rate above 50% on p")
        harness.run(seconds: 60) { h in h.calls("p", 10) }
        #expect(harness.firing.isEmpty, "the 1m window has moved past the errors")
        #expect(AlertConfiguration().problems.isEmpty)
        configuration.errorRate.windowSeconds = 0
        #expect(configuration.problems == ["alerts.error_rate.window_seconds: must be a positive number of seconds"])
        // An evaluator never runs on an invalid setting: it falls back to the default.
        let evaluator = AlertEvaluator(registry: MetricsRegistry(), configuration: configuration, clock: { 0 })
        #expect(evaluator.configuration.errorRate.windowSeconds == 300)
        #expect(evaluator.configuration.errorRate.warning == 0.5)
    }

    // MARK: - Bounded memory

    @Test func memoryStaysBoundedOver48HoursAtAHighEventRate() {
        let harness = AlertHarness(configuration: AlertConfiguration(dailyBudgetUSD: 50))
        var afterThirtyHours: AlertEvaluator.Statistics?
        for hour in 0..<48 {
            harness.run(seconds: 3_600) { h in
                h.registry.record(
                    (0..<100).map { index in
                        APICallMetric(
                            timestamp: h.now - 1, provider: ["openai", "anthropic", "google"][index % 3], model: "m\(index % 4)",
                            statusCode: index % 40 == 0 ? 429 : 200, latencyMs: Double(index * 37 % 20_000),
                            errorType: index % 40 == 0 ? .rateLimited : nil, costUSD: 0.000_01)
                    }, source: .http)
            }
            if hour == 29 { afterThirtyHours = harness.evaluator.statistics }
        }
        let stats = harness.evaluator.statistics
        #expect(harness.registry.value(MetricCatalog.calls) == Double(48 * 240 * 100))
        #expect(stats.windowSamples <= stats.windowCapacity)
        #expect(stats.costSamples <= stats.costCapacity)
        #expect(stats.windowCapacity <= 60, "5m window + 1m for + one interval, at half-interval spacing")
        #expect(stats.costCapacity <= 1_500, "24h + 1m for at one sample a minute")
        #expect(stats == afterThirtyHours, "nothing grows once the longest window is full")
        #expect(stats.storedNumbers < 20_000)
    }

    @Test func evaluatingMoreOftenThanConfiguredKeepsTheWholeWindow() {
        let harness = AlertHarness(configuration: AlertConfiguration(evaluationIntervalSeconds: 1))
        // Configured for 1 s but called every 0.25 s: samples are kept at least half an interval apart,
        // so the ring still spans the 5m window (kept at every call it would span 3 minutes only).
        let start = harness.now
        var time = start
        while time < start + 400 {
            time += 0.25
            let failing = time > start + 150 && time <= start + 210
            harness.registry.record(APICallMetric(
                timestamp: time, provider: "p", model: "m", statusCode: failing ? 500 : 200, latencyMs: 1,
                errorType: failing ? .serverError : nil))
            harness.evaluator.evaluate(now: time)
        }
        // At 400 s the window [100 s, 400 s] holds the 240 errors among 1,200 calls: 20 %.
        #expect(harness.evaluator.alerts().filter { $0.phase == .firing }.count == 2)
        #expect(abs((harness.evaluator.alerts().first?.value ?? 0) - 0.2) < 1e-9)
        let stats = harness.evaluator.statistics
        #expect(stats.windowSamples <= stats.windowCapacity)
    }
}

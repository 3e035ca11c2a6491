import BulwarkCore
import BulwarkPrometheus
import BulwarkAlerts
import BulwarkLogs
import Testing

/// A restarted exporter rebuilds its windows from the logged events and sees what it saw before.
@Suite struct AlertReplayTests {
    static func incident(_ h: AlertHarness) {
        h.calls("ok", 40)
        h.calls("down", 30)
        h.calls("down", 10, status: 503)
    }

    static func recovered(_ h: AlertHarness) {
        h.calls("ok", 40)
        h.calls("down", 40)
    }

    @Test func replayRestoresAFiringAlertAfterARestart() throws {
        let before = AlertHarness()
        before.run(seconds: 600, Self.incident)
        #expect(before.firing == ["LLMAPIHighErrorRate/critical/down", "LLMAPIHighErrorRate/warning/down"])

        // Restart: a fresh registry (counters at zero) and evaluator, fed the log.
        let after = AlertHarness(start: before.now)
        let restored = after.evaluator.replay(events: before.log, now: after.now)
        #expect(after.firing == before.firing)
        #expect(restored.fired.count == 2)
        let alert = try #require(after.evaluator.alerts().first)
        #expect(alert.activeAt <= after.now - 60, "the condition held before the restart")
        #expect(abs(alert.value - before.value(.highErrorRate, .critical, provider: "down")!) < 1e-12)
        #expect(after.registry.value(MetricCatalog.alertFiring, labels: ["alertname": "LLMAPIHighErrorRate", "severity": "critical"]) == 1)
        #expect(after.registry.value(MetricCatalog.calls) == nil, "the registry's counters are not touched")

        // Both carry on with the same traffic: the restarted one agrees at every evaluation.
        for tick in 0..<40 {
            let traffic = tick < 8 ? Self.incident : Self.recovered
            before.tick(traffic)
            after.tick(traffic)
            #expect(after.firing == before.firing, "tick \(tick)")
            for alert in before.evaluator.alerts() {
                let value = after.value(alert.name, alert.severity, provider: alert.provider)
                #expect(value.map { abs($0 - alert.value) < 1e-9 } == true, "tick \(tick) \(alert.name.rawValue)")
            }
        }
        #expect(after.firing.isEmpty, "resolved once the recovery filled the window")
    }

    @Test func withoutReplayARestartStartsBlind() {
        let before = AlertHarness()
        before.run(seconds: 600, Self.incident)
        let after = AlertHarness(start: before.now)
        after.tick(Self.recovered)
        #expect(after.firing.isEmpty)
        #expect(!before.firing.isEmpty)
    }

    @Test func replayRestoresTheBudgetWindow() {
        let configuration = AlertConfiguration(dailyBudgetUSD: 50)
        let before = AlertHarness(configuration: configuration)
        before.run(seconds: 7_200) { h in h.calls("openai", 1, cost: 96.0 / 480) }  // $96 in 2 h: 192 %
        let after = AlertHarness(configuration: configuration, start: before.now)
        #expect(after.evaluator.replayHorizonSeconds >= 86_400)
        // Streamed, as from LogReader.forEachEvent(since:): events are folded in as they come.
        after.evaluator.replay(now: after.now) { add in
            for event in before.log where event.timestamp >= after.now - after.evaluator.replayHorizonSeconds { add(event) }
        }
        #expect(after.firing(.budgetExceeded) == ["LLMAPIBudgetExceeded/critical", "LLMAPIBudgetExceeded/warning"])
        #expect(abs(after.value(.budgetExceeded)! - 1.92) < 1e-9)
        // New spend adds to the replayed spend.
        after.run(seconds: 600) { h in h.calls("openai", 1, cost: 0.25) }
        #expect(abs(after.value(.budgetExceeded)! - (96 + 40 * 0.25) / 50) < 1e-9)
    }

    @Test func replayRebuildsTheFallbackShareFromRequestIDs() {
        let harness = AlertHarness()
        var next = 0
        var log: [APICallMetric] = []
        for tick in 1...30 {
            let end = harness.now + Double(tick) * 15 - 1
            for request in 0..<10 {
                next += 1
                let id = "req-\(next)"
                if request < 3 {
                    // Fails on the primary, answered by the fallback: outcome "fallback".
                    log.append(APICallMetric(timestamp: end - 2, provider: "openai", model: "m", statusCode: 503, latencyMs: 100,
                                             errorType: .unavailable, requestID: id, attempt: 1))
                    log.append(APICallMetric(timestamp: end - 1, provider: "anthropic", model: "m", statusCode: 200, latencyMs: 100,
                                             requestID: id, attempt: 2, fallback: true))
                } else if request == 3 {
                    // Every provider failed: outcome "failed".
                    log.append(APICallMetric(timestamp: end - 1, provider: "openai", model: "m", statusCode: 500, latencyMs: 100,
                                             errorType: .serverError, requestID: id))
                } else {
                    log.append(APICallMetric(timestamp: end - 1, provider: "openai", model: "m", statusCode: 200, latencyMs: 100,
                                             requestID: id))
                }
            }
        }
        harness.evaluator.replay(events: log.shuffled(), now: harness.now + 450)
        #expect(harness.firing(.highFallbackUsage) == ["LLMAPIHighFallbackUsage/warning"])
        #expect(abs(harness.value(.highFallbackUsage)! - 0.3) < 1e-12)
    }

    @Test func replaySkipsEventsOlderThanEveryWindow() {
        let harness = AlertHarness(configuration: AlertConfiguration(dailyBudgetUSD: 1))
        let old = (0..<1_000).map { index in
            APICallMetric(timestamp: harness.now - 3 * 86_400 + Double(index), provider: "p", model: "m", statusCode: 500,
                          latencyMs: 90_000, errorType: .serverError, costUSD: 10)
        }
        harness.evaluator.replay(events: old, now: harness.now)
        harness.tick()
        #expect(harness.firing.isEmpty)
        let stats = harness.evaluator.statistics
        #expect(stats.windowSamples <= stats.windowCapacity && stats.costSamples <= stats.costCapacity)
    }
}

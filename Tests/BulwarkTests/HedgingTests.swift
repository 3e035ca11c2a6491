import Bulwark
import BulwarkCore
import BulwarkPrometheus
import BulwarkSimulator
import Foundation
import Testing

/// Hedged requests against a provider with a slow tail (one answer in ten takes 5 s): a hedge after
/// 300 ms on the next provider cuts the tail, within the hedge budget; the losing attempt is cancelled.
@Suite(.serialized) struct HedgingTests {
    static let slowTail = Scenario(providers: [
        .openai: ProviderScenario(faults: [FaultRule(effect: .slow, probability: 0.1, latency: .fixed(5_000))])
    ])

    /// Sends `count` requests, ten at a time; returns each one's latency in seconds.
    static func latencies(_ harness: ClientHarness, count: Int) async throws -> [Double] {
        let client = harness.client
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<10 {
                group.addTask {
                    var latencies: [Double] = []
                    for index in stride(from: worker, to: count, by: 10) {
                        let started = ContinuousClock.now
                        _ = try await client.complete(ChatRequest(messages: [.user("Question \(index)")], maxTokens: 32))
                        let elapsed = ContinuousClock.now - started
                        latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }.sorted()
        }
    }

    @Test func hedgesCutTheSlowTailWithinTheirBudgetAndCancelTheLoser() async throws {
        let harness = try ClientHarness(scenario: Self.slowTail, chain: [.openai, .anthropic]) {
            $0.hedging = HedgingConfiguration(delay: 0.3, maxHedges: 1, budgetRatio: 0.2)
        }
        defer { Task { await harness.shutdown() } }
        let latencies = try await Self.latencies(harness, count: 100)
        let slow = harness.simulator.stats().count(provider: .openai) - 100
        #expect(slow == 0, "every request went to openai first")
        let events = harness.recorder.events
        let hedges = events.filter(\.hedge)
        let won = harness.registry.value(MetricCatalog.hedges, labels: ["provider": "anthropic", "result": "won"]) ?? 0
        let lost = harness.registry.value(MetricCatalog.hedges, labels: ["provider": "anthropic", "result": "lost"]) ?? 0
        // Within the budget (20 % of 100 requests), every hedge on anthropic, each counted won or lost.
        #expect(!hedges.isEmpty && hedges.count <= 20)
        #expect(hedges.allSatisfy { $0.provider == "anthropic" })
        #expect(Int(won + lost) == hedges.count)
        // A winning hedge cancelled the slow attempt (logged `cancelled`, the request not); a losing one
        // is itself the cancelled attempt.
        let cancelled = events.filter { $0.errorType == .cancelled }
        #expect(cancelled.count == hedges.count)
        #expect(harness.recorder.requestOutcomes.allSatisfy { $0 != .cancelled && $0 != .failed })
        // Without hedging the slowest answers take 5 s; with it, none waits for them (generous bound
        // for a loaded machine; measured p99 below).
        let p99 = latencies[98]
        #expect(p99 < 1.5, "p99 \(p99) s with hedging")
        #expect(harness.client.providerStatus().allSatisfy { $0.circuit == .closed && $0.outage.severity == .none })
    }

    @Test func aStreamIsHedgedWhenItsFirstTokenIsLateAndOnlyTheWinnerDelivers() async throws {
        let harness = try ClientHarness(scenario: Self.slowTail, chain: [.openai, .anthropic]) {
            // A budget of one hedge per request: this test is about streams, not the budget (which
            // allows no hedge before `budget_ratio` of the requests adds up to one).
            $0.hedging = HedgingConfiguration(delay: 0.3, maxHedges: 1, budgetRatio: 1)
        }
        defer { Task { await harness.shutdown() } }
        var hedgedAnswers = 0
        for index in 0..<30 {
            let started = ContinuousClock.now
            let (text, result, _) = await harness.stream("Story \(index)")
            let response = try result.get()
            // Exactly the winner's text reached the caller.
            #expect(text == response.result.text)
            if response.provider == "anthropic" { hedgedAnswers += 1 }
            #expect(ContinuousClock.now - started < .seconds(3))
        }
        let hedges = harness.recorder.events.filter(\.hedge)
        #expect(hedgedAnswers > 0 && hedgedAnswers == hedges.filter { $0.errorType == nil }.count)
        #expect(harness.recorder.events.filter { $0.errorType == .cancelled }.count == hedges.count)
    }

    @Test func theSlowTailIsWrittenInAScenarioFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("slow-tail-\(UUID()).yaml").path
        try "providers:\n  openai:\n    faults:\n      - {slow: true, probability: 0.1, latency: {ms: 5000}}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Scenario.load(path: path)[.openai].faults == Self.slowTail[.openai].faults)
    }

    @Test func withoutHedgingTheSlowTailShows() async throws {
        let harness = try ClientHarness(scenario: Self.slowTail, chain: [.openai, .anthropic])
        defer { Task { await harness.shutdown() } }
        let latencies = try await Self.latencies(harness, count: 50)
        #expect(latencies.last! > 4, "the slowest of 50 requests took \(latencies.last!) s")
        #expect(harness.recorder.events.filter(\.hedge).isEmpty)
    }
}

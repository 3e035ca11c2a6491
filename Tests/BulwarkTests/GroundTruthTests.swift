import BulwarkCore
import BulwarkPrometheus
import BulwarkSimulator
import Bulwark
import Testing

/// Seeded random faults: the events the client recorded equal, one for one, the requests the
/// simulator counted (same provider, same status). Nothing lost, nothing double counted.
@Suite struct GroundTruthTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func recordedEventsMatchTheSimulatorsCountsOneForOne(seed: UInt64) async throws {
        let scenario = Scenario(providers: [
            .openai: ProviderScenario(faults: [
                .status(429, probability: 0.2), .status(500, probability: 0.1), .connectionReset(probability: 0.05),
                .midStreamError(afterChunks: 2, probability: 0.1),
            ]),
            .anthropic: ProviderScenario(faults: [.status(529, probability: 0.25), .truncate(afterChunks: 1, probability: 0.1)]),
            .google: ProviderScenario(faults: [.status(503, probability: 0.2), .status(400, probability: 0.05)]),
        ])
        let harness = try ClientHarness(scenario: scenario, seed: seed) {
            $0.circuitBreaker.failureThreshold = 1_000
        }
        defer { Task { await harness.shutdown() } }
        for index in 0..<40 {
            if index % 3 == 0 {
                _ = await harness.stream("question \(index)")
            } else {
                _ = await harness.complete("question \(index)")
            }
        }
        let stats = harness.simulator.stats()
        var simulated: [String: Int] = [:]
        for (key, count) in stats.counts { simulated["\(key.provider.rawValue) \(key.status)", default: 0] += count }
        var recorded: [String: Int] = [:]
        for event in harness.recorder.events { recorded["\(event.provider) \(event.statusCode)", default: 0] += 1 }
        #expect(recorded == simulated)
        #expect(harness.recorder.events.count == stats.total)
        #expect(harness.registry.value(MetricCatalog.requests) == 40)
    }
}

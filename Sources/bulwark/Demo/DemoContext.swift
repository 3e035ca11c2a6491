import CallMetrics
import Exporter
import ProviderSimulator
import ResilientClient

/// Everything the demo's services share: the exporter, the simulator, the client, the alert evaluator,
/// the traffic counters, the event log, and the addresses to show.
struct DemoContext: Sendable {
    let exporter: Exporter
    let simulator: ProviderSimulator
    let client: ResilientClient
    let settings: BulwarkConfiguration
    let evaluator: AlertEvaluator
    let traffic: DemoTraffic
    let scenario: Scenario
    let events: DemoEventLog
    let metricsURL: String
    /// `nil` when this exporter build does not serve `GET /alerts` (the in-process evaluator still runs).
    let alertsURL: String?
    let logFile: String?

    /// The registry, the client, the traffic and the alerts now.
    func snapshot() -> DemoSnapshot {
        let elapsed = events.elapsed
        var snapshot = DemoSnapshot(elapsed: elapsed, phases: DemoScenario.activePhases(scenario, at: elapsed))
        snapshot.read(ExpositionSamples.parse(exporter.registry.render(format: .prometheusText)))
        snapshot.providers = client.providerStatus().map {
            DemoSnapshot.ProviderState(name: $0.provider, circuit: $0.circuit, outage: $0.outage.severity)
        }
        snapshot.alerts = evaluator.alerts()
        snapshot.traffic = traffic.counters.values
        return snapshot
    }
}

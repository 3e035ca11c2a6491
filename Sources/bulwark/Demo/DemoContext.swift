import CallMetrics
import Exporter
import ProviderSimulator
import ResilientClient

/// Everything the demo's services share: the exporter (with its alert evaluator), the simulator, the
/// client, the traffic counters, the event log, and the addresses to show.
struct DemoContext: Sendable {
    let exporter: Exporter
    let simulator: ProviderSimulator
    let client: ResilientClient
    let settings: BulwarkConfiguration
    let traffic: DemoTraffic
    let scenario: Scenario
    let events: DemoEventLog
    let metricsURL: String
    let alertsURL: String
    let logFile: String?

    /// The registry, the client, the traffic and the alerts now.
    func snapshot() -> DemoSnapshot {
        let elapsed = events.elapsed
        var snapshot = DemoSnapshot(elapsed: elapsed, phases: DemoScenario.activePhases(scenario, at: elapsed))
        snapshot.read(ExpositionSamples.parse(exporter.registry.render(format: .prometheusText)))
        snapshot.providers = client.providerStatus().map {
            DemoSnapshot.ProviderState(name: $0.provider, circuit: $0.circuit, outage: $0.outage.severity)
        }
        snapshot.alerts = exporter.evaluator.alerts()
        snapshot.traffic = traffic.counters.values
        return snapshot
    }
}

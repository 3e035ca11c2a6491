import BulwarkCore
import BulwarkExporter
import BulwarkSimulator
import Bulwark

/// What the progress display reads: the exporter (its registry and alert evaluator), the client's
/// breakers, the traffic counters, the scenario, the event log, and the addresses to show.
struct DemoContext: Sendable {
    let exporter: Exporter
    let client: ResilientClient
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

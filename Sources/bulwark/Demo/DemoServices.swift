import CallMetrics
import Exporter
import ProviderSimulator
import ServiceLifecycle

/// Keeps the (already started) exporter serving until graceful shutdown, then stops it and flushes the
/// log. It is the first service of the group, so it stops last: `/metrics` stays up while the traffic
/// drains.
struct DemoExporterService: Service {
    let exporter: Exporter

    func run() async throws {
        try? await gracefulShutdown()
        await exporter.stop()
    }
}

/// Keeps the (already started) simulator serving until graceful shutdown, then stops it.
struct DemoSimulatorService: Service {
    let simulator: ProviderSimulator

    func run() async throws {
        try? await gracefulShutdown()
        await simulator.stop(gracePeriod: .seconds(2))
    }
}

/// Evaluates the guide's alerts in-process over the exporter's registry (which publishes
/// `llm_api_alert_firing`), and logs each alert that fires or resolves.
///
/// INTEGRATION POINT: the exporter does not evaluate alerts itself yet. When `Exporter` gains its own
/// `AlertEvaluator` (and serves `GET /alerts` from it), hand that evaluator to `DemoContext` and drop
/// this service, so that one evaluator publishes `llm_api_alert_firing`.
struct DemoAlertService: Service {
    let evaluator: AlertEvaluator
    let events: DemoEventLog

    func run() async throws {
        let evaluator = self.evaluator
        let events = self.events
        await cancelWhenGracefulShutdown {
            await evaluator.run { changes in events.record(changes) }
        }
    }
}

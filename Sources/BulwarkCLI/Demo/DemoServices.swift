import BulwarkExporter
import BulwarkSimulator
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

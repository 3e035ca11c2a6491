import ArgumentParser
import BulwarkExporter
import Foundation
import Logging
import Bulwark
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the exporter: /metrics, /healthz, POST /v1/events, JSON-lines logs."
    )

    @Option(help: "bulwark.yaml; its exporter: and alerts: sections apply, flags override them.")
    var config: String?

    @Option(help: "Address to listen on, host:port (default 127.0.0.1:9464).")
    var listen: String?

    @Option(name: .customLong("log-dir"), help: "Directory for the JSON-lines event logs (default ./bulwark-logs).")
    var logDirectory: String?

    @Option(name: .customLong("log-segment-bytes"), help: "Seal and gzip the active log segment when it reaches this size.")
    var logSegmentBytes: Int?

    @Option(name: .customLong("alertmanager-url"), help: "Push firing and resolved alerts to this Alertmanager (v2 API).")
    var alertmanagerURL: String?

    @Option(name: .customLong("max-series"), help: "Series of all families together before new label combinations fold into \"other\" (default 20000).")
    var maxSeries: Int?

    @Flag(name: .customLong("no-replay"), help: "Do not replay the logged alert windows at start.")
    var noReplay = false

    @Flag(name: .customLong("no-logs"), help: "Do not write event logs.")
    var noLogs = false

    @Option(name: .customLong("auth-token-env"), help: "Environment variable holding a bearer token required on /metrics and /v1/events.")
    var authTokenEnvironmentVariable: String?

    @Option(name: .customLong("daily-budget-usd"), help: "Daily budget published as llm_api_daily_budget_usd (default 50).")
    var dailyBudgetUSD: Double?

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "bulwark.serve")
        var file = BulwarkConfiguration()
        if let config {
            do {
                file = try BulwarkConfiguration.load(path: config)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let address: (host: String, port: Int)
        do {
            address = try ExporterConfiguration.parseListen(listen ?? file.exporter.listen)
        } catch {
            throw ValidationError(error.description)
        }
        var configuration = ExporterConfiguration(host: address.host, port: address.port)
        configuration.logDirectory = noLogs ? nil : (logDirectory ?? file.exporter.logDirectory)
        configuration.dailyBudgetUSD = dailyBudgetUSD ?? file.alerts.dailyBudgetUSD
        configuration.alerts = file.alerts.evaluatorConfiguration
        configuration.alertmanagerURL = alertmanagerURL ?? file.alerts.alertmanagerURL
        configuration.replayLogsOnStart = !noReplay
        configuration.registry.maxSeries = maxSeries ?? file.exporter.maxSeries
        guard configuration.registry.maxSeries >= 100 else { throw ValidationError("--max-series must be at least 100") }
        if let logSegmentBytes {
            guard logSegmentBytes >= 1024 else { throw ValidationError("--log-segment-bytes must be at least 1024") }
            configuration.logSegmentBytes = logSegmentBytes
        }
        if let name = authTokenEnvironmentVariable {
            let token = ProcessInfo.processInfo.environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !token.isEmpty else { throw ValidationError("--auth-token-env \(name): the variable is not set or empty") }
            configuration.bearerToken = token
        }
        let exporter = try Exporter(configuration: configuration)
        let group = ServiceGroup(
            services: [ExporterService(exporter: exporter, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

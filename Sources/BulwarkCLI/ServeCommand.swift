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

    @Option(name: .customLong("basic-auth-user"), help: "Basic-auth user required on /metrics, /alerts and /v1/events (with --basic-auth-password-env).")
    var basicAuthUser: String?

    @Option(name: .customLong("basic-auth-password-env"), help: "Environment variable holding the basic-auth password.")
    var basicAuthPasswordEnvironmentVariable: String?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate file; with --tls-key, serve HTTPS only.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key file (unencrypted) of --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("body-budget-bytes"), help: "Bytes of request bodies held at once across all requests; past it 503 (default 67108864).")
    var bodyBudgetBytes: Int?

    @Option(name: .customLong("per-ip-connection-limit"), help: "Connections open at once from one client address (default 256).")
    var perIPConnectionLimit: Int?

    @Option(name: .customLong("headers-timeout"), help: "Seconds a connection may take to send a request's headers (default 30).")
    var headersTimeout: Double?

    @Option(name: .customLong("daily-budget-usd"), help: "Daily budget published as llm_api_daily_budget_usd (default 50).")
    var dailyBudgetUSD: Double?

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "bulwark.serve")
        let file: BulwarkConfiguration
        do {
            file = try ConfigurationSource.load(path: config)
        } catch {
            throw ValidationError(error.description)
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
        configuration.statusPages = file.exporter.statusPages
        configuration.statusPollSeconds = file.exporter.statusPollSeconds
        if let logSegmentBytes {
            guard logSegmentBytes >= 1024 else { throw ValidationError("--log-segment-bytes must be at least 1024") }
            configuration.logSegmentBytes = logSegmentBytes
        }
        if let name = authTokenEnvironmentVariable ?? file.exporter.authTokenEnv {
            configuration.bearerToken = try Self.secret(named: name, flag: "--auth-token-env")
        }
        let basicUser = basicAuthUser ?? file.exporter.basicAuthUser
        let basicPasswordName = basicAuthPasswordEnvironmentVariable ?? file.exporter.basicAuthPasswordEnv
        switch (basicUser, basicPasswordName) {
        case (nil, nil):
            break
        case (let user?, let name?):
            guard !user.isEmpty, !user.contains(":") else { throw ValidationError("--basic-auth-user must be non-empty and hold no colon") }
            configuration.basicAuthUser = user
            configuration.basicAuthPassword = try Self.secret(named: name, flag: "--basic-auth-password-env")
        default:
            throw ValidationError("basic auth needs both --basic-auth-user and --basic-auth-password-env")
        }
        configuration.tlsCertificatePath = tlsCertificate ?? file.exporter.tlsCertificate
        configuration.tlsKeyPath = tlsKey ?? file.exporter.tlsKey
        if let bytes = bodyBudgetBytes ?? file.exporter.bodyBudgetBytes {
            guard bytes >= 1024 else { throw ValidationError("--body-budget-bytes must be at least 1024") }
            configuration.bodyBudgetBytes = bytes
        }
        if let limit = perIPConnectionLimit ?? file.exporter.perIPConnectionLimit {
            guard limit >= 1 else { throw ValidationError("--per-ip-connection-limit must be at least 1") }
            configuration.perIPConnectionLimit = limit
        }
        if let headersTimeout {
            guard headersTimeout > 0 else { throw ValidationError("--headers-timeout must be positive") }
            configuration.headersTimeoutSeconds = headersTimeout
        }
        let exporter: Exporter
        do {
            exporter = try Exporter(configuration: configuration)
        } catch let error as ExporterSetupError {
            throw ValidationError(error.message)
        }
        let group = ServiceGroup(
            services: [ExporterService(exporter: exporter, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }

    /// The trimmed value of the environment variable `name`; the error names the variable only when
    /// the name does not look like a pasted secret.
    private static func secret(named name: String, flag: String) throws -> String {
        let value = ProcessInfo.processInfo.environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard value.isEmpty else { return value }
        let looksLikeName = !name.isEmpty && name.count <= 64
            && name.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }
        let shown = looksLikeName ? " \(name)" : " (the value given is not an environment variable name; give the variable's name, not the secret)"
        throw ValidationError("\(flag)\(shown): the variable is not set or empty")
    }
}

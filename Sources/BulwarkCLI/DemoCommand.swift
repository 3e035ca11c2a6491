import ArgumentParser
import BulwarkCore
import BulwarkExporter
import Foundation
import Logging
import BulwarkSimulator
import Bulwark
import BulwarkRedis
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The embedded default: simulated providers with incidents, traffic through the resilient client, "
            + "/metrics and /alerts, JSON logs, live progress. No configuration, no API key.",
        discussion: """
            One process runs the provider simulator (openai, anthropic and google APIs on a loopback port), \
            the exporter (/metrics and /alerts on --listen, JSON-lines logs in --log-dir, the alert rules \
            evaluated in-process every 5 s), and a traffic driver that sends a mix of unary and streaming requests through the resilient \
            client, with openai as the primary and anthropic and google as fallbacks.

            The built-in scenario is a 240-second timeline that repeats: steady traffic; a 429 storm on openai \
            with Retry-After; an openai 5xx outage that opens its breaker and moves traffic to anthropic, then \
            recovers through half-open; a latency spike; streams that stall and break mid-way; all along, a \
            slow tail on openai that the client hedges to anthropic (hedges win and lose), and callers who give \
            up (3 % go away early, 10 % have an 8 s deadline), whose requests end cancelled. Spend climbs \
            all along and passes the demo's daily budget ($0.50 at the default rate) in the first cycle. \
            --print-scenario prints it as a file for --scenario.

            Ctrl-C (or SIGTERM, or the end of --duration) stops issuing requests, lets those in flight finish, \
            flushes the logs and prints a summary with a ground-truth check: the attempts the exporter recorded \
            (llm_api_calls_total by provider and status) against the requests the simulator received. With \
            --duration, a disagreement makes the exit status 1.
            """
    )

    @Option(help: "bulwark.yaml whose providers (kind, model, pricing, limits) and retry, circuit_breaker, outage, streaming and alerts sections replace the demo's; base URLs and keys still point at the simulator.")
    var config: String?

    @Option(help: "Address of the exporter (/metrics, /alerts), host:port; port 0 picks a free one.")
    var listen = ExporterConfiguration.defaultListen

    @Option(name: .customLong("simulator-listen"), help: "Address of the simulated providers, host:port; port 0 picks a free one.")
    var simulatorListen = "127.0.0.1:0"

    @Option(name: .customLong("log-dir"), help: "Directory of the JSON-lines event logs.")
    var logDirectory = "./bulwark-logs"

    @Flag(name: .customLong("no-logs"), help: "Do not write event logs.")
    var noLogs = false

    @Option(help: "Scenario file (YAML, or JSON when it ends in .json) replacing the built-in timeline.")
    var scenario: String?

    @Flag(name: .customLong("print-scenario"), help: "Print the built-in scenario as a scenario file and exit.")
    var printScenario = false

    @Option(help: "Seconds to send traffic, then stop and check the ground truth (default: until Ctrl-C).")
    var duration: Double?

    @Option(help: "Logical requests per second.")
    var rate = 5.0

    @Option(help: "Most requests in flight at once; a tick that finds that many is skipped and counted.")
    var concurrency = 128

    @Option(name: .customLong("stream-share"), help: "Share of the requests that stream, 0 to 1.")
    var streamShare = 0.4

    @Option(name: .customLong("time-scale"), help: "Multiply the scenario's phase times and cycle (and the breaker's recovery timeout) by this factor; 0.15 plays the built-in 240 s timeline in 36 s.")
    var timeScale = 1.0

    @Option(name: .customLong("daily-budget-usd"), help: "Daily budget published as llm_api_daily_budget_usd (default 0.50, or the config's alerts.daily_budget_usd).")
    var dailyBudgetUSD: Double?

    @Option(help: "Seed of the simulator's random choices (default: the scenario's).")
    var seed: UInt64?

    @Option(name: .customLong("progress-interval"), help: "Seconds between progress lines when the output is not a terminal.")
    var progressInterval = 10.0

    @Flag(help: "Plain progress lines even on a terminal.")
    var plain = false

    @Option(help: "Replicas of the client, 1 to 16. Above 1 the demo starts a redis-server (from PATH, on a free loopback port) and the replicas share one budget and breaker per provider through it; each sends --rate requests per second and serves its own /metrics (replica 1 on --listen, the others on the next ports).")
    var replicas = 1

    /// Longest wait for requests in flight at shutdown before they are cancelled.
    static let drainTimeout = 45.0

    func validate() throws {
        guard rate > 0, rate <= 1_000 else { throw ValidationError("--rate must be above 0 and at most 1000 requests per second") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard (0...1).contains(streamShare) else { throw ValidationError("--stream-share must be between 0 and 1") }
        guard timeScale > 0, timeScale.isFinite else { throw ValidationError("--time-scale must be a positive number") }
        if let duration { guard duration > 0, duration.isFinite else { throw ValidationError("--duration must be a positive number of seconds") } }
        if let dailyBudgetUSD { guard dailyBudgetUSD >= 0 else { throw ValidationError("--daily-budget-usd must not be negative") } }
        guard progressInterval > 0 else { throw ValidationError("--progress-interval must be positive") }
        guard DemoReplicas.range.contains(replicas) else {
            throw ValidationError("--replicas must be between \(DemoReplicas.range.lowerBound) and \(DemoReplicas.range.upperBound)")
        }
    }

    func run() async throws {
        if printScenario {
            DemoOutput.write(DemoScenario.yaml)
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var logger = Logger(label: "bulwark.demo")
        logger.logLevel = .warning

        let exporterAddress = try Self.address(listen, option: "--listen")
        let simulatorAddress = try Self.address(simulatorListen, option: "--simulator-listen")
        let script = DemoScenario.scaled(try loadScenario(), by: timeScale)
        var settings = try loadSettings()
        let budget = dailyBudgetUSD ?? settings.alerts.dailyBudgetUSD
        // Replicas share a Redis of their own, stopped when the demo ends.
        var redis: LocalRedisServer?
        if replicas > 1 {
            do {
                redis = try await LocalRedisServer.start()
            } catch {
                throw Self.failure("--replicas \(replicas) needs redis-server: \(error)")
            }
            settings = DemoReplicas.sharedSettings(settings, redisURL: redis?.url ?? "", scenario: script)
        }
        defer { redis?.stop() }

        let simulator = ProviderSimulator(scenario: script, seed: seed)
        do {
            try simulator.start(host: simulatorAddress.host, port: simulatorAddress.port)
        } catch {
            throw Self.failure("cannot start the simulator on \(simulatorListen): \(error)")
        }
        var exporterConfiguration = ExporterConfiguration(host: exporterAddress.host, port: exporterAddress.port)
        exporterConfiguration.logDirectory = noLogs ? nil : logDirectory
        exporterConfiguration.dailyBudgetUSD = budget
        // The guide's thresholds and windows (or the config's), evaluated every 5 s unless the config says
        // otherwise, so that the progress follows the incidents.
        exporterConfiguration.alerts = settings.alerts.evaluatorConfiguration
        if settings.alerts.evaluationIntervalSeconds == nil { exporterConfiguration.alerts.evaluationIntervalSeconds = 5 }
        exporterConfiguration.alertmanagerURL = settings.alerts.alertmanagerURL
        // Each run tells its own story: no alert windows replayed from an earlier run's logs.
        exporterConfiguration.replayLogsOnStart = false
        // The exporter watches the simulator's own status pages, which follow the scenario's phases.
        exporterConfiguration.statusPages = DemoSetup.statusPages(settings, simulatorURL: simulator.baseURL)
        exporterConfiguration.statusPollSeconds = max(1, 5 * timeScale)
        var exporters: [Exporter] = []
        do {
            for number in 1...replicas {
                let configuration =
                    number == 1 ? exporterConfiguration : DemoReplicas.exporterConfiguration(exporterConfiguration, number: number)
                let exporter = try Exporter(configuration: configuration, logger: DemoSetup.exporterLogger())
                try exporter.start()
                exporters.append(exporter)
            }
        } catch {
            for exporter in exporters { await exporter.stop() }
            await simulator.stop()
            throw Self.failure("cannot start the exporter\(exporters.isEmpty ? "" : " of replica \(exporters.count + 1)") on \(listen): \(error)")
        }
        let exporter = exporters[0]

        settings = DemoSetup.pointedAtSimulator(settings, simulatorURL: simulator.baseURL)
        // Every simulated provider is one host here, so the pool holds a connection for each attempt that
        // may be in flight (a request and its hedge, per replica): an attempt cancelled while it waited for a
        // pooled connection never reached the simulator, and the ground truth could not count it.
        let transport = AsyncHTTPClientTransport(maxConnectionsPerHost: replicas * (2 * concurrency + 16))
        let trafficSettings = DemoTraffic.Settings(
            rate: rate, concurrency: concurrency, streamShare: streamShare, duration: duration,
            drainTimeout: Self.drainTimeout)
        var replicaSet: [DemoReplica] = []
        do {
            for (index, replicaExporter) in exporters.enumerated() {
                let shared = try SharedStateSetup.store(for: settings)
                let replicaClient = try ResilientClient(
                    configuration: settings, environment: DemoSetup.environment(for: settings, vertexToken: simulator.issueVertexAccessToken()), transport: transport,
                    recorder: replicaExporter.recorder, sharedState: shared)
                replicaSet.append(DemoReplica(
                    number: index + 1, exporter: replicaExporter, client: replicaClient, store: shared,
                    traffic: DemoTraffic(client: replicaClient, settings: trafficSettings)))
            }
        } catch {
            for replica in replicaSet { replica.store?.shutdown() }
            await transport.shutdown()
            for exporter in exporters { await exporter.stop() }
            await simulator.stop()
            throw Self.failure("\(error)")
        }
        let client = replicaSet[0].client

        let host = Self.displayHost(exporterConfiguration.host)
        let exporterBase = "http://\(host):\(exporter.port)"
        let traffic = replicaSet[0].traffic
        let logFile = exporterConfiguration.logDirectory.map { ($0 as NSString).appendingPathComponent("api-calls.jsonl") }
        let mode: DemoProgress.Mode =
            DemoOutput.isTerminal && !plain
            ? .terminal(color: ProcessInfo.processInfo.environment["NO_COLOR"] == nil) : .plain(interval: progressInterval)

        printHeader(
            script: script, settings: settings, simulator: simulator, exporterBase: exporterBase, logFile: logFile,
            budget: budget)
        if let redis {
            var lines = ["replicas: \(replicas), sharing \(redis.url) (progress below is replica 1's)"]
            for replica in replicaSet.dropFirst() {
                lines.append("replica \(replica.number) metrics: http://\(host):\(replica.exporter.port)/metrics")
            }
            DemoOutput.write(lines.joined(separator: "\n") + "\n\n")
        }

        // The timeline starts with the traffic.
        simulator.reset()
        let events = DemoEventLog(start: .now)
        let context = DemoContext(
            exporter: exporter, client: client, traffic: traffic, scenario: script, events: events, metricsURL: exporterBase + "/metrics", alertsURL: exporterBase + "/alerts",
            logFile: logFile)
        var groupConfiguration = ServiceGroupConfiguration(
            services: exporters.map { .init(service: DemoExporterService(exporter: $0)) } + [
                .init(service: DemoSimulatorService(simulator: simulator)),
                .init(service: DemoProgress(context: context, mode: mode)),
                .init(
                    service: replicaSet.count == 1 ? traffic : DemoReplicaTraffic(traffic: replicaSet.map(\.traffic)),
                    successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(Self.drainTimeout + 30)
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            await transport.shutdown()
            throw Self.failure("stopped: \(error)")
        }
        await transport.shutdown()

        for replica in replicaSet { replica.store?.shutdown() }

        let final = context.snapshot()
        var summary = Self.summary(final, events: events)
        var calls = final.calls
        var cancelledCalls = final.cancelledCalls
        if let redis {
            let replicaReads = replicaSet.map(DemoReplicas.read)
            calls = replicaReads.reduce(into: [:]) { sum, read in sum.merge(read.snapshot.calls, uniquingKeysWith: +) }
            cancelledCalls = replicaReads.reduce(into: [:]) { sum, read in sum.merge(read.snapshot.cancelledCalls, uniquingKeysWith: +) }
            summary += "(requests, attempts and spend above: replica 1)\n" + DemoReplicas.summary(
                replicaReads, settings: settings, stats: simulator.stats(), quotaUsed: await DemoReplicas.quotaUsed(settings),
                redisURL: redis.url)
        }
        let truth = DemoGroundTruth(calls: calls, cancelledCalls: cancelledCalls, providers: settings.providers, stats: simulator.stats())
        DemoOutput.write(summary + truth.report)
        if duration != nil, !truth.agrees { throw ExitCode(1) }
    }

    // MARK: - Parts

    private func loadScenario() throws -> Scenario {
        do {
            if let scenario { return try Scenario.load(path: scenario) }
            return try DemoScenario.builtIn()
        } catch {
            throw ValidationError(error.description)
        }
    }

    private func loadSettings() throws -> BulwarkConfiguration {
        let settings: BulwarkConfiguration
        do {
            settings = try ConfigurationSource.load(path: config, fallback: DemoSetup.builtInSettings(timeScale: timeScale))
        } catch {
            throw ValidationError(error.description)
        }
        guard !settings.providers.isEmpty else { throw ValidationError("\(config ?? "the built-in demo"): no provider is configured") }
        return settings
    }

    private func printHeader(
        script: Scenario, settings: BulwarkConfiguration, simulator: ProviderSimulator, exporterBase: String,
        logFile: String?, budget: Double
    ) {
        let timeline = script.cycleSeconds.map { String(format: "%.0f s timeline, repeating", $0) } ?? "timeline runs once"
        let chain = settings.providers.map { "\($0.name) (\($0.model))" }.joined(separator: " -> ")
        var lines = [
            "bulwark demo: scenario \(script.name ?? scenario ?? "unnamed") (\(timeline)), seed \(simulator.seed)",
            String(format: "traffic: %.1f requests/s, %.0f %% streamed, at most %d in flight", rate, streamShare * 100, concurrency)
                + (duration.map { String(format: ", for %.0f s", $0) } ?? ", until Ctrl-C"),
            "chain: \(chain)",
            "simulator: \(simulator.baseURL)",
            "metrics: \(exporterBase)/metrics",
            "alerts: \(exporterBase)/alerts",
            "logs: " + (logFile ?? "off"),
        ]
        lines.append(String(format: "daily budget: $%.2f", budget))
        DemoOutput.write(lines.joined(separator: "\n") + "\n\n")
    }

    static func summary(_ snapshot: DemoSnapshot, events: DemoEventLog) -> String {
        let traffic = snapshot.traffic
        var lines = ["", "bulwark demo: stopped after \(DemoFormat.clock(snapshot.elapsed))"]
        var requests = "requests: \(DemoFormat.count(snapshot.totalRequests)) (success \(DemoFormat.count(snapshot.requests[.success] ?? 0)), "
            + "fallback \(DemoFormat.count(snapshot.requests[.fallback] ?? 0)), failed \(DemoFormat.count(snapshot.requests[.failed] ?? 0)), "
            + "cancelled by their callers \(DemoFormat.count(snapshot.requests[.cancelled] ?? 0)))"
        if !traffic.failures.isEmpty {
            requests += "; failures by last error: " + traffic.failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        lines.append(requests)
        lines.append(
            "attempts: \(DemoFormat.count(snapshot.attempts)), retries \(DemoFormat.count(snapshot.retries)), "
                + "fallback moves \(DemoFormat.count(snapshot.fallbackMoves))"
                + (traffic.skipped > 0 ? ", ticks skipped at the concurrency limit \(traffic.skipped)" : ""))
        lines.append(
            "hedges: \(DemoFormat.count(snapshot.hedges.values.reduce(0, +))) (won \(DemoFormat.count(snapshot.hedges["won"] ?? 0)), "
                + "lost \(DemoFormat.count(snapshot.hedges["lost"] ?? 0)))")
        let answered = traffic.answeredBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("answered by: " + (answered.isEmpty ? "none" : answered))
        if traffic.cancelled > 0 {
            lines.append("cancelled at shutdown: \(traffic.cancelled) request(s) still in flight after \(Int(drainTimeout)) s")
        }
        lines.append("spend: " + DemoProgressText.spendText(snapshot, paint: Paint(enabled: false)))
        let fired = events.firedAlerts
        lines.append("alerts fired: " + (fired.isEmpty ? "none" : fired.joined(separator: ", ")))
        return lines.joined(separator: "\n") + "\n"
    }

    static func address(_ text: String, option: String) throws -> (host: String, port: Int) {
        do {
            return try ExporterConfiguration.parseListen(text)
        } catch {
            throw ValidationError("\(option): \(error)")
        }
    }

    /// The host to put in URLs: loopback for a wildcard bind.
    static func displayHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::": return "[::1]"
        default: return host.contains(":") ? "[\(host)]" : host
        }
    }

    static func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("bulwark demo: \(message)\n".utf8))
        return ExitCode(2)
    }
}

import ArgumentParser
import Bulwark
import BulwarkCore
import BulwarkExporter
import BulwarkLogs
import BulwarkRedis
import Foundation
import Logging
import ServiceLifecycle

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Drive traffic through the configured chain (real providers or `bulwark simulate`) and print one JSON summary.",
        discussion: """
            Starts --rate logical requests per second for --duration seconds (open loop: each request has \
            its own arrival time), at most --concurrency at once; a request that finds no free slot waits, \
            and the wait counts in its latency. --caller-timeout-ms cancels each request its caller has \
            waited on that long, as a web request that times out would. --listen serves /metrics meanwhile; \
            --log-dir writes every attempt to JSON-lines logs.

            At the end it prints on stdout one JSON object: requests, outcomes {success, fallback, failed, \
            cancelled} and attempts (as the client recorded them), attempts_by_status, hedges, latency_ms \
            {p50, p90, p99, max} of logical requests as their callers saw them (log buckets, within 1 %), \
            duration_s, throughput_rps, caller_timeouts and waited_for_slot. Ctrl-C stops new requests and \
            prints the summary of those started. Bad flags or configuration: every problem in one error, exit 2.
            """
    )

    @Option(help: "The configuration file (its providers, with keys from their environment variables).")
    var config = "bulwark.yaml"

    @Option(help: "Logical requests per second (above 0, at most 10000). Required.")
    var rate: String?

    @Option(help: "Seconds to start requests for. Required.")
    var duration: String?

    @Option(help: "Most requests in flight at once (default 256).")
    var concurrency: String?

    @Option(name: .customLong("stream-share"), help: "Share of the requests that stream, 0 to 1 (default 0).")
    var streamShare: String?

    @Option(name: .customLong("caller-timeout-ms"), help: "Cancel each request its caller has waited on this many milliseconds.")
    var callerTimeoutMs: String?

    @Option(help: "Serve /metrics on this address, host:port (port 0 picks a free one), during the run.")
    var listen: String?

    @Option(name: .customLong("log-dir"), help: "Write every attempt to the JSON-lines logs in DIR.")
    var logDirectory: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var problems: [String] = []
        var options: LoadOptions?
        do {
            options = try LoadOptions.parse(
                rate: rate, duration: duration, concurrency: concurrency, streamShare: streamShare,
                callerTimeoutMs: callerTimeoutMs, listen: listen)
        } catch {
            problems += error.problems
        }
        var settings: BulwarkConfiguration?
        do {
            settings = try ConfigurationSource.load(path: config)
        } catch {
            problems.append("\(error)")
        }
        guard problems.isEmpty, let options, let settings else { throw Self.failure(problems.joined(separator: "\n")) }

        let counts = LoadRecorder()
        var recorders: [any MetricsRecorder] = [counts, KeyReloadReporter(command: "load")]
        var exporter: Exporter?
        var sink: JSONLinesLogSink?
        if let address = options.listen {
            var configuration = ExporterConfiguration(host: address.host, port: address.port)
            configuration.logDirectory = logDirectory
            configuration.dailyBudgetUSD = settings.alerts.dailyBudgetUSD
            configuration.alerts = settings.alerts.evaluatorConfiguration
            configuration.replayLogsOnStart = false
            do {
                let started = try Exporter(configuration: configuration)
                try started.start()
                exporter = started
            } catch {
                throw Self.failure("cannot start the exporter on \(listen ?? ""): \(error)")
            }
            recorders.append(exporter!.recorder)
            FileHandle.standardError.write(Data(
                "bulwark load: /metrics on http://\(DemoCommand.displayHost(address.host)):\(exporter!.port)/metrics\n".utf8))
        } else if let logDirectory {
            do {
                sink = try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: logDirectory))
            } catch {
                throw Self.failure("cannot open the log directory \(logDirectory): \(error)")
            }
            recorders.append(sink!)
        }

        let transport = AsyncHTTPClientTransport(
            connectTimeout: .seconds(10), maxConnectionsPerHost: min(options.concurrency, 1_024))
        let client: ResilientClient
        let shared: RedisSharedStateStore?
        do {
            shared = try SharedStateSetup.store(for: settings)
        } catch {
            await transport.shutdown()
            await exporter?.stop()
            sink?.close()
            throw Self.failure("shared_state.redis_url: \(error)")
        }
        defer { shared?.shutdown() }
        do {
            client = try ResilientClient(
                configuration: settings, environment: ProcessInfo.processInfo.environment, transport: transport,
                recorder: MultiplexRecorder(recorders), sharedState: shared)
        } catch {
            await transport.shutdown()
            await exporter?.stop()
            sink?.close()
            throw Self.failure(error.description)
        }

        let hangup = KeyReloadSignal.install(for: client, command: "load")
        defer { hangup.cancel() }
        let driver = LoadDriver(client: client, options: options)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: driver, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: Logger(label: "bulwark.load")))
        do {
            try await group.run()
        } catch {
            FileHandle.standardError.write(Data("bulwark load: stopped: \(error)\n".utf8))
        }
        await transport.shutdown()
        sink?.close()
        await exporter?.stop()
        print(LoadSummary(caller: driver.callerView, counts: counts.snapshot).json)
    }

    static func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("bulwark load: \(message)\n".utf8))
        return ExitCode(2)
    }
}

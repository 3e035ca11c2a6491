public import BulwarkCore
public import BulwarkPrometheus
public import BulwarkAlerts
public import BulwarkLogs
import BulwarkHTTPServer
import Foundation
public import Logging
import Synchronization

/// The exporter service: serves the registry at `/metrics`, ingests events at `/v1/events`, and
/// writes every event, in-process or posted, to the JSON-lines log; with
/// ``ExporterConfiguration/statusPages`` it also polls the providers' status pages (``StatusPagePoller``).
public final class Exporter: Sendable {
    /// The configuration it was started with.
    public let configuration: ExporterConfiguration
    /// The registry behind `/metrics`.
    public let registry: MetricsRegistry
    /// The log sink, when logging is on.
    public let logSink: JSONLinesLogSink?
    /// Records in-process events into the registry and the log (hand this to the resilient client).
    public let recorder: any MetricsRecorder
    /// The in-process alert evaluator behind `/alerts` and `llm_api_alert_firing`.
    public let evaluator: AlertEvaluator
    private let server: HTTPServer
    private let replayProgress: ReplayProgress
    private let pusher: AlertmanagerPusher?
    private let evaluation = Mutex<Task<Void, Never>?>(nil)
    /// Watches `statusPages`, when any is configured.
    public let statusPages: StatusPagePoller?
    private let statusPolling = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger

    /// Creates the exporter, opening its log directory; call ``start()`` to serve.
    ///
    /// - Parameter logger: receives problems that do not stop the service (a failed Alertmanager push, a
    ///   warning) and the outcome of the start-up replay (info). The application's bootstrap of swift-log
    ///   decides where they go.
    public init(configuration: ExporterConfiguration, logger: Logger = Logger(label: "bulwark.exporter")) throws {
        self.configuration = configuration
        let registry = MetricsRegistry(configuration: .init(
            maxProviders: configuration.registry.maxProviders, maxModels: configuration.registry.maxModels,
            maxSeries: configuration.registry.maxSeries))
        if let budget = configuration.dailyBudgetUSD { registry.setDailyBudget(usd: budget) }
        self.registry = registry
        if let directory = configuration.logDirectory {
            var sinkConfiguration = LogSinkConfiguration(directory: directory)
            if let bytes = configuration.logSegmentBytes { sinkConfiguration.maxSegmentBytes = bytes }
            logSink = try JSONLinesLogSink(configuration: sinkConfiguration)
        } else {
            logSink = nil
        }
        recorder = MultiplexRecorder([registry] + (logSink.map { [$0] } ?? []))
        evaluator = AlertEvaluator(registry: registry, configuration: configuration.alerts)
        self.logger = logger
        if let url = configuration.alertmanagerURL {
            guard let pusher = AlertmanagerPusher(baseURL: url, logger: logger) else {
                throw ListenAddressError(text: url, reason: "the Alertmanager URL must be http(s)://host:port")
            }
            self.pusher = pusher
        } else {
            pusher = nil
        }
        statusPages = try Self.statusPagePoller(configuration, registry: registry, log: { [logger] line in logger.warning("\(line)") })
        let routes = ExporterRoutes(configuration: configuration, registry: registry, logSink: logSink, evaluator: evaluator)
        replayProgress = routes.replayProgress
        server = HTTPServer(configuration: try Self.serverConfiguration(configuration), router: routes.router())
        routes.serverMetrics.attach(server)
    }

    /// The bound port (useful when the configuration asked for port 0).
    public var port: Int { server.port }

    /// Starts serving, replays the logged alert windows on a thread of its own while `/healthz`,
    /// `/metrics` and ingestion are already answered, then starts evaluating alerts; throws a clear
    /// error when the address cannot be bound.
    public func start() throws {
        try server.start()
        if let poller = statusPages {
            statusPolling.withLock { task in
                if task == nil { task = Task { await poller.run() } }
            }
        }
        guard configuration.replayLogsOnStart, let directory = configuration.logDirectory else {
            startEvaluating()
            return
        }
        let openedAt = Date().timeIntervalSince1970
        replayProgress.begin()
        Thread.detachNewThread { [self] in
            let outcome = replayAlertWindows(from: directory, endingAt: openedAt)
            replayProgress.end()
            startEvaluating()
            switch outcome {
            case .success(let message): logger.info("\(message)")
            case .failure(let message): logger.error("\(message)")
            }
        }
    }

    /// Whether the start-up replay is over and alerts are being evaluated.
    public var isEvaluating: Bool { evaluation.withLock { $0 != nil } }

    /// What the HTTP server has refused or cut so far (body budget, deadlines).
    var serverStatistics: HTTPServer.Statistics { server.statistics }

    private func startEvaluating() {
        let evaluator = self.evaluator
        let pusher = self.pusher
        let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
        let generatorURL = "\(scheme)://\(configuration.host):\(server.port)/alerts"
        evaluation.withLock { task in
            guard task == nil else { return }
            task = Task {
                await evaluator.run { _ in
                    guard let pusher else { return }
                    let alerts = evaluator.alertmanagerAlerts(generatorURL: generatorURL)
                    if !alerts.isEmpty { await pusher.push(AlertJSON.alertmanager(alerts)) }
                }
            }
        }
    }

    /// Stops evaluating and serving (letting requests in flight finish), then flushes and closes the log.
    public func stop() async {
        evaluation.withLock { $0?.cancel() }
        statusPolling.withLock { $0?.cancel() }
        await server.stop()
        logSink?.close()
    }

    /// The HTTP server's settings from the exporter's: limits, deadlines and the TLS files' contents.
    static func serverConfiguration(_ configuration: ExporterConfiguration) throws -> HTTPServer.Configuration {
        var server = HTTPServer.Configuration(
            host: configuration.host, port: configuration.port, maxBodyBytes: configuration.maxBodyBytes)
        server.bodyBudgetBytes = max(configuration.maxBodyBytes, configuration.bodyBudgetBytes)
        server.perIPConnectionLimit = configuration.perIPConnectionLimit
        server.connectionLimit = configuration.connectionLimit
        server.headersTimeout = configuration.headersTimeoutSeconds > 0
            ? .milliseconds(Int64(configuration.headersTimeoutSeconds * 1000)) : nil
        server.requestTimeout = configuration.requestTimeoutSeconds > 0
            ? .milliseconds(Int64(configuration.requestTimeoutSeconds * 1000)) : nil
        switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
        case (nil, nil):
            break
        case (let certificate?, let key?):
            server.tls = HTTPServer.TLSCredentials(
                certificatePEM: try readPEM(certificate, what: "TLS certificate"),
                privateKeyPEM: try readPEM(key, what: "TLS key"))
        default:
            throw ExporterSetupError(message: "TLS needs both a certificate and a key (--tls-cert and --tls-key)")
        }
        return server
    }

    private static func readPEM(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExporterSetupError(message: "cannot read the \(what) file \(path)")
        }
        guard data.count <= 1024 * 1024, let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN ") else {
            throw ExporterSetupError(message: "the \(what) file \(path) is not PEM text")
        }
        return text
    }

    /// Replays the logged events of the alert windows and says how it went, in one line. Events that
    /// ended after `openedAt` were posted while the replay ran; the registry counts them already, so
    /// they are skipped here.
    private func replayAlertWindows(from directory: String, endingAt openedAt: Double) -> ReplayOutcome {
        let since = openedAt - evaluator.replayHorizonSeconds
        let started = ContinuousClock.now
        var replayed = 0
        do {
            _ = try evaluator.replay(now: openedAt) { add in
                _ = try LogReader(directory: directory).forEachEvent(since: since) { event in
                    guard event.timestamp + max(0, event.latencyMs) / 1000 <= openedAt else { return }
                    replayed += 1
                    add(event)
                }
            }
            return .success("alert windows replayed: \(replayed) logged events in \(started.duration(to: .now))")
        } catch {
            return .failure("alert replay from \(directory) failed: \(error)")
        }
    }

    /// How the start-up replay went, in one line.
    private enum ReplayOutcome {
        case success(String)
        case failure(String)
    }

}

/// The handlers behind the exporter's routes.
final class ExporterRoutes: Sendable {
    let configuration: ExporterConfiguration
    let registry: MetricsRegistry
    let logSink: JSONLinesLogSink?
    let evaluator: AlertEvaluator
    private let processMetrics = ProcessMetrics()
    private let postedState: PostedEventState
    /// Whether the start-up replay is still running (shown by `/healthz`, which answers all along).
    let replayProgress = ReplayProgress()
    /// The HTTP server's refusals and bytes in flight, once the exporter attaches its server.
    let serverMetrics = HTTPServerMetrics()
    private let registryCreated = Date().timeIntervalSince1970

    init(configuration: ExporterConfiguration, registry: MetricsRegistry, logSink: JSONLinesLogSink?, evaluator: AlertEvaluator) {
        self.configuration = configuration
        self.registry = registry
        self.logSink = logSink
        self.evaluator = evaluator
        postedState = PostedEventState(maxProviders: configuration.registry.maxProviders)
    }

    func router() -> Router {
        var router = Router()
        router.get("/metrics") { [self] request in metrics(request) }
        router.get("/alerts") { [self] _ in .json(evaluator.prometheusAlertsJSON()) }
        router.get("/healthz") { [replayProgress] _ in
            HTTPResponse.text(replayProgress.isReplaying ? "ok (replaying the alert windows from the logs)\n" : "ok\n")
        }
        router.get("/") { [self] _ in index() }
        router.post("/v1/events") { [self] request in ingest(request) }
        router.get("/v1/events/schema") { _ in HTTPResponse.json(APICallMetric.jsonSchema) }
        let authorization = ExporterAuthorization(
            bearerToken: configuration.bearerToken,
            basicUser: configuration.basicAuthUser,
            basicPassword: configuration.basicAuthPassword)
        router.admission = { request in
            Self.admit(request, authorization: authorization)
        }
        return router
    }

    /// Runs on the headers, before any body byte: `401` for a protected route without valid
    /// credentials, and no body at all for the unprotected `GET` routes.
    static func admit(_ request: HTTPRequest, authorization: ExporterAuthorization) -> HTTPResponse? {
        let isOpen = request.path == "/healthz" || request.path == "/"
        if isOpen {
            let length = request.headers["content-length"].flatMap { Int($0) } ?? 0
            if length > 0 || request.headers.contains("transfer-encoding") {
                return .json("{\"error\":\"bad_request\",\"message\":\"\(request.path) takes no body\"}", status: 400)
            }
            return nil
        }
        return authorization.admits(request.headers["authorization"]) ? nil : authorization.challenge()
    }

    func collectExtraFamilies() -> [CollectedFamily] {
        var families = processMetrics.collect()
        let created = registryCreated
        families += serverMetrics.collect(created: created)
        families.append(CollectedFamily(
            descriptor: MetricCatalog.logEventsWritten, samples: [.init(value: Double(logSink?.eventsWritten ?? 0))],
            created: created))
        families.append(CollectedFamily(
            descriptor: MetricCatalog.logEventsDropped, samples: [.init(value: Double(logSink?.eventsDropped ?? 0))],
            created: created))
        families.append(CollectedFamily(
            descriptor: MetricCatalog.logBytesWritten, samples: [.init(value: Double(logSink?.bytesWritten ?? 0))],
            created: created))
        return families
    }

    private func metrics(_ request: HTTPRequest) -> HTTPResponse {
        let format = ExpositionFormat.negotiate(accept: request.headers["accept"])
        let body: [UInt8]
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: format.contentType)
        headers.add(name: "Vary", value: "Accept, Accept-Encoding")
        if Self.acceptsGzip(request.headers["accept-encoding"]) {
            // Compressed chunk by chunk as the render writes it: the uncompressed exposition is never whole.
            let gzip = GzipStream(level: 1)
            registry.render(format: format, extra: collectExtraFamilies(), chunkSize: 64 << 10) { gzip.write($0) }
            body = gzip.finish()
            headers.add(name: "Content-Encoding", value: "gzip")
        } else {
            body = registry.render(format: format, extra: collectExtraFamilies())
        }
        return HTTPResponse(status: 200, headers: headers, body: .bytes(body))
    }

    /// Whether an `Accept-Encoding` header allows gzip (listed, or `*`, with a non-zero quality).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return true }
        }
        return false
    }

    private func ingest(_ request: HTTPRequest) -> HTTPResponse {
        guard let framing = EventBatchFraming(contentType: request.headers["content-type"]) else {
            registry.recordRejected(reason: "unsupported_media_type")
            let given = EventValidationError.quoted(request.headers["content-type"] ?? "none")
            return .json(
                errorBody("unsupported_media_type", "Content-Type \(given) is not accepted; send \(EventBatchFraming.acceptedMediaTypes)"),
                status: 415)
        }
        let events: [APICallMetric]
        do {
            events = try EventBatchDecoder.decode(request.body, framing: framing, maxEvents: configuration.maxEventsPerRequest)
        } catch {
            registry.recordRejected(reason: error.reason.rawValue, count: max(1, error.eventCount))
            var fields: [(String, String?)] = [("error", error.reason.rawValue), ("message", error.description)]
            fields.append(("field", error.field))
            var body = "{" + fields.map { "\(jsonString($0.0)):\($0.1.map(jsonString) ?? "null")" }.joined(separator: ",")
            body += ",\"line\":\(error.line.map(String.init) ?? "null"),\"index\":\(error.index.map(String.init) ?? "null")}"
            let status = error.reason == .tooManyEvents ? 413 : 400
            return .json(body, status: status)
        }
        registry.record(events, source: .http)
        for event in postedState.clientEvents(for: events) { registry.record(event) }
        if let logSink { for event in events { logSink.record(event) } }
        return .json("{\"accepted\":\(events.count)}", status: 202)
    }

    private func errorBody(_ code: String, _ message: String) -> String {
        "{\"error\":\(jsonString(code)),\"message\":\(jsonString(message))}"
    }

    private func jsonString(_ text: String) -> String { JSONText.quoted(text) }

    private func index() -> HTTPResponse {
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Bulwark exporter</title></head>
            <body><h1>Bulwark exporter</h1><ul>
            <li><a href="/metrics">/metrics</a> (Prometheus text; OpenMetrics on request)</li>
            <li><a href="/alerts">/alerts</a> (in-process alert states)</li>
            <li><a href="/healthz">/healthz</a></li>
            <li><a href="/v1/events/schema">/v1/events/schema</a> (JSON Schema of the events POST /v1/events accepts)</li>
            <li>POST /v1/events (APICallMetric JSON, array or NDJSON)</li>
            </ul></body></html>

            """
        return .html(html)
    }
}

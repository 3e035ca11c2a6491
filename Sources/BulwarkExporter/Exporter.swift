public import BulwarkCore
public import BulwarkPrometheus
public import BulwarkAlerts
public import BulwarkLogs
import BulwarkHTTPServer
import Foundation
import Synchronization

/// The exporter service: serves the registry at `/metrics`, ingests events at `/v1/events`, and
/// writes every event, in-process or posted, to the JSON-lines log.
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
    private let pusher: AlertmanagerPusher?
    private let evaluation = Mutex<Task<Void, Never>?>(nil)
    private let diagnostics: @Sendable (String) -> Void

    /// Creates the exporter, opening its log directory; call ``start()`` to serve.
    ///
    /// - Parameter diagnostics: receives problems that do not stop the service (a failed Alertmanager push).
    public init(
        configuration: ExporterConfiguration,
        diagnostics: @escaping @Sendable (String) -> Void = Exporter.writeToStandardError
    ) throws {
        self.configuration = configuration
        let registry = MetricsRegistry(configuration: .init(
            maxProviders: configuration.registry.maxProviders, maxModels: configuration.registry.maxModels))
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
        self.diagnostics = diagnostics
        if let url = configuration.alertmanagerURL {
            guard let pusher = AlertmanagerPusher(baseURL: url, onFailure: diagnostics) else {
                throw ListenAddressError(text: url, reason: "the Alertmanager URL must be http(s)://host:port")
            }
            self.pusher = pusher
        } else {
            pusher = nil
        }
        let routes = ExporterRoutes(configuration: configuration, registry: registry, logSink: logSink, evaluator: evaluator)
        server = HTTPServer(
            configuration: .init(host: configuration.host, port: configuration.port, maxBodyBytes: configuration.maxBodyBytes),
            router: routes.router())
    }

    /// Writes a diagnostic line to standard error.
    @Sendable public static func writeToStandardError(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// The bound port (useful when the configuration asked for port 0).
    public var port: Int { server.port }

    /// Replays the logged alert windows, starts serving and starts evaluating alerts; throws a clear
    /// error when the address cannot be bound.
    public func start() throws {
        if configuration.replayLogsOnStart, let directory = configuration.logDirectory {
            replayAlertWindows(from: directory)
        }
        try server.start()
        let evaluator = self.evaluator
        let pusher = self.pusher
        let generatorURL = "http://\(configuration.host):\(server.port)/alerts"
        evaluation.withLock { task in
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
        await server.stop()
        logSink?.close()
    }

    private func replayAlertWindows(from directory: String) {
        let since = Date().timeIntervalSince1970 - evaluator.replayHorizonSeconds
        do {
            _ = try evaluator.replay { add in
                _ = try LogReader(directory: directory).forEachEvent(since: since) { add($0) }
            }
        } catch {
            diagnostics("alert replay from \(directory) failed: \(error)")
        }
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
        router.get("/metrics") { [self] request in authorized(request) ?? metrics(request) }
        router.get("/alerts") { [self] request in authorized(request) ?? .json(evaluator.prometheusAlertsJSON()) }
        router.get("/healthz") { _ in HTTPResponse.text("ok\n") }
        router.get("/") { [self] _ in index() }
        router.post("/v1/events") { [self] request in authorized(request) ?? ingest(request) }
        router.get("/v1/events/schema") { _ in HTTPResponse.json(APICallMetric.jsonSchema) }
        return router
    }

    /// `401` when a bearer token is configured and the request does not carry it; `nil` otherwise.
    private func authorized(_ request: HTTPRequest) -> HTTPResponse? {
        guard let token = configuration.bearerToken else { return nil }
        let given = request.headers["authorization"] ?? ""
        if constantTimeEquals(Array(given.utf8), Array("Bearer \(token)".utf8)) { return nil }
        var response = HTTPResponse.json(errorBody("unauthorized", "a bearer token is required"), status: 401)
        response.headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"bulwark\"")
        return response
    }

    private func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    func collectExtraFamilies() -> [CollectedFamily] {
        var families = processMetrics.collect()
        let created = registryCreated
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
        var body = registry.render(format: format, extra: collectExtraFamilies())
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: format.contentType)
        headers.add(name: "Vary", value: "Accept, Accept-Encoding")
        if Self.acceptsGzip(request.headers["accept-encoding"]) {
            body = Gzip.compress(body, level: 1)
            headers.add(name: "Content-Encoding", value: "gzip")
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
            let given = request.headers["content-type"] ?? "none"
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

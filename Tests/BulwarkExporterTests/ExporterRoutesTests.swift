import BulwarkCore
import BulwarkPrometheus
import BulwarkAlerts
import BulwarkLogs
import BulwarkHTTPServer
import Testing
@testable import BulwarkExporter

/// The exporter's routes, called in-process through the router (the end-to-end tests cover the wire).
@Suite struct ExporterRoutesTests {
    static func routes(token: String? = nil) -> (ExporterRoutes, Router) {
        let configuration = ExporterConfiguration(logDirectory: nil, bearerToken: token)
        let registry = MetricsRegistry()
        let routes = ExporterRoutes(
            configuration: configuration, registry: registry, logSink: nil,
            evaluator: AlertEvaluator(registry: registry))
        return (routes, routes.router())
    }

    static func post(_ body: String, contentType: String = "application/json") -> HTTPRequest {
        HTTPRequest(method: "POST", path: "/v1/events", headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(body.utf8))
    }

    static let event = #"{"timestamp":1,"provider":"openai","model":"gpt-4o","status_code":200,"latency_ms":12}"#

    @Test func ingestsAWholeBatchOrNothingOfIt() async {
        let (routes, router) = Self.routes()
        let rejected = await router.response(for: Self.post("[\(Self.event),{\"timestamp\":1}]"))
        #expect(rejected.status == 400)
        #expect(routes.registry.value(MetricCatalog.calls) == nil)
        #expect(routes.registry.value(MetricCatalog.eventsRejected, labels: ["reason": "invalid_event"]) == 2)
        let accepted = await router.response(for: Self.post("[\(Self.event),\(Self.event)]"))
        #expect(accepted.status == 202)
        #expect(routes.registry.value(MetricCatalog.calls) == 2)
        #expect(routes.registry.value(MetricCatalog.eventsIngested, labels: ["source": "http"]) == 2)
    }

    @Test func refusesOtherContentTypesWith415() async {
        let (_, router) = Self.routes()
        #expect(await router.response(for: Self.post(Self.event, contentType: "text/csv")).status == 415)
        #expect(await router.response(for: Self.post(Self.event, contentType: "application/x-ndjson; charset=utf-8")).status == 202)
    }

    @Test func negotiatesOpenMetricsAndGzip() async throws {
        let (_, router) = Self.routes()
        _ = await router.response(for: Self.post(Self.event))
        let request = HTTPRequest(method: "GET", path: "/metrics", headers: HTTPHeaders([
            ("Accept", "application/openmetrics-text;version=1.0.0"), ("Accept-Encoding", "gzip"),
        ]), body: [])
        let response = await router.response(for: request)
        #expect(response.headers["Content-Type"] == ExpositionFormat.openMetrics.contentType)
        #expect(response.headers["Content-Encoding"] == "gzip")
        guard case .bytes(let body) = response.body else {
            Issue.record("expected a body in memory")
            return
        }
        let text = String(decoding: try Gzip.decompress(body), as: UTF8.self)
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains(#"llm_api_calls_total{provider="openai",model="gpt-4o",status_code="200",error_type="none"} 1"#))
        #expect(text.contains("process_start_time_seconds"))
    }

    @Test func requiresTheBearerTokenOnEverythingButHealth() async {
        let (_, router) = Self.routes(token: "t0ken")
        for path in ["/metrics", "/alerts"] {
            #expect(await router.response(for: HTTPRequest(method: "GET", path: path, headers: HTTPHeaders(), body: [])).status == 401)
        }
        #expect(await router.response(for: HTTPRequest(method: "GET", path: "/healthz", headers: HTTPHeaders(), body: [])).status == 200)
        let authorized = HTTPRequest(method: "GET", path: "/alerts", headers: HTTPHeaders([("Authorization", "Bearer t0ken")]), body: [])
        let alerts = await router.response(for: authorized)
        #expect(alerts.status == 200)
        guard case .bytes(let body) = alerts.body else { return }
        #expect(String(decoding: body, as: UTF8.self).hasPrefix(#"{"status":"success","data":{"alerts":["#))
    }

    @Test func acceptsBasicCredentialsOrTheTokenAndNamesBothSchemes() async {
        var configuration = ExporterConfiguration(logDirectory: nil, bearerToken: "tok-123456789")
        configuration.basicAuthUser = "scraper"
        configuration.basicAuthPassword = "pw-987654321"
        let registry = MetricsRegistry()
        let router = ExporterRoutes(
            configuration: configuration, registry: registry, logSink: nil, evaluator: AlertEvaluator(registry: registry)
        ).router()
        func get(_ authorization: String?) async -> HTTPResponse {
            var headers = HTTPHeaders()
            if let authorization { headers.add(name: "Authorization", value: authorization) }
            return await router.response(for: HTTPRequest(method: "GET", path: "/metrics", headers: headers))
        }
        let basic = "Basic " + [UInt8]("scraper:pw-987654321".utf8).base64
        #expect(await get(basic).status == 200)
        #expect(await get("bearer tok-123456789").status == 200)
        #expect(await get("Basic " + [UInt8]("scraper:wrong".utf8).base64).status == 401)
        #expect(await get("Bearer tok-12345678").status == 401)
        let refused = await get(nil)
        #expect(refused.status == 401)
        #expect(refused.headers.values(for: "WWW-Authenticate").count == 2)
        let health = await router.response(for: HTTPRequest(method: "GET", path: "/healthz"))
        #expect(health.status == 200)
    }

    @Test func comparesCredentialsWithoutStoppingAtTheFirstDifference() {
        let expected = Array("abcdef".utf8)
        #expect(ExporterAuthorization.constantTimeEquals(expected, expected))
        #expect(!ExporterAuthorization.constantTimeEquals(Array("abcdeg".utf8), expected))
        #expect(!ExporterAuthorization.constantTimeEquals(Array("abcdefg".utf8), expected))
        #expect(!ExporterAuthorization.constantTimeEquals([], expected))
    }
}

extension [UInt8] {
    /// Standard base64 with padding.
    fileprivate var base64: String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < count {
            let chunk = Array(self[index..<Swift.min(index + 3, count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

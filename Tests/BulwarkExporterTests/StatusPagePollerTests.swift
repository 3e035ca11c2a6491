import BulwarkAlerts
import BulwarkCore
import BulwarkHTTPServer
import BulwarkPrometheus
import Foundation
import Synchronization
import Testing
@testable import BulwarkExporter

/// The status page poller against a real HTTP peer on 127.0.0.1 (libmicrohttpd, through BulwarkHTTPServer)
/// that answers each way a page can: a summary, garbage, an error status, a redirect, a body too large, a
/// body too slow, nothing at all.
@Suite(.serialized) struct StatusPagePollerTests {
    /// Lines the poller logged.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    static func page(_ indicator: String) -> String {
        #"{"page":{"id":"p","name":"Test"},"incidents":[{"name":"API errors","impact":"\#(indicator)"}],"status":{"indicator":"\#(indicator)","description":"d"}}"#
    }

    /// The peer, started on a free port.
    static func peer() throws -> HTTPServer {
        var router = Router()
        router.get("/major/api/v2/summary.json") { _ in .json(page("major")) }
        router.get("/none/api/v2/summary.json") { _ in .json(page("none")) }
        router.get("/garbage") { _ in .html("<html><body>Just a moment...</body></html>") }
        router.get("/unavailable") { _ in .text("upstream connect error\n", status: 503) }
        router.get("/moved") { _ in
            HTTPResponse(status: 302, headers: ["Location": "http://127.0.0.2:1/elsewhere"], body: .bytes([]))
        }
        router.get("/huge") { _ in .json(Array(repeating: UInt8(ascii: " "), count: 64 * 1024) + Array(page("none").utf8)) }
        router.get("/slow") { _ in
            try? await Task.sleep(for: .seconds(5))
            return .json(page("none"))
        }
        let server = HTTPServer(configuration: .init(shutdownGracePeriod: .milliseconds(100)), router: router)
        try server.start()
        return server
    }

    static func url(_ server: HTTPServer, _ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(server.port)\(path)")!
    }

    @Test func publishesTheIndicatorAndKeepsTheLastGoodValueWhenAPollFails() async throws {
        let server = try Self.peer()
        let registry = MetricsRegistry()
        let lines = Lines()
        let poller = StatusPagePoller(pages: [], registry: registry, maxBodyBytes: 16 * 1024, log: lines.append)
        let status = { registry.value(MetricCatalog.providerStatus, labels: ["provider": "openai"]) }
        let errors = { registry.value(MetricCatalog.statusPageErrors, labels: ["provider": "openai"]) ?? 0 }

        #expect(status() == nil, "no gauge before the first answer")
        let good = await poller.poll(.init(provider: "openai", url: Self.url(server, "/major/api/v2/summary.json")))
        #expect(try good.get().indicator == .major)
        #expect(status() == 2)
        #expect(errors() == 0)
        #expect(lines.all.last == "status page openai: major (d); incidents: API errors")

        var failures: [StatusPageError.Kind] = []
        for path in ["/garbage", "/unavailable", "/moved", "/huge"] {
            let result = await poller.poll(.init(provider: "openai", url: Self.url(server, path)))
            guard case .failure(let error) = result else {
                Issue.record("\(path) was accepted")
                continue
            }
            failures.append(error.kind)
            #expect(lines.all.last?.contains(Self.url(server, path).absoluteString) == true, "\(lines.all.last ?? "")")
        }
        #expect(failures == [.invalidBody, .httpStatus, .httpStatus, .tooLarge])
        #expect(status() == 2, "a failed poll leaves the last good value")
        #expect(errors() == 4)
        let logged = lines.all.suffix(4)
        #expect(logged.first?.contains("invalid_body: not JSON: invalid JSON at byte 0") == true, "\(logged)")
        #expect(logged.dropFirst().first?.contains("http_status: HTTP 503") == true, "\(logged)")
        #expect(logged.dropFirst(2).first?.contains("redirect to \"http://127.0.0.2:1/elsewhere\", not followed") == true, "\(logged)")
        #expect(logged.last?.contains("too_large: the body is larger than the 16384-byte limit") == true, "\(logged)")

        let recovered = await poller.poll(.init(provider: "openai", url: Self.url(server, "/none/api/v2/summary.json")))
        #expect(try recovered.get().indicator == .none)
        #expect(status() == 0)
        await server.stop()
    }

    @Test func aPollHasATimeLimitAndAnUnreachablePageIsCounted() async throws {
        let server = try Self.peer()
        let registry = MetricsRegistry()
        let poller = StatusPagePoller(pages: [], registry: registry, timeoutSeconds: 0.5, log: { _ in })
        let slow = await poller.poll(.init(provider: "anthropic", url: Self.url(server, "/slow")))
        guard case .failure(let error) = slow else {
            Issue.record("a 5 s answer beat a 0.5 s limit")
            return
        }
        #expect(error.kind == .timeout)
        #expect(error.message == "no complete answer within 0.5 s")
        let port = server.port
        await server.stop()
        let closed = await poller.poll(.init(provider: "anthropic", url: URL(string: "http://127.0.0.1:\(port)/gone")!))
        guard case .failure(let unreachable) = closed else {
            Issue.record("a stopped server answered")
            return
        }
        #expect(unreachable.kind == .unreachable)
        #expect(registry.value(MetricCatalog.statusPageErrors, labels: ["provider": "anthropic"]) == 2)
        #expect(registry.value(MetricCatalog.providerStatus, labels: ["provider": "anthropic"]) == nil)
    }

    @Test func backsOffExponentiallyWithEqualJitterUpToTenIntervals() {
        let delay = StatusPagePoller.delay(afterFailures:interval:random:)
        #expect(delay(0, 60, 0.7) == 60)
        #expect(delay(1, 60, 0) == 30)
        #expect(delay(1, 60, 0.5) == 45)
        #expect(delay(2, 60, 0) == 60)
        #expect(delay(3, 60, 0) == 120)
        #expect(delay(4, 60, 0.999) < 480 && delay(4, 60, 0.999) > 479)
        #expect(delay(5, 60, 0) == 300, "capped at 10 intervals: between 300 and 600 s")
        #expect(delay(1_000, 60, 0) == 300)
    }

    @Test func theExporterPollsItsConfiguredPagesAndTheAlertFires() async throws {
        let server = try Self.peer()
        var configuration = ExporterConfiguration(port: 0, logDirectory: nil)
        configuration.statusPages = ["openai": Self.url(server, "/major/api/v2/summary.json").absoluteString]
        configuration.statusPollSeconds = 1
        configuration.alerts.evaluationIntervalSeconds = 3_600
        let exporter = try Exporter(configuration: configuration)
        try exporter.start()
        let deadline = ContinuousClock.now + .seconds(20)
        while exporter.registry.value(MetricCatalog.providerStatus, labels: ["provider": "openai"]) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(exporter.registry.value(MetricCatalog.providerStatus, labels: ["provider": "openai"]) == 2)
        exporter.evaluator.evaluate()
        let firing = exporter.evaluator.alerts().filter { $0.phase == .firing && $0.name == .providerIncident }
        #expect(firing.map(\.severity).sorted() == [.warning, .critical])
        #expect(firing.allSatisfy { $0.provider == "openai" && $0.value == 2 })
        await exporter.stop()
        await server.stop()
    }

    @Test func refusesAStatusPageURLThatIsNotHTTP() {
        var configuration = ExporterConfiguration(port: 0, logDirectory: nil)
        configuration.statusPages = ["openai": "status.openai.com/api/v2/summary.json"]
        let error = #expect(throws: ExporterSetupError.self) {
            _ = try Exporter(configuration: configuration)
        }
        #expect(error?.message.contains("exporter.status_pages.openai: expected an http(s) URL") == true, "\(String(describing: error))")
    }
}

import BulwarkHTTPServer
import BulwarkPrometheus
import Synchronization

/// The HTTP server's own counters as metric families: what it refused or cut to stay within its bounds.
final class HTTPServerMetrics: Sendable {
    static let refused = MetricDescriptor(
        name: "llm_api_exporter_requests_refused_total",
        help: "Requests the exporter's HTTP server refused or cut to stay within its bounds, by reason.",
        type: .counter)
    static let bodyBytes = MetricDescriptor(
        name: "llm_api_exporter_body_in_flight_bytes",
        help: "Bytes of request bodies the exporter holds right now (bounded by the body budget).",
        type: .gauge, unit: "bytes")

    private struct Source: @unchecked Sendable {
        weak var server: HTTPServer?
    }

    private let source = Mutex(Source())

    /// Reads from `server` from now on (held weakly).
    func attach(_ server: HTTPServer) {
        source.withLock { $0.server = server }
    }

    func collect(created: Double) -> [CollectedFamily] {
        guard let statistics = source.withLock({ $0.server?.statistics }) else { return [] }
        return [
            CollectedFamily(
                descriptor: Self.refused,
                samples: [
                    .init(labels: [("reason", "body_budget")], value: Double(statistics.bodyBudgetRefusals)),
                    .init(labels: [("reason", "deadline")], value: Double(statistics.deadlineCuts)),
                ],
                created: created),
            CollectedFamily(descriptor: Self.bodyBytes, samples: [.init(value: Double(statistics.bodyBytesInFlight))]),
        ]
    }
}

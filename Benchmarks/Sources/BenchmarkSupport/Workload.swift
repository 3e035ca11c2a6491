public import BulwarkCore
public import Prometheus

/// The events and series every benchmark uses, identical for Bulwark and its peers.
public enum Workload {
    public static let statuses: [(Int, ErrorType?)] = [(200, nil), (429, .rateLimited), (500, .serverError), (529, .overloaded)]

    /// Events spread over `providers × models × statuses` label combinations.
    public static func events(providers: Int, models: Int, count: Int) -> [APICallMetric] {
        (0..<count).map { index in
            let status = statuses[index % statuses.count]
            return APICallMetric(
                timestamp: 1_764_000_000 + Double(index), provider: "provider-\(index / statuses.count % providers)",
                model: "model-\(index / (statuses.count * providers) % models)", statusCode: status.0,
                latencyMs: Double(50 + (index * 37) % 20_000), inputTokens: 100 + index % 900, outputTokens: index % 400,
                isRetry: index % 10 == 0, errorType: status.1, requestID: "req-\(index)", costUSD: 0.0001)
        }
    }
}

/// swift-prometheus' name for a family (its non-deprecated API); the help text is the family's name.
public func peerName(_ name: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: "", helpText: name)
}

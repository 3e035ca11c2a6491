import Synchronization

/// The state the resilient client publishes besides per-attempt events: logical request outcomes,
/// fallbacks, breaker and outage state, rate-limit headroom.
///
/// ``MetricsRegistry`` implements it; ``NoTelemetry`` ignores everything.
public protocol ClientTelemetry: Sendable {
    func recordRequest(outcome: RequestOutcome)
    func recordFallback(from: String, to: String)
    func setCircuitState(_ circuit: CircuitState, provider: String)
    func recordCircuitOpened(provider: String)
    func setRateLimit(provider: String, resource: RateLimitResource, remaining: Double?, limit: Double?)
    func setOutageSeverity(_ severity: OutageSeverity, provider: String)
}

extension MetricsRegistry: ClientTelemetry {}

/// Telemetry that goes nowhere.
public struct NoTelemetry: ClientTelemetry {
    public init() {}
    public func recordRequest(outcome: RequestOutcome) {}
    public func recordFallback(from: String, to: String) {}
    public func setCircuitState(_ circuit: CircuitState, provider: String) {}
    public func recordCircuitOpened(provider: String) {}
    public func setRateLimit(provider: String, resource: RateLimitResource, remaining: Double?, limit: Double?) {}
    public func setOutageSeverity(_ severity: OutageSeverity, provider: String) {}
}

/// Records events into an in-memory list; for tests that assert on what was recorded.
public final class InMemoryRecorder: MetricsRecorder, Sendable {
    private let storage = Mutex<[APICallMetric]>([])

    public init() {}

    public func record(_ metric: APICallMetric) {
        storage.withLock { $0.append(metric) }
    }

    /// Every event recorded so far, in order.
    public var events: [APICallMetric] { storage.withLock { $0 } }
}

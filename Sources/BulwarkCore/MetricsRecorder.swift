/// Receives everything Bulwark observes: one ``APICallMetric`` per attempt, and one ``ClientEvent`` for
/// each logical request's outcome, each move down the fallback chain, and each change of breaker,
/// rate-limit or outage state.
///
/// This is the one event stream of Bulwark. The client sends both kinds of event to the recorder it is
/// given; the Prometheus registry, the JSON-lines log sink, the swift-metrics bridge, an in-memory
/// recorder for tests and ``MultiplexRecorder`` all implement it, and so can your own code:
///
/// ```swift
/// struct AuditRecorder: MetricsRecorder {
///     func record(_ metric: APICallMetric) { audit.append(metric) }
///     func record(_ event: ClientEvent) {}            // not interested in state changes
/// }
/// ```
///
/// Both methods are called on the caller's hot path: they must be cheap and must never block.
public protocol MetricsRecorder: Sendable {
    /// Records one attempt at one provider.
    func record(_ metric: APICallMetric)
    /// Records one event that is not an attempt.
    func record(_ event: ClientEvent)
}

/// A recorder that keeps nothing: the client's default, so that an unobserved client holds no memory.
public struct NoOpRecorder: MetricsRecorder {
    /// Creates a recorder that drops every event.
    public init() {}
    public func record(_ metric: APICallMetric) {}
    public func record(_ event: ClientEvent) {}
}

/// Sends each event to several recorders, in order.
public struct MultiplexRecorder: MetricsRecorder {
    /// The recorders that receive each event.
    public let recorders: [any MetricsRecorder]

    /// Creates a recorder that forwards to `recorders`.
    public init(_ recorders: [any MetricsRecorder]) {
        self.recorders = recorders
    }

    // Through the buffer, each recorder is borrowed in place: a `for … in` loop would copy every
    // existential, a retain and a release per recorder and event on the hot path.
    public func record(_ metric: APICallMetric) {
        recorders.withUnsafeBufferPointer { recorders in
            for index in recorders.indices { recorders[index].record(metric) }
        }
    }

    public func record(_ event: ClientEvent) {
        recorders.withUnsafeBufferPointer { recorders in
            for index in recorders.indices { recorders[index].record(event) }
        }
    }
}

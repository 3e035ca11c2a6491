/// Receives every ``APICallMetric`` the client or the exporter produces.
///
/// The registry, the JSON-lines log sink, an in-memory recorder for tests and a multiplexer are
/// implementations. `record` is called on the caller's hot path: it must be cheap and must never block.
public protocol MetricsRecorder: Sendable {
    /// Records one attempt.
    func record(_ metric: APICallMetric)
}

/// Sends each event to several recorders, in order.
public struct MultiplexRecorder: MetricsRecorder {
    /// The recorders that receive each event.
    public let recorders: [any MetricsRecorder]

    /// Creates a recorder that forwards to `recorders`.
    public init(_ recorders: [any MetricsRecorder]) {
        self.recorders = recorders
    }

    public func record(_ metric: APICallMetric) {
        for recorder in recorders { recorder.record(metric) }
    }
}

/// The names under which ``SwiftMetricsRecorder`` emits Bulwark's events.
public enum MetricNaming: String, Sendable, Hashable, CaseIterable {
    /// The `llm_api_*` families and labels of Bulwark's own registry (`llm_api_calls_total{provider,model,
    /// status_code,error_type}`, `llm_api_call_duration_seconds`, …), so dashboards and alert rules written for
    /// the exporter work unchanged against a service that emits through swift-metrics.
    case bulwark
    /// The OpenTelemetry GenAI semantic conventions: `gen_ai.client.operation.duration`,
    /// `gen_ai.client.token.usage` and `gen_ai.client.operation.time_to_first_chunk`, with the attributes
    /// `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `error.type`,
    /// `server.address` and `server.port`. Client events that the conventions do not name (request
    /// outcomes, fallbacks, breaker, rate-limit and outage state) are emitted under `bulwark.*` names.
    case openTelemetryGenAI

    /// Bucket boundaries, in seconds, of the histograms this naming emits as swift-metrics `Timer`s, keyed by
    /// the metric's swift-metrics label.
    ///
    /// swift-metrics carries no bucket boundaries: the backend chooses them. With swift-prometheus 2.x, a
    /// `Timer` becomes a `DurationHistogram` whose boundaries come from
    /// `PrometheusMetricsFactory.durationHistogramBuckets[label]` (falling back to
    /// `defaultDurationHistogramBuckets`), and an aggregating `Recorder` becomes a `ValueHistogram` whose
    /// boundaries come from `valueHistogramBuckets[label]` (falling back to `defaultValueHistogramBuckets`).
    /// The label is the one *after* the factory's `nameAndLabelSanitizer`, and a family's buckets are fixed by
    /// its first series. Set both tables before the first event:
    ///
    /// ```swift
    /// var factory = PrometheusMetricsFactory(registry: registry)
    /// for naming in MetricNaming.allCases {
    ///     factory.durationHistogramBuckets.merge(naming.timerBuckets) { $1 }
    ///     factory.valueHistogramBuckets.merge(naming.recorderBuckets) { $1 }
    /// }
    /// ```
    public var timerBuckets: [String: [Duration]] {
        switch self {
        case .bulwark:
            return [
                BulwarkNames.callDuration: BucketBoundaries.callDuration,
                BulwarkNames.timeToFirstToken: BucketBoundaries.timeToFirstToken,
            ]
        case .openTelemetryGenAI:
            return [
                GenAINames.operationDuration: BucketBoundaries.genAIDuration,
                GenAINames.timeToFirstChunk: BucketBoundaries.genAIDuration,
            ]
        }
    }

    /// Bucket boundaries of the histograms this naming emits as aggregating swift-metrics `Recorder`s, keyed
    /// by label (see ``timerBuckets`` for how a backend applies them).
    public var recorderBuckets: [String: [Double]] {
        switch self {
        case .bulwark: return [:]
        case .openTelemetryGenAI: return [GenAINames.tokenUsage: BucketBoundaries.genAITokens]
        }
    }
}

/// The histogram boundaries of DESIGN.md and of the OpenTelemetry GenAI semantic conventions.
enum BucketBoundaries {
    /// `llm_api_call_duration_seconds`: 0.05 … 300 s.
    static let callDuration: [Duration] = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 15_000, 20_000, 30_000,
        60_000, 120_000, 300_000].map { .milliseconds($0) }
    /// `llm_api_time_to_first_token_seconds`: 0.1 … 60 s.
    static let timeToFirstToken: [Duration] = [100, 250, 500, 1_000, 2_000, 3_000, 5_000, 10_000, 15_000, 30_000,
        60_000].map { .milliseconds($0) }
    /// `gen_ai.client.operation.duration` and `…time_to_first_chunk`: 0.01 s doubling to 81.92 s.
    static let genAIDuration: [Duration] = (0..<14).map { .milliseconds(10 << $0) }
    /// `gen_ai.client.token.usage`: 1, 4, 16, … 67108864 (×4).
    static let genAITokens: [Double] = (0..<14).map { Double(1 << (2 * $0)) }
}

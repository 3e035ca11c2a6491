import BulwarkCore
/// Identifies the series of one (provider, model) pair.
struct ProviderModelKey: Hashable {
    let provider: String
    let model: String
}

/// Everything the registry counts per (provider, model): latency and first-token histograms, tokens,
/// retries and cost. Label bytes are encoded once, at creation.
struct ProviderModelSeries {
    let key: ProviderModelKey
    let labels: [UInt8]
    let inputTokenLabels: [UInt8]
    let outputTokenLabels: [UInt8]
    let created: Double
    var duration: HistogramCounts
    var timeToFirstToken: HistogramCounts
    var inputTokens: UInt64 = 0
    var outputTokens: UInt64 = 0
    var retries: UInt64 = 0
    var cost: Double = 0

    init(key: ProviderModelKey, created: Double) {
        self.key = key
        self.created = created
        let base: [(name: String, value: String)] = [("provider", key.provider), ("model", key.model)]
        labels = LabelEncoding.encode(base)
        inputTokenLabels = LabelEncoding.encode(base + [("direction", "input")])
        outputTokenLabels = LabelEncoding.encode(base + [("direction", "output")])
        duration = HistogramCounts(bucketCount: MetricCatalog.durationBuckets.count)
        timeToFirstToken = HistogramCounts(bucketCount: MetricCatalog.timeToFirstTokenBuckets.count)
    }
}

/// Identifies one `llm_api_calls_total` series: a (provider, model) series, a status and an error type.
struct CallKey: Hashable {
    let series: Int32
    let statusCode: Int32
    /// Index into ``ErrorType/allCases`` plus one; 0 means success (`none`).
    let errorIndex: UInt8
}

/// One `llm_api_calls_total` series.
struct CallSeries {
    let key: CallKey
    let labels: [UInt8]
    let created: Double
    var count: UInt64 = 0
}

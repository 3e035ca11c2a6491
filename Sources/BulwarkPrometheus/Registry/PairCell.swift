import BulwarkCore
import Synchronization

/// Identifies the series of one (provider, model) pair.
struct ProviderModelKey: Hashable {
    let provider: String
    let model: String
}

/// One `llm_api_calls_total` series of a pair: its folded status code and error type.
struct CallEntry {
    let status: StatusCodeLabel
    let error: ErrorTypeLabel
    let created: Double
    var count: UInt64

    /// Render order inside a pair: status code, then error type name.
    @inline(__always)
    func precedes(_ status: StatusCodeLabel, _ error: ErrorTypeLabel) -> Bool {
        if self.status != status { return self.status < status }
        return ErrorTypeLabel.rank[Int(self.error.index)] < ErrorTypeLabel.rank[Int(error.index)]
    }
}

/// Everything counted per (provider, model) except the call series: latency and first-token
/// histograms, tokens, retries and cost. Plain values, copied out whole by a scrape.
struct PairCounts {
    var duration = HistogramCounts()
    var timeToFirstToken = HistogramCounts()
    var inputTokens: UInt64 = 0
    var outputTokens: UInt64 = 0
    var retries: UInt64 = 0
    var cost: Double = 0
    /// `llm_api_events_ingested_total` by source, kept per pair so recording threads share no counter.
    var ingestedClient: UInt64 = 0
    var ingestedHTTP: UInt64 = 0
}

/// What one pair's lock guards.
struct PairState {
    var counts = PairCounts()
    /// The pair's `llm_api_calls_total` series, sorted by status code and error type name.
    var calls: [CallEntry] = []

    /// The position of the call series, or where it belongs (`found` false).
    @inline(__always)
    func position(of status: StatusCodeLabel, _ error: ErrorTypeLabel) -> (index: Int, found: Bool) {
        for (index, entry) in calls.enumerated() {
            if entry.status == status && entry.error == error { return (index, true) }
        }
        var index = 0
        while index < calls.count, calls[index].precedes(status, error) { index += 1 }
        return (index, false)
    }
}

/// The series of one (provider, model) pair, with its own lock.
///
/// Recording locks only the pair it updates; a scrape locks each pair just long enough to copy its
/// counts (a few hundred bytes), so no recording thread ever waits for a whole render. Label bytes are
/// encoded once, here, and never change.
final class PairCell: Sendable {
    let key: ProviderModelKey
    /// `provider="…",model="…"`.
    let labels: [UInt8]
    let created: Double
    let state = Mutex(PairState())

    init(key: ProviderModelKey, created: Double) {
        self.key = key
        self.created = created
        labels = LabelEncoding.encode([("provider", key.provider), ("model", key.model)])
    }

    static func precedes(_ lhs: PairCell, _ rhs: PairCell) -> Bool {
        lhs.key.provider != rhs.key.provider ? lhs.key.provider < rhs.key.provider : lhs.key.model < rhs.key.model
    }
}

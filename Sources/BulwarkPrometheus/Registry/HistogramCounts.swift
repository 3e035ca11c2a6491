import BulwarkCore
/// Observation counts of one histogram series (non-cumulative per bucket; cumulated when rendered).
///
/// Inline storage (no heap array): copying it out for a scrape is a plain memory copy that never
/// makes a recording thread reallocate afterwards.
struct HistogramCounts {
    /// Bounds supported at most (the catalog's histograms have 14 and 11).
    static let capacity = 16
    private(set) var buckets = InlineArray<16, UInt64>(repeating: 0)
    private(set) var sum: Double = 0
    private(set) var count: UInt64 = 0

    init() {}

    /// Adds one observation; values above the last bound count only in `+Inf`.
    @inline(__always)
    mutating func observe(_ value: Double, bounds: [Double]) {
        var index = 0
        let limit = bounds.count
        while index < limit, value > bounds[index] { index += 1 }
        if index < limit { buckets[index] &+= 1 }
        sum += value
        count &+= 1
    }
}

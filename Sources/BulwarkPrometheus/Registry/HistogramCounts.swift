import BulwarkCore
/// Observation counts of one histogram series (non-cumulative per bucket; cumulated when rendered).
struct HistogramCounts {
    private(set) var buckets: [UInt64]
    private(set) var sum: Double = 0
    private(set) var count: UInt64 = 0

    init(bucketCount: Int) {
        buckets = Array(repeating: 0, count: bucketCount)
    }

    /// Adds one observation; values above the last bound count only in `+Inf`.
    @inline(__always)
    mutating func observe(_ value: Double, bounds: [Double]) {
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        if index < buckets.count { buckets[index] &+= 1 }
        sum += value
        count &+= 1
    }
}

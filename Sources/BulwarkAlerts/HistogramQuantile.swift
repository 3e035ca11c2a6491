import BulwarkCore
import BulwarkPrometheus
/// PromQL's `histogram_quantile` over classic buckets, step for step as Prometheus 2.x computes it.
public enum HistogramQuantile {
    /// The `q` quantile of cumulative bucket counts.
    ///
    /// - Parameters:
    ///   - q: The quantile, 0…1 (below 0 gives -Inf, above 1 +Inf, as in Prometheus).
    ///   - upperBounds: The finite `le` bounds, ascending.
    ///   - cumulativeCounts: One count per bound, then the `+Inf` bucket's count.
    /// - Returns: NaN when there are no observations; the highest finite bound when the quantile falls
    ///   in the `+Inf` bucket; otherwise linear interpolation within the bucket, whose lower bound is
    ///   the previous bucket's upper bound (0 for the first bucket).
    public static func quantile(_ q: Double, upperBounds: [Double], cumulativeCounts: [Double]) -> Double {
        precondition(cumulativeCounts.count == upperBounds.count + 1, "one count per bound plus +Inf")
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        // Prometheus repairs non-monotonic buckets (from scrapes that straddle an observation).
        var counts = cumulativeCounts
        for index in counts.indices.dropFirst() where counts[index] < counts[index - 1] {
            counts[index] = counts[index - 1]
        }
        let bounds = upperBounds + [.infinity]
        guard bounds.count >= 2 else { return .nan }
        let observations = counts[counts.count - 1]
        guard observations > 0 else { return .nan }
        var rank = q * observations
        var bucket = 0
        while bucket < counts.count - 1, counts[bucket] < rank { bucket += 1 }
        if bucket == counts.count - 1 { return bounds[bounds.count - 2] }
        if bucket == 0, bounds[0] <= 0 { return bounds[0] }
        var start = 0.0
        var count = counts[bucket]
        if bucket > 0 {
            start = bounds[bucket - 1]
            count -= counts[bucket - 1]
            rank -= counts[bucket - 1]
        }
        return start + (bounds[bucket] - start) * (rank / count)
    }
}

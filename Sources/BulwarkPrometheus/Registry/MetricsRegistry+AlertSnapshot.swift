import BulwarkCore
import Synchronization

extension MetricsRegistry {
    /// The counters and gauges the alert evaluator reads, summed per provider; one lock acquisition,
    /// cost proportional to the number of series (never to the number of events).
    public func alertSnapshot() -> AlertSnapshot {
        state.withLock { state in
            var perSeries = [AlertSnapshot.ProviderTotals](repeating: .init(), count: state.series.count)
            for call in state.calls {
                let position = Int(call.key.series)
                let count = Double(call.count)
                perSeries[position].calls += count
                if call.key.errorIndex != 0 { perSeries[position].errors += count }
                if call.key.statusCode == 429 { perSeries[position].rateLimited += count }
            }
            var providers: [String: AlertSnapshot.ProviderTotals] = [:]
            for (position, series) in state.series.enumerated() {
                var totals = perSeries[position]
                var cumulative: UInt64 = 0
                for (bucket, count) in series.duration.buckets.enumerated() {
                    cumulative &+= count
                    totals.durationBuckets[bucket] = Double(cumulative)
                }
                totals.durationBuckets[series.duration.buckets.count] = Double(series.duration.count)
                totals.cost = series.cost
                providers[series.key.provider, default: .init()].add(totals)
            }
            var requests: [RequestOutcome: Double] = [:]
            for outcome in RequestOutcome.allCases {
                requests[outcome] = state.requests.value([outcome.rawValue]) ?? 0
            }
            var open: Set<String> = []
            for (labels, series) in state.circuitState.series where labels[1] == CircuitState.open.rawValue && series.value > 0 {
                open.insert(labels[0])
            }
            return AlertSnapshot(
                providers: providers, requests: requests, openCircuits: open,
                dailyBudgetUSD: state.dailyBudget.value([]), sharedStateUp: state.sharedStateUp.value([]))
        }
    }
}

extension AlertSnapshot.ProviderTotals {
    /// Adds another series' counts (models of one provider).
    mutating func add(_ other: AlertSnapshot.ProviderTotals) {
        calls += other.calls
        errors += other.errors
        rateLimited += other.rateLimited
        for index in durationBuckets.indices { durationBuckets[index] += other.durationBuckets[index] }
        cost += other.cost
    }
}

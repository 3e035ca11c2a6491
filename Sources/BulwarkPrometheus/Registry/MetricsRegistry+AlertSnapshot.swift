import BulwarkCore
import Synchronization

extension MetricsRegistry {
    /// The counters and gauges the alert evaluator reads, summed per provider; taken from a
    /// ``RegistrySnapshot`` (one short lock per pair), cost proportional to the number of series
    /// (never to the number of events).
    public func alertSnapshot() -> AlertSnapshot {
        let state = snapshot()
        var providers: [String: AlertSnapshot.ProviderTotals] = [:]
        for (position, cell) in state.pairs.enumerated() {
            var totals = AlertSnapshot.ProviderTotals()
            // A cancelled call is the caller's: neither an error nor a call in the error rate.
            for call in state.calls(of: position) where call.error != Self.cancelledLabel {
                let count = Double(call.count)
                totals.calls += count
                if call.error != .none { totals.errors += count }
                if call.status.raw == 429 { totals.rateLimited += count }
            }
            let duration = state.counts[position].duration
            var cumulative: UInt64 = 0
            for bucket in 0..<MetricCatalog.durationBuckets.count {
                cumulative &+= duration.buckets[bucket]
                totals.durationBuckets[bucket] = Double(cumulative)
            }
            totals.durationBuckets[MetricCatalog.durationBuckets.count] = Double(duration.count)
            totals.cost = state.counts[position].cost
            providers[cell.key.provider, default: .init()].add(totals)
        }
        var requests: [RequestOutcome: Double] = [:]
        for outcome in RequestOutcome.allCases {
            requests[outcome] = state.small.requests.value([outcome.rawValue]) ?? 0
        }
        var open: Set<String> = []
        for (labels, series) in state.small.circuitState.series where labels[1] == CircuitState.open.rawValue && series.value > 0 {
            open.insert(labels[0])
        }
        var status: [String: Double] = [:]
        for (labels, series) in state.small.providerStatus.series { status[labels[0]] = series.value }
        return AlertSnapshot(
            providers: providers, requests: requests, openCircuits: open,
            dailyBudgetUSD: state.small.dailyBudget.value([]), sharedStateUp: state.small.sharedStateUp.value([]),
            providerStatus: status)
    }
}

extension MetricsRegistry {
    static let cancelledLabel = ErrorTypeLabel(.cancelled)
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

import BulwarkCore
/// Finds the (provider, model) pair of an event: a hash lookup, and on a miss the label caps, the
/// series budget and an insertion in render order. Guarded by the registry's index lock, which a
/// scrape holds only to take a reference to ``sorted`` (copy-on-write: no copy is made then).
struct SeriesIndex {
    /// Series one pair holds: duration and first-token histograms, input and output tokens, retries, cost.
    static let seriesPerPair = 6

    var providers: LabelCap
    var models: LabelCap
    private var cells: [ProviderModelKey: PairCell] = [:]
    /// Every pair, sorted by (provider, model).
    private(set) var sorted: [PairCell] = []

    init(maxProviders: Int, maxModels: Int) {
        providers = LabelCap(limit: maxProviders)
        models = LabelCap(limit: maxModels)
    }

    /// The pair of an event, created on first use; `folded` when the budget was spent and the event
    /// goes to the `other`/`other` pair.
    @inline(__always)
    mutating func cell(provider: String, model: String, now: Double, budget: SeriesBudget) -> (cell: PairCell, folded: Bool) {
        if let cell = cells[ProviderModelKey(provider: provider, model: model)] { return (cell, false) }
        let key = ProviderModelKey(provider: providers.admit(provider), model: models.admit(model))
        if let cell = cells[key] { return (cell, false) }
        if budget.take(Self.seriesPerPair) { return (insert(key, now: now), false) }
        return (otherCell(now: now), true)
    }

    /// The `other`/`other` pair, whose series are paid for by ``SeriesBudget/reserved``.
    mutating func otherCell(now: Double) -> PairCell {
        let key = ProviderModelKey(provider: LabelCap.overflowValue, model: LabelCap.overflowValue)
        return cells[key] ?? insert(key, now: now)
    }

    private mutating func insert(_ key: ProviderModelKey, now: Double) -> PairCell {
        let cell = PairCell(key: key, created: now)
        cells[key] = cell
        let position = sorted.partitioningIndex { PairCell.precedes(cell, $0) }
        sorted.insert(cell, at: position)
        return cell
    }
}

extension Array {
    /// The first index whose element satisfies `belongsInSecondPartition`, which must be monotonic.
    func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsInSecondPartition(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

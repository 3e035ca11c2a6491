import BulwarkCore
/// Everything a scrape, a value query or the alert evaluator reads, copied out of the registry one
/// pair at a time; rendering and summing then run on the copy, holding no lock at all.
struct RegistrySnapshot {
    /// Pairs in (provider, model) order.
    var pairs: [PairCell] = []
    /// `counts[i]` belongs to `pairs[i]`.
    var counts: [PairCounts] = []
    /// `calls[callStarts[i]..<callStarts[i + 1]]` are the call series of `pairs[i]`, in render order.
    var callStarts: [Int] = [0]
    var calls: [CallEntry] = []
    var small = SmallFamilies()
    var providerOverflow: UInt64 = 0
    var modelOverflow: UInt64 = 0
    var ingestedClient: UInt64 = 0
    var ingestedHTTP: UInt64 = 0
    var dropped: [String: UInt64] = [:]
    /// When the registry was created (the `_created` of its fixed series).
    var created: Double = 0

    /// Copies the counts of `pairs`, locking each pair in turn only for the copy.
    mutating func copy(pairs sorted: [PairCell]) {
        pairs = sorted
        counts.reserveCapacity(sorted.count)
        callStarts.reserveCapacity(sorted.count + 1)
        calls.reserveCapacity(sorted.count * 4)
        for cell in sorted {
            cell.state.withLock { state in
                counts.append(state.counts)
                ingestedClient &+= state.counts.ingestedClient
                ingestedHTTP &+= state.counts.ingestedHTTP
                calls.append(contentsOf: state.calls)
            }
            callStarts.append(calls.count)
        }
    }

    func calls(of pair: Int) -> ArraySlice<CallEntry> { calls[callStarts[pair]..<callStarts[pair + 1]] }
}

import Synchronization

/// One memory budget shared by every request body in flight. A request reserves its declared length
/// before its body is read (or each piece of a chunked body as it arrives) and releases it when the
/// request completes; a reservation that would pass the limit is refused and counted.
final class BodyBudget: Sendable {
    /// The most body bytes held at once across all requests.
    let limit: Int
    private let reserved = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Bytes currently reserved.
    var inFlight: Int { reserved.load(ordering: .relaxed) }

    /// Reservations refused so far.
    var refusedCount: Int { refused.load(ordering: .relaxed) }

    /// Reserves `count` bytes; `false` (and nothing reserved) when that would pass the limit.
    func reserve(_ count: Int) -> Bool {
        guard count > 0 else { return true }
        var current = reserved.load(ordering: .relaxed)
        while true {
            guard count <= limit - current else {
                refused.wrappingAdd(1, ordering: .relaxed)
                return false
            }
            let (exchanged, original) = reserved.compareExchange(
                expected: current, desired: current + count, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
    }

    /// Gives back bytes reserved earlier.
    func release(_ count: Int) {
        guard count > 0 else { return }
        reserved.wrappingSubtract(count, ordering: .acquiringAndReleasing)
    }
}

import BulwarkCore
import Synchronization

/// The total number of series the registry may hold (`exporter.max_series`), shared by every family.
///
/// Creating a series takes from the budget with one atomic compare-and-swap (never a lock, so the
/// recording path stays lock-free here); once it is spent, a new label combination is folded into
/// its family's `other` series and counted in `llm_api_series_dropped_total{family}`. Each family's
/// `other` series is paid for in advance (``reserved``), so folding itself never needs room.
final class SeriesBudget: Sendable {
    /// Series set aside for the `other` series of every family.
    static let reserved = 32

    let limit: Int
    private let used = Atomic<Int>(0)
    private let dropped = Mutex<[String: UInt64]>([:])

    init(limit: Int) {
        self.limit = max(0, limit - Self.reserved)
    }

    /// Takes `count` series from the budget; `false` (and nothing taken) when that would exceed it.
    @inline(__always)
    func take(_ count: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while current + count <= limit {
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Series taken so far (without the reserved `other` series).
    var count: Int { used.load(ordering: .relaxed) }

    /// Counts `samples` folded into the `other` series of `family`. Called only past the cap.
    func drop(family: String, samples: UInt64 = 1) {
        dropped.withLock { $0[family, default: 0] &+= samples }
    }

    /// Samples folded so far, by family name.
    var droppedByFamily: [String: UInt64] { dropped.withLock { $0 } }
}

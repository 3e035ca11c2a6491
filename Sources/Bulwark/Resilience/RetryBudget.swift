import Synchronization

/// A retry budget: retries may make up at most `ratio` of the requests over a rolling window, plus a
/// small reserve so that low traffic can still retry (the retry budgets of Finagle and gRPC).
///
/// Every request deposits `ratio` of a token and every retry withdraws one; deposits and withdrawals
/// older than the window expire. The reserve grants `minimumRetriesPerSecond × window` tokens per
/// window on top. With the defaults (10 %, 10 s window, 1 retry/s), 1,000 requests failing at once
/// get 100 + 10 retries instead of the 5,000 that five retries each would add to the storm, and a
/// lone request still gets its retries from the reserve.
///
/// The window is kept as ten slots of `window / 10` seconds, so counts expire a slot at a time: a
/// deposit made at time t leaves the budget between t + 0.9·window and t + window.
public final class RetryBudget: Sendable {
    /// The budget's parameters.
    public struct Configuration: Sendable, Hashable {
        /// Retries allowed per request (0.1 = 10 %).
        public var ratio: Double
        /// Seconds over which deposits and withdrawals count.
        public var window: Double
        /// Retries per second allowed whatever the traffic (the reserve).
        public var minimumRetriesPerSecond: Double

        /// Creates a configuration.
        public init(ratio: Double = 0.1, window: Double = 10, minimumRetriesPerSecond: Double = 1) {
            self.ratio = ratio
            self.window = window
            self.minimumRetriesPerSecond = minimumRetriesPerSecond
        }

        /// The budget of a `retry:` section (its `budgetRatio`), with the default window and reserve.
        public init(_ retry: RetryConfiguration) {
            self.init(ratio: retry.budgetRatio)
        }

        /// The tokens granted per window whatever the traffic.
        public var reserve: Double { max(0, minimumRetriesPerSecond) * window }
    }

    /// Counts of the current window.
    public struct Snapshot: Sendable, Hashable {
        /// Requests deposited in the window.
        public var requests: Int
        /// Retries withdrawn in the window.
        public var retries: Int
        /// Retries that may still be made now (fractional: deposits are fractions of a token).
        public var available: Double
    }

    private static let slotCount = 10

    private struct State {
        var slotIndex = [Int](repeating: .min, count: RetryBudget.slotCount)
        var requests = [Int](repeating: 0, count: RetryBudget.slotCount)
        var retries = [Int](repeating: 0, count: RetryBudget.slotCount)
    }

    /// The budget's parameters.
    public let configuration: Configuration
    private let clock: any ResilienceClock
    private let slotWidth: Double
    private let state = Mutex(State())

    /// Creates a full budget (the reserve is available at once).
    public init(configuration: Configuration = Configuration(), clock: any ResilienceClock = SystemClock()) {
        precondition(configuration.window > 0 && configuration.window.isFinite, "retry budget window must be positive")
        self.configuration = configuration
        self.clock = clock
        self.slotWidth = configuration.window / Double(Self.slotCount)
    }

    /// Deposits a request (call once per logical request, before its first attempt).
    public func recordRequest() {
        let slot = currentSlot()
        state.withLock { state in
            let position = Self.prepare(&state, slot: slot)
            state.requests[position] += 1
        }
    }

    /// Withdraws one retry if the budget allows it; returns whether the retry may proceed.
    public func tryWithdraw() -> Bool {
        let slot = currentSlot()
        return state.withLock { state in
            let position = Self.prepare(&state, slot: slot)
            guard available(state, slot: slot) >= 1 - 1e-9 else { return false }
            state.retries[position] += 1
            return true
        }
    }

    /// Retries that may be made now.
    public var available: Double {
        let slot = currentSlot()
        return state.withLock { available($0, slot: slot) }
    }

    /// The counts of the current window.
    public func snapshot() -> Snapshot {
        let slot = currentSlot()
        return state.withLock { state in
            let (requests, retries) = Self.totals(state, slot: slot)
            return Snapshot(requests: requests, retries: retries, available: available(state, slot: slot))
        }
    }

    private func currentSlot() -> Int {
        let value = (clock.now / slotWidth).rounded(.down)
        return value.isFinite ? Int(max(min(value, 1e15), -1e15)) : 0
    }

    private func available(_ state: State, slot: Int) -> Double {
        let (requests, retries) = Self.totals(state, slot: slot)
        return configuration.reserve + configuration.ratio * Double(requests) - Double(retries)
    }

    /// Resets the ring position of `slot` when it still holds an older slot's counts.
    private static func prepare(_ state: inout State, slot: Int) -> Int {
        let position = ((slot % slotCount) + slotCount) % slotCount
        if state.slotIndex[position] != slot {
            state.slotIndex[position] = slot
            state.requests[position] = 0
            state.retries[position] = 0
        }
        return position
    }

    private static func totals(_ state: State, slot: Int) -> (requests: Int, retries: Int) {
        var requests = 0
        var retries = 0
        for position in 0..<slotCount where state.slotIndex[position] > slot - slotCount {
            requests += state.requests[position]
            retries += state.retries[position]
        }
        return (requests, retries)
    }
}

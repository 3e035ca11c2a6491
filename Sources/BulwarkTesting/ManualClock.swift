public import Bulwark
import Synchronization

/// A clock that moves only when a test calls ``advance(by:)`` or ``advance(to:)``.
///
/// ``sleep(for:)`` registers a sleeper with a deadline and suspends; advancing time past the deadline
/// resumes it. A test that needs the code under test to be asleep first awaits
/// ``waitForSleepers(_:)``, then advances; ``sleeperDeadlines`` shows exactly how long each sleeper asked
/// to wait, so a test can assert, for example, that a Retry-After of 1.25 s was honoured to the
/// millisecond. Cancelling a sleeping task resumes its sleep with `CancellationError` and removes the
/// sleeper.
public final class ManualClock: ResilienceClock {
    private struct Sleeper {
        let deadline: Double
        let order: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        let count: Int
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: Double
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var cancelledBeforeRegistration: Set<UInt64> = []
        var watchers: [Watcher] = []

        mutating func takeSatisfiedWatchers() -> [CheckedContinuation<Void, Never>] {
            let count = sleepers.count
            let ready = watchers.filter { $0.count <= count }.map(\.continuation)
            watchers.removeAll { $0.count <= count }
            return ready
        }
    }

    private let state: Mutex<State>
    private let wallOrigin: Double

    /// Creates a clock reading `now` monotonic seconds, whose ``wallTime`` is `wallOrigin + now`
    /// (by default 2025-06-15T15:06:40Z at `now` = 0).
    public init(now: Double = 0, wallOrigin: Double = 1_750_000_000) {
        self.state = Mutex(State(now: now))
        self.wallOrigin = wallOrigin
    }

    public var now: Double { state.withLock { $0.now } }

    public var wallTime: Double { wallOrigin + now }

    /// The number of tasks currently suspended in ``sleep(for:)``.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The deadlines (in ``now`` seconds) of the pending sleepers, earliest first.
    public var sleeperDeadlines: [Double] {
        state.withLock { $0.sleepers.values.map(\.deadline) }.sorted()
    }

    /// How long each pending sleeper has left to sleep, shortest first.
    public var pendingSleeps: [Double] {
        state.withLock { state in state.sleepers.values.map { $0.deadline - state.now } }.sorted()
    }

    public func sleep(for seconds: Double) async throws {
        guard seconds > 0, !seconds.isNaN else {
            try Task.checkCancellation()
            return
        }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        defer { _ = state.withLock { $0.cancelledBeforeRegistration.remove(id) } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock {
                    state -> (cancelled: Bool, watchers: [CheckedContinuation<Void, Never>]) in
                    if state.cancelledBeforeRegistration.remove(id) != nil { return (true, []) }
                    state.sleepers[id] = Sleeper(deadline: state.now + seconds, order: id, continuation: continuation)
                    return (false, state.takeSatisfiedWatchers())
                }
                if outcome.cancelled {
                    continuation.resume(throwing: CancellationError())
                }
                for watcher in outcome.watchers { watcher.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelledBeforeRegistration.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `seconds` and resumes, earliest deadline first, every sleeper whose
    /// deadline has been reached.
    public func advance(by seconds: Double) {
        precondition(seconds >= 0, "ManualClock cannot go backwards")
        let due = state.withLock { state -> [Sleeper] in
            state.now += seconds
            return Self.takeDue(&state)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves time forward to `time` (no-op when it is not in the future) and resumes the sleepers due.
    public func advance(to time: Double) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, time)
            return Self.takeDue(&state)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves time to the earliest pending deadline and resumes the sleepers due then; returns the
    /// amount of time advanced, or `nil` when nobody sleeps.
    @discardableResult
    public func advanceToNextDeadline() -> Double? {
        let result = state.withLock { state -> (Double, [Sleeper])? in
            guard let deadline = state.sleepers.values.map(\.deadline).min() else { return nil }
            let step = max(0, deadline - state.now)
            state.now = max(state.now, deadline)
            return (step, Self.takeDue(&state))
        }
        guard let (step, due) = result else { return nil }
        for sleeper in due { sleeper.continuation.resume() }
        return step
    }

    /// Returns once at least `count` tasks are suspended in ``sleep(for:)``.
    public func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.watchers.append(Watcher(count: count, continuation: continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func takeDue(_ state: inout State) -> [Sleeper] {
        let now = state.now
        let due = state.sleepers.values.filter { $0.deadline <= now }
            .sorted { ($0.deadline, $0.order) < ($1.deadline, $1.order) }
        for sleeper in due { state.sleepers.removeValue(forKey: sleeper.order) }
        return due
    }
}

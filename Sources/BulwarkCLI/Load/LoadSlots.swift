import Synchronization

/// At most `limit` requests in flight: `acquire()` returns at once while fewer are running, otherwise
/// when one ends. Only the driver's loop acquires, so one waiter at a time is all there can be.
final class LoadSlots: Sendable {
    private struct State {
        var inFlight = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Takes a slot; returns whether it had to wait for one.
    func acquire() async -> Bool {
        if state.withLock({ state in
            guard state.inFlight < limit else { return false }
            state.inFlight += 1
            return true
        }) {
            return false
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.inFlight < limit {
                    state.inFlight += 1
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return true
    }

    /// Gives a slot back, to the waiting driver when there is one.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.inFlight -= 1
            return nil
        }
        waiter?.resume()
    }
}

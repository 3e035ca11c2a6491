import Synchronization

/// Counts a client's calls in flight and, once shutdown began, refuses new ones; lets shutdown wait
/// (bounded) for the calls in flight to finish.
final class ClientLifecycle: Sendable {
    private struct State {
        var inFlight = 0
        var isShuttingDown = false
        var nextWaiter: UInt64 = 0
        /// Shutdowns waiting for the calls in flight to finish (one per `drain` call).
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Admits a call; `false` once shutdown began.
    func enter() -> Bool {
        state.withLock { state in
            guard !state.isShuttingDown else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// A call admitted by ``enter()`` ended.
    func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0, state.isShuttingDown else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Calls in flight.
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Whether shutdown began.
    var isShuttingDown: Bool { state.withLock { $0.isShuttingDown } }

    /// Refuses new calls from now on and waits until the calls in flight have ended, or `gracePeriod`
    /// seconds have passed; returns whether every call ended in time.
    func drain(gracePeriod: Double) async -> Bool {
        state.withLock { $0.isShuttingDown = true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilIdle() }
            group.addTask {
                // A cancelled sleep ends the wait early, as a shutdown that is itself cancelled should.
                try? await Task.sleep(for: .seconds(max(0, gracePeriod)))
                return false
            }
            let drained = await group.next() ?? false
            group.cancelAll()
            return drained
        }
    }

    private func waitUntilIdle() async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.inFlight == 0 || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
        return state.withLock { $0.inFlight == 0 }
    }
}

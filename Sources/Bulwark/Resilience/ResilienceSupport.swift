public import BulwarkCore
import Synchronization

/// Which failed attempts count against a provider's health: the circuit breaker's failure window and
/// the outage detector's severity.
///
/// Only failures that say something about the provider's ability to serve count: server errors
/// (500, 502, 503, 504, 529), timeouts (including 408), connection errors and broken streams. Client
/// errors (400, 401, 403, 404, 413, content filtering) say something about the request or the account,
/// not about the provider, and a healthy provider returns them all day. Rate limits (429
/// `rate_limited`) do not count either: the provider is up and says exactly when to come back, and the
/// retry policy and the rate limiter honour that; tripping the breaker on 429 would stop the traffic
/// that still fits under the limit and turn a short throttle into a 60 s outage. An exhausted quota
/// (`quota_exhausted`) is an account problem that no waiting cures; the fallback chain skips the provider
/// for that request instead.
public enum ProviderFailurePolicy {
    /// Whether a failure of this type counts against the provider's health.
    public static func countsAgainstProvider(_ errorType: ErrorType) -> Bool {
        switch errorType {
        case .serverError, .badGateway, .unavailable, .gatewayTimeout, .overloaded, .timeout, .connection,
            .requestTimeout, .streamStalled, .streamError, .streamTruncated, .invalidResponse:
            return true
        case .badRequest, .authentication, .permission, .notFound, .requestTooLarge, .rateLimited,
            .quotaExhausted, .contentFiltered, .cancelled, .unknown:
            return false
        }
    }

    /// Whether `error` counts against the provider's health (by its ``ProviderError/errorType``).
    public static func countsAgainstProvider(_ error: ProviderError) -> Bool {
        countsAgainstProvider(error.errorType)
    }
}

/// Delivers a pattern's events in order to an optional callback and to any number of `AsyncStream`
/// subscribers.
///
/// Patterns enqueue events while holding their own lock (so the order of events is the order of the
/// state changes) and call ``deliver()`` after releasing it. Handlers run outside every lock, so a
/// handler may call back into the pattern; when two threads deliver at once, one of them delivers both
/// threads' events, in order.
final class EventBroadcaster<Event: Sendable>: Sendable {
    private struct State {
        var pending: [Event] = []
        var delivering = false
        var nextID: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<Event>.Continuation] = [:]
    }

    private let handler: (@Sendable (Event) -> Void)?
    private let state = Mutex(State())
    /// Events queued and not yet taken for delivery, so that ``deliver()`` (called after every operation
    /// of a pattern) takes no lock when there is nothing to deliver, the usual case.
    private let undelivered = Atomic<Int>(0)

    init(handler: (@Sendable (Event) -> Void)?) {
        self.handler = handler
    }

    /// Queues events for delivery; call while holding the pattern's lock.
    func enqueue(_ events: some Sequence<Event>) {
        state.withLock { state in
            let before = state.pending.count
            state.pending.append(contentsOf: events)
            undelivered.add(state.pending.count - before, ordering: .releasing)
        }
    }

    /// Delivers queued events unless another thread is already delivering them.
    func deliver() {
        if undelivered.load(ordering: .acquiring) == 0 { return }
        var owner = false
        while true {
            let batch = state.withLock { state -> ([Event], [AsyncStream<Event>.Continuation])? in
                if !owner {
                    if state.delivering { return nil }
                    state.delivering = true
                    owner = true
                }
                if state.pending.isEmpty {
                    state.delivering = false
                    return nil
                }
                let events = state.pending
                state.pending.removeAll()
                undelivered.subtract(events.count, ordering: .relaxed)
                return (events, Array(state.subscribers.values))
            }
            guard let (events, subscribers) = batch else { return }
            for event in events {
                handler?(event)
                for subscriber in subscribers { subscriber.yield(event) }
            }
        }
    }

    /// A new subscription to the events published from now on; it keeps the newest `bufferSize`
    /// events when the consumer falls behind.
    func stream(bufferSize: Int = 1024) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscription.
    func finish() {
        let subscribers = state.withLock { state -> [AsyncStream<Event>.Continuation] in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}

/// A broadcast signal with an epoch, for waiting until "something changed" without missing a change
/// that happens between checking a condition and starting to wait.
///
/// Read ``epoch`` while checking the condition, then ``wait(observedEpoch:timeout:clock:)``: it returns
/// at once when the signal fired after the read.
final class ChangeSignal: Sendable {
    private struct State {
        var epoch: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var cancelledBeforeRegistration: Set<UInt64> = []
    }

    private let state = Mutex(State())

    /// Increases with every ``fire()``.
    var epoch: UInt64 { state.withLock { $0.epoch } }

    /// Number of tasks waiting.
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Wakes every waiter.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.epoch &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the signal fires after `observedEpoch`; throws `CancellationError` on cancellation.
    func wait(observedEpoch: UInt64) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        defer { _ = state.withLock { $0.cancelledBeforeRegistration.remove(id) } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Action { case wait, resume, cancel }
                let action = state.withLock { state -> Action in
                    if state.cancelledBeforeRegistration.remove(id) != nil { return .cancel }
                    if state.epoch != observedEpoch { return .resume }
                    state.waiters[id] = continuation
                    return .wait
                }
                switch action {
                case .wait: break
                case .resume: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelledBeforeRegistration.insert(id)
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Waits until the signal fires after `observedEpoch` or `timeout` seconds pass on `clock`
    /// (`nil`: no timeout); returns `false` on timeout.
    func wait(observedEpoch: UInt64, timeout: Double?, clock: any ResilienceClock) async throws -> Bool {
        guard let timeout else {
            try await wait(observedEpoch: observedEpoch)
            return true
        }
        if epoch != observedEpoch { return true }
        guard timeout > 0 else { return false }
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await self.wait(observedEpoch: observedEpoch)
                return true
            }
            group.addTask {
                try await clock.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
    }
}

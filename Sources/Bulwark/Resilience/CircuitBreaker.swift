public import BulwarkCore
import Synchronization

/// An admitted call's ticket: record its outcome with the breaker that issued it.
public struct CircuitPermit: Sendable, Hashable {
    /// The breaker's state when the call was admitted (the `circuit_state` field of its metric).
    public let state: CircuitState
    /// Whether the call is one of the half-open state's trial calls.
    public let isTrial: Bool
    let id: UInt64
    let generation: UInt64
}

/// The answer of ``CircuitBreaker/acquire()``.
public enum CircuitPermission: Sendable, Hashable {
    /// The call may go ahead.
    case allowed(CircuitPermit)
    /// The circuit is open (or its half-open trial slots are taken): do not call the provider.
    /// `retryAfter` is the time until the breaker lets a trial call through, `nil` when that depends on
    /// trial calls in flight.
    case rejected(retryAfter: Double?)
}

/// A circuit breaker state change, published to the breaker's callback and streams.
///
/// The orchestrator sets `llm_api_circuit_state{provider,state}` from ``to`` and counts
/// `llm_api_circuit_opens_total{provider}` when ``isOpening``.
public struct CircuitBreakerEvent: Sendable, Hashable, CustomStringConvertible {
    /// Why the state changed.
    public enum Reason: Sendable, Hashable {
        /// `count` counted failures within the window reached the threshold.
        case failureThreshold(count: Int)
        /// The recovery timeout passed; trial calls may go through.
        case recoveryTimeoutElapsed
        /// A trial call failed.
        case trialFailed
        /// `count` trial calls succeeded.
        case trialsSucceeded(count: Int)
        /// ``CircuitBreaker/reset()`` was called.
        case reset
    }

    /// The provider.
    public var provider: String
    /// The state before.
    public var from: CircuitState
    /// The state after.
    public var to: CircuitState
    /// Unix time of the change, in seconds.
    public var timestamp: Double
    /// Why it changed.
    public var reason: Reason

    /// Creates an event.
    public init(provider: String, from: CircuitState, to: CircuitState, timestamp: Double, reason: Reason) {
        self.provider = provider
        self.from = from
        self.to = to
        self.timestamp = timestamp
        self.reason = reason
    }

    /// Whether this change opened the circuit (count it in `llm_api_circuit_opens_total`).
    public var isOpening: Bool { to == .open && from != .open }

    public var description: String {
        "circuit \(provider): \(from.rawValue) → \(to.rawValue) (\(reason))"
    }
}

/// A provider's circuit breaker, with the guide's parameters.
///
/// - **closed**: calls go through; counted failures are kept for `window_seconds` (120 s), and
///   `failure_threshold` (5) of them within the window open the circuit. Successes do not erase
///   failures: the rule is "5 failures within 120 s", not "5 in a row".
/// - **open**: calls are rejected with the time left until `recovery_timeout` (60 s) after opening.
/// - **half-open**: after the recovery timeout, the next ``acquire()`` moves to half-open and at most
///   `half_open_max_calls` (3) trial calls are in flight at once; `success_threshold` (2) successful
///   trials close the circuit, and any failed trial opens it again for another recovery timeout.
///
/// Which failures count is ``ProviderFailurePolicy``'s rule: server errors, 529, timeouts, connection
/// errors and broken streams do; 4xx client errors, 429 rate limits and exhausted quotas do not, and
/// ``record(_:for:)`` releases the permit of such a call without counting it.
///
/// Time-based transitions (open → half-open) happen on the first ``acquire()`` or ``currentState()``
/// after the recovery timeout. Outcomes are matched to the state that admitted the call: an outcome of
/// a call admitted before the last state change is ignored, so a slow call admitted while closed
/// cannot re-open a circuit that has meanwhile recovered, nor count as a trial.
///
/// State changes are published in order to the `onStateChange` callback and to ``events()`` streams.
public final class CircuitBreaker: Sendable {
    private struct State {
        var state: CircuitState = .closed
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var failures: [Double] = []
        var openedAt: Double = 0
        var trialsInFlight: Set<UInt64> = []
        var trialSuccesses = 0
    }

    /// The point-in-time view of a breaker.
    public struct Snapshot: Sendable, Hashable {
        /// The state.
        public var state: CircuitState
        /// Counted failures within the window (closed state).
        public var failuresInWindow: Int
        /// Seconds until a trial call is let through (open state); 0 otherwise.
        public var retryAfter: Double
        /// Trial calls in flight (half-open state).
        public var trialsInFlight: Int
        /// Successful trials so far (half-open state).
        public var trialSuccesses: Int
    }

    /// The provider.
    public let provider: String
    /// The breaker's parameters.
    public let configuration: CircuitBreakerConfiguration
    private let clock: any ResilienceClock
    private let state = Mutex(State())
    private let broadcaster: EventBroadcaster<CircuitBreakerEvent>

    /// Creates a closed breaker; `onStateChange` receives every state change, in order, outside the
    /// breaker's lock.
    public init(
        provider: String, configuration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
        clock: any ResilienceClock = SystemClock(), onStateChange: (@Sendable (CircuitBreakerEvent) -> Void)? = nil
    ) {
        self.provider = provider
        self.configuration = configuration
        self.clock = clock
        self.broadcaster = EventBroadcaster(handler: onStateChange)
    }

    /// A stream of the state changes from now on.
    public func events() -> AsyncStream<CircuitBreakerEvent> {
        broadcaster.stream()
    }

    /// Asks to make a call.
    public func acquire() -> CircuitPermission {
        let now = clock.now
        let permission = state.withLock { state -> CircuitPermission in
            refresh(&state, now: now)
            switch state.state {
            case .closed:
                return .allowed(makePermit(&state, trial: false))
            case .open:
                return .rejected(retryAfter: max(0, state.openedAt + configuration.recoveryTimeout - now))
            case .halfOpen:
                guard state.trialsInFlight.count < max(1, configuration.halfOpenMaxCalls) else {
                    return .rejected(retryAfter: nil)
                }
                let permit = makePermit(&state, trial: true)
                state.trialsInFlight.insert(permit.id)
                return .allowed(permit)
            }
        }
        broadcaster.deliver()
        return permission
    }

    /// Records that the permitted call succeeded.
    public func recordSuccess(_ permit: CircuitPermit) {
        let now = clock.now
        state.withLock { state in
            guard permit.generation == state.generation, state.state == .halfOpen else { return }
            guard state.trialsInFlight.remove(permit.id) != nil else { return }
            state.trialSuccesses += 1
            if state.trialSuccesses >= configuration.successThreshold {
                transition(&state, to: .closed, now: now, reason: .trialsSucceeded(count: state.trialSuccesses))
            }
        }
        broadcaster.deliver()
    }

    /// Records that the permitted call failed in a way that counts against the provider.
    public func recordFailure(_ permit: CircuitPermit) {
        let now = clock.now
        state.withLock { state in
            guard permit.generation == state.generation else { return }
            switch state.state {
            case .closed:
                state.failures.append(now)
                pruneFailures(&state, now: now)
                if state.failures.count >= max(1, configuration.failureThreshold) {
                    transition(&state, to: .open, now: now, reason: .failureThreshold(count: state.failures.count))
                }
            case .halfOpen:
                guard state.trialsInFlight.remove(permit.id) != nil else { return }
                transition(&state, to: .open, now: now, reason: .trialFailed)
            case .open:
                return
            }
        }
        broadcaster.deliver()
    }

    /// Records the permitted call's error: counted when ``ProviderFailurePolicy`` says it counts,
    /// otherwise the permit is released without counting.
    public func record(_ error: ProviderError, for permit: CircuitPermit) {
        if ProviderFailurePolicy.countsAgainstProvider(error) {
            recordFailure(permit)
        } else {
            release(permit)
        }
    }

    /// Releases the permit without counting the call either way (a cancelled call, or an outcome that
    /// says nothing about the provider's health); frees a half-open trial slot.
    public func release(_ permit: CircuitPermit) {
        state.withLock { state in
            guard permit.generation == state.generation else { return }
            state.trialsInFlight.remove(permit.id)
        }
    }

    /// The current state, after any time-based transition that is due (which is published).
    public func currentState() -> CircuitState {
        let now = clock.now
        let current = state.withLock { state -> CircuitState in
            refresh(&state, now: now)
            return state.state
        }
        broadcaster.deliver()
        return current
    }

    /// The current counts, after any time-based transition that is due.
    public func snapshot() -> Snapshot {
        let now = clock.now
        let snapshot = state.withLock { state -> Snapshot in
            refresh(&state, now: now)
            pruneFailures(&state, now: now)
            return Snapshot(
                state: state.state, failuresInWindow: state.state == .closed ? state.failures.count : 0,
                retryAfter: state.state == .open ? max(0, state.openedAt + configuration.recoveryTimeout - now) : 0,
                trialsInFlight: state.trialsInFlight.count, trialSuccesses: state.trialSuccesses)
        }
        broadcaster.deliver()
        return snapshot
    }

    /// Closes the circuit and forgets every failure (an operator's override).
    public func reset() {
        let now = clock.now
        state.withLock { state in
            if state.state != .closed {
                transition(&state, to: .closed, now: now, reason: .reset)
            } else {
                state.failures.removeAll()
            }
        }
        broadcaster.deliver()
    }

    // MARK: - Internals

    private func makePermit(_ state: inout State, trial: Bool) -> CircuitPermit {
        state.nextID += 1
        return CircuitPermit(state: state.state, isTrial: trial, id: state.nextID, generation: state.generation)
    }

    private func refresh(_ state: inout State, now: Double) {
        if state.state == .open, now >= state.openedAt + configuration.recoveryTimeout {
            transition(&state, to: .halfOpen, now: now, reason: .recoveryTimeoutElapsed)
        }
    }

    private func pruneFailures(_ state: inout State, now: Double) {
        let horizon = now - configuration.windowSeconds
        if let firstKept = state.failures.firstIndex(where: { $0 > horizon }) {
            state.failures.removeFirst(firstKept)
        } else {
            state.failures.removeAll()
        }
    }

    private func transition(
        _ state: inout State, to next: CircuitState, now: Double, reason: CircuitBreakerEvent.Reason
    ) {
        let previous = state.state
        state.state = next
        state.generation += 1
        state.failures.removeAll()
        state.trialsInFlight.removeAll()
        state.trialSuccesses = 0
        if next == .open { state.openedAt = now }
        broadcaster.enqueue(
            CollectionOfOne(
                CircuitBreakerEvent(
                    provider: provider, from: previous, to: next, timestamp: clock.wallTime(at: now), reason: reason)))
    }
}

import BulwarkCore
import Foundation
import Bulwark
import BulwarkTesting
import Testing

/// Collects published events for assertions.
final class EventLog<Event: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Event] = []

    var handler: @Sendable (Event) -> Void { { [self] event in lock.withLock { storage.append(event) } } }
    var events: [Event] { lock.withLock { storage } }
}

@Suite("Circuit breaker", .timeLimit(.minutes(1)))
struct CircuitBreakerTests {
    typealias Fixtures = ResilienceFixtures

    private func breaker(clock: ManualClock, log: EventLog<CircuitBreakerEvent>? = nil) -> CircuitBreaker {
        CircuitBreaker(
            provider: "anthropic", configuration: CircuitBreakerConfiguration(), clock: clock,
            onStateChange: log?.handler)
    }

    private func permit(_ breaker: CircuitBreaker, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> CircuitPermit
    {
        guard case .allowed(let permit) = breaker.acquire() else {
            Issue.record("expected the call to be allowed", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return permit
    }

    private func fail(_ breaker: CircuitBreaker, times: Int) throws {
        for _ in 0..<times { breaker.recordFailure(try permit(breaker)) }
    }

    /// Opens the breaker at the clock's current time.
    private func open(_ breaker: CircuitBreaker) throws {
        try fail(breaker, times: 5)
        #expect(breaker.currentState() == .open)
    }

    @Test func opensAfterFiveFailuresWithinTheWindow() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        for _ in 0..<4 {
            try fail(breaker, times: 1)
            clock.advance(by: 29)
        }
        #expect(breaker.currentState() == .closed)
        #expect(breaker.snapshot().failuresInWindow == 4)
        try fail(breaker, times: 1)  // the fifth failure, 116 s after the first
        #expect(breaker.currentState() == .open)
    }

    @Test func failuresOlderThanTheWindowDoNotCount() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try fail(breaker, times: 4)
        clock.advance(by: 120)
        try fail(breaker, times: 1)
        #expect(breaker.currentState() == .closed)
        #expect(breaker.snapshot().failuresInWindow == 1)
    }

    @Test func successesDoNotEraseFailuresWithinTheWindow() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        for _ in 0..<4 {
            try fail(breaker, times: 1)
            breaker.recordSuccess(try permit(breaker))
        }
        #expect(breaker.snapshot().failuresInWindow == 4)
        try fail(breaker, times: 1)
        #expect(breaker.currentState() == .open)
    }

    @Test func rejectsCallsWhileOpenWithTheTimeLeftUntilRecovery() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try open(breaker)
        #expect(breaker.acquire() == .rejected(retryAfter: 60))
        clock.advance(by: 45.5)
        #expect(breaker.acquire() == .rejected(retryAfter: 14.5))
        #expect(breaker.snapshot().retryAfter == 14.5)
    }

    @Test func movesToHalfOpenAfterTheRecoveryTimeout() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try open(breaker)
        clock.advance(by: 59.999)
        #expect(breaker.currentState() == .open)
        clock.advance(by: 0.001)
        #expect(breaker.currentState() == .halfOpen)
        let trial = try permit(breaker)
        #expect(trial.isTrial && trial.state == .halfOpen)
    }

    @Test func halfOpenAdmitsAtMostThreeTrialCallsAtOnce() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try open(breaker)
        clock.advance(by: 60)
        let trials = try (0..<3).map { _ in try permit(breaker) }
        #expect(breaker.acquire() == .rejected(retryAfter: nil))
        #expect(breaker.snapshot().trialsInFlight == 3)
        breaker.recordSuccess(trials[0])
        _ = try permit(breaker)  // the finished trial's slot is free again
        #expect(breaker.acquire() == .rejected(retryAfter: nil))
    }

    @Test func closesAfterTwoSuccessfulTrials() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try open(breaker)
        clock.advance(by: 60)
        let first = try permit(breaker)
        let second = try permit(breaker)
        let third = try permit(breaker)
        breaker.recordSuccess(first)
        #expect(breaker.currentState() == .halfOpen)
        breaker.recordSuccess(second)
        #expect(breaker.currentState() == .closed)
        // The third trial finishes after the circuit closed: it belongs to the half-open state and is
        // ignored, so it neither counts as a failure nor reopens the circuit.
        breaker.recordFailure(third)
        #expect(breaker.snapshot().failuresInWindow == 0)
        #expect(try permit(breaker).state == .closed)
    }

    @Test func anyFailedTrialReopensTheCircuitForAnotherRecoveryTimeout() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try open(breaker)
        clock.advance(by: 60)
        let first = try permit(breaker)
        let second = try permit(breaker)
        breaker.recordSuccess(first)
        breaker.recordFailure(second)
        #expect(breaker.currentState() == .open)
        #expect(breaker.acquire() == .rejected(retryAfter: 60))
        clock.advance(by: 60)
        #expect(breaker.currentState() == .halfOpen)
        // The successes of the earlier half-open period do not carry over.
        breaker.recordSuccess(try permit(breaker))
        #expect(breaker.currentState() == .halfOpen)
    }

    @Test func releasedTrialFreesItsSlotWithoutCounting() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try open(breaker)
        clock.advance(by: 60)
        let trials = try (0..<3).map { _ in try permit(breaker) }
        breaker.record(Fixtures.error(.badRequest), for: trials[0])
        #expect(breaker.currentState() == .halfOpen)
        #expect(breaker.snapshot().trialsInFlight == 2)
        #expect(breaker.snapshot().trialSuccesses == 0)
        breaker.release(trials[1])
        #expect(breaker.snapshot().trialsInFlight == 1)
    }

    @Test(arguments: [
        ErrorType.badRequest, .authentication, .permission, .notFound, .requestTooLarge, .rateLimited, .quotaExhausted,
        .contentFiltered,
    ])
    func clientErrorsAndRateLimitsDoNotTripTheBreaker(type: ErrorType) throws {
        let breaker = breaker(clock: ManualClock())
        for _ in 0..<20 { breaker.record(Fixtures.error(type), for: try permit(breaker)) }
        #expect(breaker.currentState() == .closed)
        #expect(!ProviderFailurePolicy.countsAgainstProvider(type))
    }

    @Test(arguments: [
        ErrorType.serverError, .badGateway, .unavailable, .gatewayTimeout, .overloaded, .timeout, .connection,
        .requestTimeout, .streamStalled,
    ])
    func serverErrorsTimeoutsAndConnectionErrorsTripTheBreaker(type: ErrorType) throws {
        let breaker = breaker(clock: ManualClock())
        for _ in 0..<5 { breaker.record(Fixtures.error(type), for: try permit(breaker)) }
        #expect(breaker.currentState() == .open)
    }

    @Test func lateFailureOfACallAdmittedBeforeTheCircuitOpenedIsIgnored() throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        let slow = try permit(breaker)
        try open(breaker)
        clock.advance(by: 30)
        breaker.recordFailure(slow)
        // Still open with the original recovery time: the stale failure did not restart it.
        #expect(breaker.acquire() == .rejected(retryAfter: 30))
        clock.advance(by: 30)
        breaker.recordFailure(slow)
        #expect(breaker.currentState() == .halfOpen)
    }

    @Test func publishesEveryStateChangeInOrderWithProviderAndTime() throws {
        let clock = ManualClock(now: 0, wallOrigin: 1_700_000_000)
        let log = EventLog<CircuitBreakerEvent>()
        let breaker = breaker(clock: clock, log: log)
        clock.advance(by: 10)
        try open(breaker)
        clock.advance(by: 60)
        let trials = try (0..<2).map { _ in try permit(breaker) }
        clock.advance(by: 1)
        trials.forEach(breaker.recordSuccess)
        let events = log.events
        #expect(events.map(\.from) == [.closed, .open, .halfOpen])
        #expect(events.map(\.to) == [.open, .halfOpen, .closed])
        #expect(events.map(\.timestamp) == [1_700_000_010, 1_700_000_070, 1_700_000_071])
        #expect(events.allSatisfy { $0.provider == "anthropic" })
        #expect(events.map(\.isOpening) == [true, false, false])
        #expect(
            events.map(\.reason) == [.failureThreshold(count: 5), .recoveryTimeoutElapsed, .trialsSucceeded(count: 2)])
        #expect(events[0].description == "circuit anthropic: closed → open (failureThreshold(count: 5))")
    }

    @Test func eventStreamDeliversStateChanges() async throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        let stream = breaker.events()
        try open(breaker)
        clock.advance(by: 60)
        breaker.recordFailure(try permit(breaker))
        var received: [CircuitBreakerEvent] = []
        for await event in stream {
            received.append(event)
            if received.count == 3 { break }
        }
        #expect(received.map(\.to) == [.open, .halfOpen, .open])
        #expect(received.filter(\.isOpening).count == 2)
        #expect(received.last?.reason == .trialFailed)
    }

    @Test func permitCarriesTheStateAtAdmission() throws {
        let breaker = breaker(clock: ManualClock())
        let permit = try permit(breaker)
        #expect(permit.state == .closed && !permit.isTrial)
    }

    @Test func resetClosesTheCircuitAndForgetsFailures() throws {
        let log = EventLog<CircuitBreakerEvent>()
        let breaker = breaker(clock: ManualClock(), log: log)
        try open(breaker)
        breaker.reset()
        #expect(breaker.currentState() == .closed)
        #expect(log.events.last?.reason == .reset)
        try fail(breaker, times: 4)
        breaker.reset()
        #expect(breaker.snapshot().failuresInWindow == 0)
    }

    @Test func concurrentCallersNeverExceedTheTrialLimit() async throws {
        let clock = ManualClock()
        let breaker = breaker(clock: clock)
        try open(breaker)
        clock.advance(by: 60)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<50 {
                        if case .allowed = breaker.acquire() { count += 1 }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 3)
    }
}

import BulwarkCore
import Foundation
import Bulwark
import BulwarkTesting
import Testing

/// Helpers shared by the resilience pattern tests.
enum ResilienceFixtures {
    /// A provider error of `type`, with the guide's status for it.
    static func error(
        _ type: ErrorType, status: Int? = nil, retryAfter: Duration? = nil, shouldRetry: Bool? = nil
    ) -> ProviderError {
        let defaultStatus: Int
        switch type {
        case .timeout, .connection: defaultStatus = 0
        case .overloaded: defaultStatus = 529
        case .quotaExhausted: defaultStatus = 429
        default: defaultStatus = statusFor(type)
        }
        return ProviderError(
            errorType: type, statusCode: status ?? defaultStatus, message: "\(type.rawValue) for a test",
            retryAfter: retryAfter, shouldRetryHeader: shouldRetry)
    }

    private static func statusFor(_ type: ErrorType) -> Int {
        for status in [400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504] where ErrorType.forStatus(status) == type
        {
            return status
        }
        return 0
    }

    /// Whether two times agree to a nanosecond.
    static func same(_ lhs: Double, _ rhs: Double) -> Bool { abs(lhs - rhs) < 1e-9 }

    /// Whether two optional times agree to a nanosecond.
    static func same(_ lhs: Double?, _ rhs: Double) -> Bool { lhs.map { same($0, rhs) } ?? false }
}

@Suite("Clock")
struct ClockTests {
    @Test func manualClockSleeperWakesOnlyWhenItsDeadlineIsReached() async throws {
        let clock = ManualClock()
        let task = Task { () throws -> Double in
            try await clock.sleep(for: 1.25)
            return clock.now
        }
        await clock.waitForSleepers(1)
        #expect(clock.pendingSleeps == [1.25])
        clock.advance(by: 1.249)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: 0.001)
        let wokeAt = try await task.value
        #expect(ResilienceFixtures.same(wokeAt, 1.25))
        #expect(clock.sleeperCount == 0)
    }

    @Test func manualClockWakesSleepersInDeadlineOrder() async throws {
        let clock = ManualClock()
        let order = OrderRecorder()
        let tasks = [3.0, 1.0, 2.0].map { seconds in
            Task {
                try await clock.sleep(for: seconds)
                order.append(seconds)
            }
        }
        await clock.waitForSleepers(3)
        #expect(clock.sleeperDeadlines == [1, 2, 3])
        clock.advance(by: 1)
        try await tasks[1].value
        clock.advance(by: 1)
        try await tasks[2].value
        clock.advance(by: 1)
        try await tasks[0].value
        #expect(order.values == [1, 2, 3])
    }

    @Test func advanceToNextDeadlineJumpsExactlyToTheEarliestSleeper() async throws {
        let clock = ManualClock(now: 10)
        let task = Task { try await clock.sleep(for: 7.5) }
        await clock.waitForSleepers(1)
        #expect(clock.advanceToNextDeadline() == 7.5)
        try await task.value
        #expect(clock.now == 17.5)
        #expect(clock.advanceToNextDeadline() == nil)
    }

    @Test func cancellingASleeperThrowsCancellationAndRemovesIt() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: 60) }
        await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func sleepingForNothingReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(for: 0)
        try await clock.sleep(for: -3)
        try await clock.sleep(until: clock.now)
        #expect(clock.sleeperCount == 0)
    }

    @Test func sleepUntilADeadlineWaitsTheDifference() async throws {
        let clock = ManualClock(now: 100)
        let task = Task { try await clock.sleep(until: 103.5) }
        await clock.waitForSleepers(1)
        #expect(clock.pendingSleeps == [3.5])
        clock.advance(to: 103.5)
        try await task.value
    }

    @Test func manualWallTimeFollowsMonotonicTime() {
        let clock = ManualClock(now: 5, wallOrigin: 1_000)
        #expect(clock.wallTime == 1_005)
        clock.advance(by: 2.5)
        #expect(clock.wallTime == 1_007.5)
        #expect(clock.wallTime(at: 6) == 1_006)
    }

    @Test func systemClockIsMonotonicAndItsWallTimeIsUnixTime() async throws {
        let clock = SystemClock()
        let first = clock.now
        let second = SystemClock().now
        #expect(second >= first)
        // Seconds since the clock's origin, which this process set: never negative or wrapped around.
        #expect(first >= 0 && first < 86_400)
        #expect(abs(clock.wallTime - Date().timeIntervalSince1970) < 5)
        try await clock.sleep(for: 0)
        try await clock.sleep(for: 0.01)
        #expect(clock.now - second >= 0.009)
    }
}

/// A thread-safe list for recording the order of events in tests.
final class OrderRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Double] = []

    func append(_ value: Double) {
        lock.withLock { storage.append(value) }
    }

    var values: [Double] { lock.withLock { storage } }
}

import Foundation
import Synchronization

/// The time source of every resilience pattern.
///
/// Patterns read ``now`` (monotonic seconds) for windows, deadlines and timeouts, ``wallTime`` (Unix
/// seconds) for the timestamps of the events they publish, and call ``sleep(for:)`` where they wait.
/// Production code uses ``SystemClock``; tests use ``ManualClock`` so that nothing really sleeps and
/// every wait can be asserted exactly.
public protocol ResilienceClock: Sendable {
    /// Monotonic seconds since an arbitrary origin; never goes backwards.
    var now: Double { get }
    /// Wall-clock Unix time in seconds, for event timestamps and messages.
    var wallTime: Double { get }
    /// Suspends for `seconds` (returns at once when `seconds` ≤ 0); throws `CancellationError` when the
    /// task is cancelled.
    func sleep(for seconds: Double) async throws
    /// Calls `action` once `seconds` have passed, unless the returned timer is cancelled first. The
    /// action runs on a thread of the clock's choosing and must not block.
    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer
}

extension ResilienceClock {
    /// Suspends until ``now`` reaches `deadline` (returns at once when it already has).
    public func sleep(until deadline: Double) async throws {
        try await sleep(for: deadline - now)
    }

    /// Schedules `action` on a task that sleeps on this clock (the default for clocks other than
    /// ``SystemClock``, such as ``ManualClock``, whose advancing then fires it).
    public func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let task = Task {
            do {
                try await sleep(for: seconds)
                action()
            } catch {}
        }
        return ScheduledTimer { task.cancel() }
    }

    /// The wall-clock Unix time that corresponds to the monotonic time `monotonic`.
    public func wallTime(at monotonic: Double) -> Double {
        wallTime - (now - monotonic)
    }
}

/// The real clock: the monotonic clock for ``now`` (read some fifteen times per request, so as integer
/// nanoseconds rather than through `Duration` arithmetic), `ContinuousClock` for sleeping, the system clock
/// for ``wallTime``.
///
/// Every instance shares one origin, so values of ``now`` from different instances compare.
public struct SystemClock: ResilienceClock {
    private static let origin = DispatchTime.now().uptimeNanoseconds

    /// Creates the clock.
    public init() {}

    public var now: Double {
        let origin = Self.origin  // First: the first call initializes it.
        let now = DispatchTime.now().uptimeNanoseconds
        return now > origin ? Double(now - origin) * 1e-9 : 0
    }

    public var wallTime: Double { Date().timeIntervalSince1970 }

    public func sleep(for seconds: Double) async throws {
        guard seconds > 0, !seconds.isNaN else {
            try Task.checkCancellation()
            return
        }
        // About 31 years; `Duration.seconds(_:)` traps on infinity.
        try await Task.sleep(for: .seconds(min(seconds, 1e9)), clock: .continuous)
    }

    /// Runs `action` on a shared timer thread (see ``DeadlineScheduler``), without a task per timer.
    public func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        DeadlineScheduler.shared.schedule(at: now + max(0, seconds.isNaN ? 0 : seconds), action)
    }
}

/// Conversions between `Duration` and the `Double` seconds the patterns compute with.
enum TimeConversion {
    /// `duration` in seconds.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

public import BulwarkCore
import Foundation
import Synchronization

/// What the guide prescribes for a provider at an outage severity.
public enum OutageResponse: String, Sendable, Hashable {
    /// Healthy: call it.
    case proceed
    /// Transient: retry with backoff.
    case retry
    /// Extended (retries have been failing for a while): route to the next provider.
    case fallBack
    /// Prolonged: when every provider is here, degraded mode (queue, cache, clear errors).
    case degrade

    /// The response to `severity`.
    public init(_ severity: OutageSeverity) {
        switch severity {
        case .none: self = .proceed
        case .transient: self = .retry
        case .extended: self = .fallBack
        case .prolonged: self = .degrade
        }
    }
}

/// A provider's outage status at one moment.
public struct OutageStatus: Sendable, Hashable, CustomStringConvertible {
    /// The provider.
    public var provider: String
    /// The severity (the `llm_api_outage_severity` gauge).
    public var severity: OutageSeverity
    /// Counted failures within the window.
    public var failures: Int
    /// Unix time of the first failure of the current outage; `nil` when there is none.
    public var since: Double?
    /// Seconds since ``since``; `nil` when there is no outage.
    public var duration: Double?
    /// The window the failures are counted over, in seconds.
    public var windowSeconds: Double

    /// Creates a status.
    public init(
        provider: String, severity: OutageSeverity, failures: Int, since: Double?, duration: Double?,
        windowSeconds: Double
    ) {
        self.provider = provider
        self.severity = severity
        self.failures = failures
        self.since = since
        self.duration = duration
        self.windowSeconds = windowSeconds
    }

    /// What the guide prescribes at this severity.
    public var response: OutageResponse { OutageResponse(severity) }

    /// `openai: prolonged since 2025-06-15T14:13:20Z (23 failures in the last 300 s)`.
    public var description: String {
        guard severity != .none, let since else { return "\(provider): healthy" }
        let window = windowSeconds.rounded() == windowSeconds ? String(Int(windowSeconds)) : String(windowSeconds)
        return
            "\(provider): \(severity.name) since \(Self.iso8601(since)) (\(failures) failures in the last \(window) s)"
    }

    /// `since` as an ISO 8601 UTC time to the second.
    static func iso8601(_ unixTime: Double) -> String {
        Date(timeIntervalSince1970: unixTime.rounded(.down)).formatted(.iso8601)
    }
}

/// An outage severity change, published to the detector's callback and streams.
///
/// The orchestrator sets `llm_api_outage_severity{provider}` to ``to``'s raw value.
public struct OutageEvent: Sendable, Hashable, CustomStringConvertible {
    /// The provider.
    public var provider: String
    /// The severity before.
    public var from: OutageSeverity
    /// The severity after.
    public var to: OutageSeverity
    /// Unix time of the change, in seconds.
    public var timestamp: Double
    /// Unix time of the outage's first failure (`nil` once it is over).
    public var since: Double?

    /// Creates an event.
    public init(provider: String, from: OutageSeverity, to: OutageSeverity, timestamp: Double, since: Double?) {
        self.provider = provider
        self.from = from
        self.to = to
        self.timestamp = timestamp
        self.since = since
    }

    public var description: String {
        "outage \(provider): \(from.name) → \(to.name)"
    }
}

/// A provider's outage detector, with the guide's thresholds.
///
/// Counted failures in the last `window_seconds` (300 s) set the severity: ≥ `prolonged_threshold` (20)
/// prolonged, ≥ `extended_threshold` (5) extended, ≥ 1 transient, none otherwise. A success clears the
/// outage at once. Without successes the severity decays as failures leave the window, and the outage
/// ends when the last one does. ``OutageStatus/since`` is the first failure of the current outage and
/// stays put while failures keep it going.
///
/// Which failures count is ``ProviderFailurePolicy``'s rule (``record(_:)``). Severity changes are
/// published in order, including decays, which are noticed on the next call to any method.
public final class OutageDetector: Sendable {
    private struct State {
        var failures: [Double] = []
        var severity: OutageSeverity = .none
        var since: Double?
        var sinceWall: Double?
    }

    /// The provider.
    public let provider: String
    /// The thresholds and window.
    public let configuration: OutageConfiguration
    private let clock: any ResilienceClock
    private let state = Mutex(State())
    private let broadcaster: EventBroadcaster<OutageEvent>

    /// Creates a detector with no outage; `onChange` receives every severity change, in order, outside
    /// the detector's lock.
    public init(
        provider: String, configuration: OutageConfiguration = OutageConfiguration(),
        clock: any ResilienceClock = SystemClock(), onChange: (@Sendable (OutageEvent) -> Void)? = nil
    ) {
        self.provider = provider
        self.configuration = configuration
        self.clock = clock
        self.broadcaster = EventBroadcaster(handler: onChange)
    }

    /// A stream of the severity changes from now on.
    public func events() -> AsyncStream<OutageEvent> {
        broadcaster.stream()
    }

    /// Records a failure that counts against the provider.
    public func recordFailure() {
        let now = clock.now
        state.withLock { state in
            prune(&state, now: now)
            update(&state, now: now)
            if state.failures.isEmpty {
                state.since = now
                state.sinceWall = clock.wallTime(at: now)
            }
            state.failures.append(now)
            update(&state, now: now)
        }
        broadcaster.deliver()
    }

    /// Records a failed attempt's error; only failures that count (``ProviderFailurePolicy``) are
    /// recorded. Returns whether it counted.
    @discardableResult
    public func record(_ error: ProviderError) -> Bool {
        guard ProviderFailurePolicy.countsAgainstProvider(error) else { return false }
        recordFailure()
        return true
    }

    /// Records a success: the outage, if any, is over.
    public func recordSuccess() {
        let now = clock.now
        state.withLock { state in
            state.failures.removeAll()
            update(&state, now: now)
        }
        broadcaster.deliver()
    }

    /// The current severity.
    public var severity: OutageSeverity {
        let now = clock.now
        let severity = state.withLock { state -> OutageSeverity in
            prune(&state, now: now)
            update(&state, now: now)
            return state.severity
        }
        broadcaster.deliver()
        return severity
    }

    /// The current status.
    public func status() -> OutageStatus {
        let now = clock.now
        let status = state.withLock { state -> OutageStatus in
            prune(&state, now: now)
            update(&state, now: now)
            return OutageStatus(
                provider: provider, severity: state.severity, failures: state.failures.count, since: state.sinceWall,
                duration: state.since.map { now - $0 }, windowSeconds: configuration.windowSeconds)
        }
        broadcaster.deliver()
        return status
    }

    // MARK: - Internals

    private func prune(_ state: inout State, now: Double) {
        let horizon = now - configuration.windowSeconds
        if let firstKept = state.failures.firstIndex(where: { $0 > horizon }) {
            state.failures.removeFirst(firstKept)
        } else {
            state.failures.removeAll()
        }
    }

    private func severity(failures: Int) -> OutageSeverity {
        if failures >= max(1, configuration.prolongedThreshold) { return .prolonged }
        if failures >= max(1, configuration.extendedThreshold) { return .extended }
        return failures >= 1 ? .transient : .none
    }

    private func update(_ state: inout State, now: Double) {
        let next = severity(failures: state.failures.count)
        if next == .none {
            state.since = nil
            state.sinceWall = nil
        }
        guard next != state.severity else { return }
        let previous = state.severity
        state.severity = next
        broadcaster.enqueue(
            CollectionOfOne(
                OutageEvent(
                    provider: provider, from: previous, to: next, timestamp: clock.wallTime(at: now),
                    since: state.sinceWall)))
    }
}

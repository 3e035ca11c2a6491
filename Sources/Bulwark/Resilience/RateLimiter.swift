public import BulwarkCore
import Synchronization

/// Why the rate limiter makes a request wait.
public enum RateLimitReason: Sendable, Hashable, CustomStringConvertible {
    /// The configured requests per minute are used up in the rolling 60 s window.
    case requestsPerMinute
    /// The configured tokens per minute are used up in the rolling 60 s window.
    case tokensPerMinute
    /// The configured number of concurrent requests is in flight.
    case concurrency
    /// The provider's rate-limit headers said this resource has nothing left until its reset.
    case providerReported(RateLimitResource)
    /// The limiter was paused (``RateLimiter/pause(for:)``), typically by a 429's Retry-After.
    case paused

    public var description: String {
        switch self {
        case .requestsPerMinute: return "requests per minute"
        case .tokensPerMinute: return "tokens per minute"
        case .concurrency: return "concurrent requests"
        case .providerReported(let resource): return "provider-reported \(resource.rawValue)"
        case .paused: return "paused by Retry-After"
        }
    }
}

/// The answer of ``RateLimiter/tryAcquire(estimatedTokens:)``.
public enum RateLimitDecision: Sendable {
    /// Go now; complete the permit when the call ends.
    case granted(RateLimitPermit)
    /// Nothing was reserved; the request fits in exactly `seconds`.
    case wait(seconds: Double, reason: RateLimitReason)
    /// Nothing was reserved; every concurrency slot is taken and the wait depends on when a call ends.
    case concurrencyLimited(inFlight: Int)
}

/// An admitted request's reservation: its place in the rolling window and its concurrency slot.
///
/// Call ``complete(actualTokens:)`` exactly once when the call ends, successful or not; later calls are
/// ignored.
public struct RateLimitPermit: Sendable {
    /// The provider.
    public let provider: String
    /// The tokens reserved in the window.
    public let estimatedTokens: Int
    /// Seconds spent waiting for the permit (``RateLimiter/acquire(estimatedTokens:maxWait:)``).
    public let waited: Double
    let id: UInt64
    let limiter: RateLimiter

    /// Releases the concurrency slot and replaces the estimate in the token window by `actualTokens`
    /// (the response's input + output usage; `nil` keeps the estimate).
    public func complete(actualTokens: Int? = nil) {
        limiter.complete(id: id, actualTokens: actualTokens)
    }
}

/// Thrown by ``RateLimiter/acquire(estimatedTokens:maxWait:)`` when the wait would exceed `maxWait`.
public struct RateLimitWaitExceeded: Error, Sendable, Hashable, CustomStringConvertible {
    /// The provider.
    public var provider: String
    /// The wait that would have been needed; `nil` when it depends on calls in flight.
    public var wait: Double?
    /// What is exhausted.
    public var reason: RateLimitReason

    /// Creates an error.
    public init(provider: String, wait: Double?, reason: RateLimitReason) {
        self.provider = provider
        self.wait = wait
        self.reason = reason
    }

    public var description: String {
        let amount = wait.map { "\(($0 * 1000).rounded() / 1000) s" } ?? "an unknown time"
        return "\(provider): client-side rate limit (\(reason)) needs a wait of \(amount)"
    }
}

/// A provider's client-side rate limiter: requests and tokens per minute over a rolling 60 s window,
/// a cap on concurrent requests, and what the provider's rate-limit headers said.
///
/// ``tryAcquire(estimatedTokens:)`` admits a request or says exactly how long it would have to wait,
/// so that the fallback chain can either sleep that long or route to the next provider;
/// ``acquire(estimatedTokens:maxWait:)`` does the sleeping. ``waitTime(estimatedTokens:)`` asks without
/// reserving.
///
/// The window: a request admitted at t counts until t + 60 s. A request needs one free request and
/// `estimatedTokens` free tokens; a single request larger than the whole TPM is admitted once the
/// window is empty (it could never fit otherwise; the provider will judge it). Estimates are corrected
/// by ``RateLimitPermit/complete(actualTokens:)``.
///
/// The provider's view: ``update(from:)`` records each response's `remaining`/`reset` per resource.
/// Until a reset passes, each admitted request counts one request and its tokens against that
/// `remaining`; when requests are at 0, or tokens are below a request's estimate, the wait is exactly
/// the time to the reset (for tokens, the reset is when the allowance is full again, so the wait is
/// conservative). An input- or output-token resource at 0 blocks until its reset. ``pause(for:)``
/// blocks every request for a while, for a 429's Retry-After.
public final class RateLimiter: Sendable {
    private struct Entry {
        let id: UInt64
        let time: Double
        var tokens: Int
    }

    private struct ProviderView {
        var remaining: Int
        var resetAt: Double
    }

    private struct State {
        var entries: [Entry] = []
        var head = 0
        var windowTokens = 0
        var inFlight: [UInt64: Double] = [:]
        var nextID: UInt64 = 0
        var requestsView: ProviderView?
        var tokensView: ProviderView?
        var blocks: [RateLimitReason: Double] = [:]

        var windowCount: Int { entries.count - head }

        mutating func prune(now: Double, window: Double) {
            while head < entries.count, entries[head].time + window <= now {
                windowTokens -= entries[head].tokens
                head += 1
            }
            if head > 64, head * 2 > entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
    }

    /// The length of the rolling window, in seconds.
    public static let window = 60.0

    /// The provider.
    public let provider: String
    /// The configured limits; `nil` fields are not limited client-side.
    public let configuration: RateLimitConfiguration
    private let clock: any ResilienceClock
    private let state = Mutex(State())
    private let released = ChangeSignal()

    /// Creates a limiter for `provider`.
    public init(provider: String, configuration: RateLimitConfiguration, clock: any ResilienceClock = SystemClock()) {
        self.provider = provider
        self.configuration = configuration
        self.clock = clock
    }

    /// Admits a request needing `estimatedTokens` (input plus expected output) now, or says how long
    /// it would have to wait; nothing is reserved unless it is granted.
    public func tryAcquire(estimatedTokens: Int) -> RateLimitDecision {
        tryAcquire(estimatedTokens: estimatedTokens, waited: 0, now: clock.now).decision
    }

    /// The seconds a request needing `estimatedTokens` would wait now (0 = go now), without reserving;
    /// `nil` when it waits for a concurrent call to end.
    public func waitTime(estimatedTokens: Int) -> Double? {
        let now = clock.now
        return state.withLock { state in
            state.prune(now: now, window: Self.window)
            if let (wait, _) = timeWait(state, now: now, tokens: max(0, estimatedTokens)) { return wait }
            if let limit = configuration.maxConcurrent, state.inFlight.count >= limit { return nil }
            return 0
        }
    }

    /// Waits until the request is admitted and returns its permit.
    ///
    /// Sleeps exactly the computed waits on the clock, and waits for a call to end when the
    /// concurrency cap is reached. Throws ``RateLimitWaitExceeded`` as soon as the total wait would
    /// pass `maxWait` seconds (`nil`: no limit), and `CancellationError` when cancelled.
    public func acquire(estimatedTokens: Int, maxWait: Double? = nil) async throws -> RateLimitPermit {
        let start = clock.now
        var waited = 0.0
        while true {
            let (decision, epoch) = tryAcquire(estimatedTokens: estimatedTokens, waited: waited, now: start + waited)
            switch decision {
            case .granted(let permit):
                return permit
            case .wait(let seconds, let reason):
                if let maxWait, waited + seconds > maxWait + 1e-9 {
                    throw RateLimitWaitExceeded(provider: provider, wait: seconds, reason: reason)
                }
                try await clock.sleep(for: seconds)
                waited = clock.now - start
            case .concurrencyLimited:
                let remaining = maxWait.map { $0 - waited }
                if let remaining, remaining <= 0 {
                    throw RateLimitWaitExceeded(provider: provider, wait: nil, reason: .concurrency)
                }
                let signalled = try await released.wait(observedEpoch: epoch, timeout: remaining, clock: clock)
                if !signalled {
                    throw RateLimitWaitExceeded(provider: provider, wait: nil, reason: .concurrency)
                }
                waited = clock.now - start
            }
        }
    }

    /// Records what a response's headers said about the provider's limits (received now).
    package func update(from headers: RateLimitHeaders) {
        let now = clock.now
        state.withLock { state in
            for bucket in headers.buckets {
                guard let remaining = bucket.remaining, let reset = bucket.resetAfter else { continue }
                let resetAt = now + TimeConversion.seconds(reset)
                switch bucket.resource {
                case .requests:
                    state.requestsView = ProviderView(remaining: remaining, resetAt: resetAt)
                case .tokens:
                    state.tokensView = ProviderView(remaining: remaining, resetAt: resetAt)
                case .inputTokens, .outputTokens:
                    let reason = RateLimitReason.providerReported(bucket.resource)
                    if remaining <= 0 {
                        state.blocks[reason] = max(state.blocks[reason] ?? 0, resetAt)
                    } else {
                        state.blocks[reason] = nil
                    }
                }
            }
        }
    }

    /// Makes every request wait until `seconds` from now (a 429's Retry-After); a longer pause already
    /// in force is kept.
    public func pause(for seconds: Double) {
        guard seconds > 0, seconds.isFinite else { return }
        let until = clock.now + seconds
        state.withLock { state in
            state.blocks[.paused] = max(state.blocks[.paused] ?? 0, until)
        }
    }

    /// What the limiter holds now.
    public struct Snapshot: Sendable, Hashable {
        /// Requests admitted in the last 60 s.
        public var requestsInWindow: Int
        /// Tokens reserved (or, once completed, used) in the last 60 s.
        public var tokensInWindow: Int
        /// Calls admitted and not completed.
        public var inFlight: Int
        /// The provider's remaining requests as the limiter counts them, until the reported reset.
        public var providerRemainingRequests: Int?
        /// The provider's remaining tokens as the limiter counts them, until the reported reset.
        public var providerRemainingTokens: Int?
    }

    /// The current counts.
    public func snapshot() -> Snapshot {
        let now = clock.now
        return state.withLock { state in
            state.prune(now: now, window: Self.window)
            return Snapshot(
                requestsInWindow: state.windowCount, tokensInWindow: state.windowTokens, inFlight: state.inFlight.count,
                providerRemainingRequests: state.requestsView.flatMap { $0.resetAt > now ? $0.remaining : nil },
                providerRemainingTokens: state.tokensView.flatMap { $0.resetAt > now ? $0.remaining : nil })
        }
    }

    // MARK: - Internals

    private func tryAcquire(estimatedTokens: Int, waited: Double, now: Double) -> (decision: RateLimitDecision, epoch: UInt64) {
        let tokens = max(0, estimatedTokens)
        let epoch = released.epoch
        let decision = state.withLock { state -> RateLimitDecision in
            state.prune(now: now, window: Self.window)
            if let (wait, reason) = timeWait(state, now: now, tokens: tokens) {
                return .wait(seconds: wait, reason: reason)
            }
            if let limit = configuration.maxConcurrent, state.inFlight.count >= limit {
                return .concurrencyLimited(inFlight: state.inFlight.count)
            }
            state.nextID += 1
            let id = state.nextID
            state.entries.append(Entry(id: id, time: now, tokens: tokens))
            state.windowTokens += tokens
            state.inFlight[id] = now
            if var view = state.requestsView, view.resetAt > now {
                view.remaining -= 1
                state.requestsView = view
            }
            if var view = state.tokensView, view.resetAt > now {
                view.remaining -= tokens
                state.tokensView = view
            }
            return .granted(
                RateLimitPermit(provider: provider, estimatedTokens: tokens, waited: waited, id: id, limiter: self))
        }
        return (decision, epoch)
    }

    /// The longest time-based wait in force, with its reason; `nil` when none.
    private func timeWait(_ state: State, now: Double, tokens: Int) -> (Double, RateLimitReason)? {
        var result: (Double, RateLimitReason)?
        func consider(_ wait: Double, _ reason: RateLimitReason) {
            guard wait > 0 else { return }
            if let current = result, current.0 >= wait { return }
            result = (wait, reason)
        }
        for (reason, until) in state.blocks { consider(until - now, reason) }
        if let view = state.requestsView, view.resetAt > now, view.remaining <= 0 {
            consider(view.resetAt - now, .providerReported(.requests))
        }
        if let view = state.tokensView, view.resetAt > now, view.remaining < max(tokens, 1) {
            consider(view.resetAt - now, .providerReported(.tokens))
        }
        if let rpm = configuration.requestsPerMinute, rpm > 0, state.windowCount >= rpm {
            // The request fits once enough of the oldest entries have left the window.
            let index = state.head + state.windowCount - rpm
            if index < state.entries.count {
                consider(state.entries[index].time + Self.window - now, .requestsPerMinute)
            }
        }
        if let tpm = configuration.tokensPerMinute, tpm > 0, state.windowTokens + tokens > tpm, state.windowCount > 0 {
            var left = state.windowTokens
            for index in state.head..<state.entries.count {
                left -= state.entries[index].tokens
                if left + tokens <= tpm || index == state.entries.count - 1 {
                    consider(state.entries[index].time + Self.window - now, .tokensPerMinute)
                    break
                }
            }
        }
        return result
    }

    fileprivate func complete(id: UInt64, actualTokens: Int?) {
        let now = clock.now
        let completed = state.withLock { state -> Bool in
            guard state.inFlight.removeValue(forKey: id) != nil else { return false }
            state.prune(now: now, window: Self.window)
            if let actualTokens, let index = state.entries[state.head...].lastIndex(where: { $0.id == id }) {
                let actual = max(0, actualTokens)
                state.windowTokens += actual - state.entries[index].tokens
                state.entries[index].tokens = actual
            }
            return true
        }
        if completed { released.fire() }
    }
}

public import BulwarkCore
import Synchronization

/// SplitMix64, a small, fast, seedable generator (Steele, Lea and Flood, 2014): equal seeds give equal
/// sequences, so backoff delays and simulations repeat exactly. Not for cryptography.
package struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The generator's state; the next output is derived from it.
    package private(set) var state: UInt64

    /// Creates a generator with the given seed.
    package init(seed: UInt64) {
        self.state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A thread-safe, seedable source of random numbers shared by concurrent callers (a ``SplitMix64``
/// behind a mutex).
package final class RandomSource: Sendable {
    private let generator: Mutex<SplitMix64>

    /// A source whose sequence is fixed by `seed`.
    package init(seed: UInt64) {
        self.generator = Mutex(SplitMix64(seed: seed))
    }

    /// A source seeded from the system's random number generator.
    package convenience init() {
        var system = SystemRandomNumberGenerator()
        self.init(seed: system.next())
    }

    /// The next 64 random bits.
    package func next() -> UInt64 {
        generator.withLock { $0.next() }
    }

    /// A uniformly distributed value in `lower...upper` (`lower` when the range is empty or a point).
    package func uniform(_ lower: Double, _ upper: Double) -> Double {
        generator.withLock { Self.uniform(lower, upper, using: &$0) }
    }

    /// A uniformly distributed value in `lower...upper` from `generator`.
    static func uniform<G: RandomNumberGenerator>(_ lower: Double, _ upper: Double, using generator: inout G) -> Double
    {
        guard upper > lower, lower.isFinite, upper.isFinite else { return lower }
        return Double.random(in: lower...upper, using: &generator)
    }
}

/// Capped exponential backoff with jitter: the delay before a retry.
///
/// The un-jittered delay before retry `n` (0 for the first retry) is `min(baseDelay · 2ⁿ, maxDelay)`,
/// and the jitter strategy draws the actual delay from a range:
///
/// | ``JitterStrategy`` | delay drawn from |
/// |---|---|
/// | `full` (default) | U(0, delay) |
/// | `equal` | delay/2 + U(0, delay/2) |
/// | `decorrelated` | U(base, min(max, 3 · previous delay)) — see ``DecorrelatedBound`` |
/// | `none` | delay |
///
/// A Retry-After from the provider replaces the computed delay; ``RetryPolicy`` applies that rule.
public struct BackoffPolicy: Sendable, Hashable {
    /// The upper bound of the `decorrelated` strategy's range U(base, bound).
    ///
    /// `decorrelated` means ``previousTimesThree`` by default: the "Decorrelated Jitter" of the AWS
    /// Architecture Blog's "Exponential Backoff and Jitter", where each delay is drawn from
    /// U(base, 3 · previous delay) (the first from U(base, 3 · base)), capped at `maxDelay`. That is the
    /// DESIGN formula U(base, delay) with "delay" read as three times the previous delay, and it is the
    /// only reading under which the strategy deserves its name: the delays are decorrelated from the
    /// attempt count. Reading "delay" as the attempt's exponential delay (``exponential``) makes the
    /// first retry U(base, base) = exactly `base` for every client, which re-synchronises a thundering
    /// herd on its first retry, the very thing jitter exists to prevent (see `JitterSimulationTests`).
    ///
    /// Unlike the article's `min(cap, U(base, 3 · prev))`, the draw is taken below the cap,
    /// U(base, min(cap, 3 · prev)), so once the bound reaches the cap the delays stay spread over
    /// [base, cap] instead of piling up at exactly `cap`.
    public enum DecorrelatedBound: Sendable, Hashable, CaseIterable {
        /// U(base, min(max, 3 · previous delay)); the first delay uses `base` as the previous one.
        case previousTimesThree
        /// U(base, min(base · 2ⁿ, max)): the literal attempt-based reading, kept for comparison.
        case exponential
    }

    /// The delay before the first retry, before jitter, in seconds.
    public var baseDelay: Double
    /// The cap on any delay, in seconds.
    public var maxDelay: Double
    /// How the delay is randomised.
    public var jitter: JitterStrategy
    /// What `decorrelated` draws up to.
    public var decorrelatedBound: DecorrelatedBound

    /// Creates a policy; the defaults are the guide's (1 s base, 60 s cap, full jitter).
    public init(
        baseDelay: Double = 1.0, maxDelay: Double = 60.0, jitter: JitterStrategy = .full,
        decorrelatedBound: DecorrelatedBound = .previousTimesThree
    ) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.decorrelatedBound = decorrelatedBound
    }

    /// The policy of a `retry:` configuration section.
    public init(_ configuration: RetryConfiguration) {
        self.init(baseDelay: configuration.baseDelay, maxDelay: configuration.maxDelay, jitter: configuration.jitter)
    }

    private var base: Double { max(0, baseDelay.isFinite ? baseDelay : 0) }
    private var cap: Double { max(0, maxDelay.isNaN ? 0 : maxDelay) }

    /// The un-jittered delay before retry `retry` (0-based): `min(baseDelay · 2^retry, maxDelay)`.
    public func exponentialDelay(retry: Int) -> Double {
        let exponent = Double(min(max(retry, 0), 1023))
        return min(base * Double.pow2(exponent), cap)
    }

    /// The range the delay before retry `retry` (0-based) is drawn from; `previousDelay` is the delay
    /// slept before the previous retry (`nil` before the first), used by `decorrelated`.
    public func delayRange(retry: Int, previousDelay: Double? = nil) -> ClosedRange<Double> {
        let delay = exponentialDelay(retry: retry)
        switch jitter {
        case .none:
            return delay...delay
        case .full:
            return 0...delay
        case .equal:
            return (delay / 2)...delay
        case .decorrelated:
            let lower = min(base, cap)
            let bound: Double
            switch decorrelatedBound {
            case .previousTimesThree:
                let previous = max(previousDelay ?? base, base)
                bound = min(cap, 3 * previous)
            case .exponential:
                bound = delay
            }
            return lower...max(lower, bound)
        }
    }

    /// The jittered delay before retry `retry` (0-based), drawn from ``delayRange(retry:previousDelay:)``.
    package func delay(retry: Int, previousDelay: Double? = nil, using random: RandomSource) -> Double {
        let range = delayRange(retry: retry, previousDelay: previousDelay)
        return random.uniform(range.lowerBound, range.upperBound)
    }

    /// The jittered delay before retry `retry`, drawn with `generator`.
    public func delay<G: RandomNumberGenerator>(retry: Int, previousDelay: Double? = nil, using generator: inout G)
        -> Double
    {
        let range = delayRange(retry: retry, previousDelay: previousDelay)
        return RandomSource.uniform(range.lowerBound, range.upperBound, using: &generator)
    }
}

extension Double {
    /// 2^exponent for a non-negative whole exponent (infinity past the double range).
    fileprivate static func pow2(_ exponent: Double) -> Double {
        exponent >= 1024 ? .infinity : Double(sign: .plus, exponent: Int(exponent), significand: 1)
    }
}

/// What to do after an attempt failed, from ``RetryPolicy/decide(after:retriesSoFar:previousDelay:budget:)``.
public enum RetryDecision: Sendable, Hashable {
    /// Retry on the same provider after `after` seconds.
    case retry(after: Double, source: RetryDelaySource)
    /// The error is worth retrying, but not here and now: move to the next provider without waiting.
    case fallBack(FallBackReason)
    /// The error is not retryable on this provider. Whether another provider should get the request
    /// (an invalid key, an exhausted quota, a too-long prompt) or the caller should get the error (a bad
    /// request) is the fallback chain's decision.
    case giveUp(GiveUpReason)

    /// The delay of a ``retry(after:source:)`` decision; `nil` otherwise.
    public var delay: Double? {
        if case .retry(let after, _) = self { return after }
        return nil
    }

    /// Where a retry delay came from.
    public enum RetryDelaySource: Sendable, Hashable {
        /// Computed by the backoff policy.
        case backoff
        /// The provider's Retry-After (`retry-after-ms`, `retry-after`, Gemini `RetryInfo`).
        case retryAfter
    }

    /// Why a retryable error moves to the next provider.
    public enum FallBackReason: Sendable, Hashable {
        /// The provider asked to wait this many seconds, more than the configured ceiling.
        case retryAfterAboveCeiling(Double)
        /// `max_retries` retries were already made on this provider.
        case retriesExhausted
        /// The retry budget is spent: retries already make up the allowed share of traffic.
        case budgetExhausted
    }

    /// Why an error is not retried on this provider.
    public enum GiveUpReason: Sendable, Hashable {
        /// The error type is never retried (`bad_request`, `authentication`, `quota_exhausted`, …, or a
        /// `stream_truncated` after text was delivered).
        case notRetryable(ErrorType)
        /// The provider sent `x-should-retry: false`.
        case providerSaidDoNotRetry
    }
}

/// Decides whether and when a failed attempt is retried on the same provider.
///
/// The order of the checks: a non-retryable error (``ProviderError/isRetryable``, which includes the
/// `x-should-retry: false` veto) gives up; after `maxRetries` retries the request falls back; a
/// provider-given Retry-After longer than `retryAfterCeiling` falls back at once; a retry the budget
/// cannot pay for falls back; otherwise the retry waits the provider's Retry-After when it gave one
/// (exactly, without jitter: it replaces the computed delay) or the backoff policy's jittered delay.
public struct RetryPolicy: Sendable {
    /// Retries allowed per provider per request (attempts = retries + 1).
    public var maxRetries: Int
    /// A Retry-After longer than this (seconds) makes the request fall back instead of waiting.
    public var retryAfterCeiling: Double
    /// The computed delays.
    public var backoff: BackoffPolicy
    /// The random numbers of the jitter.
    package let random: RandomSource

    /// Creates a policy; the defaults are the guide's.
    package init(
        maxRetries: Int = 5, retryAfterCeiling: Double = 60, backoff: BackoffPolicy = BackoffPolicy(),
        random: RandomSource = RandomSource()
    ) {
        self.maxRetries = maxRetries
        self.retryAfterCeiling = retryAfterCeiling
        self.backoff = backoff
        self.random = random
    }

    /// The policy of a `retry:` section; `maxRetries` overrides its `max_retries` (a provider's own).
    package init(_ configuration: RetryConfiguration, maxRetries: Int? = nil, random: RandomSource = RandomSource()) {
        self.init(
            maxRetries: maxRetries ?? configuration.maxRetries, retryAfterCeiling: configuration.retryAfterCeiling,
            backoff: BackoffPolicy(configuration), random: random)
    }

    /// Decides what follows the failed attempt.
    ///
    /// - Parameters:
    ///   - error: the attempt's error.
    ///   - retriesSoFar: retries already made on this provider for this request (0 after the first
    ///     attempt); it is also the backoff's retry index.
    ///   - previousDelay: the delay slept before the previous retry, for `decorrelated` jitter.
    ///   - budget: when given, a retry must withdraw from it; a decision to retry has withdrawn.
    public func decide(
        after error: ProviderError, retriesSoFar: Int, previousDelay: Double? = nil, budget: RetryBudget? = nil
    ) -> RetryDecision {
        if error.shouldRetryHeader == false { return .giveUp(.providerSaidDoNotRetry) }
        guard error.isRetryable else { return .giveUp(.notRetryable(error.errorType)) }
        guard retriesSoFar < maxRetries else { return .fallBack(.retriesExhausted) }
        let retryAfter = error.retryAfter.map { max(0, TimeConversion.seconds($0)) }
        if let retryAfter, retryAfter > retryAfterCeiling {
            return .fallBack(.retryAfterAboveCeiling(retryAfter))
        }
        if let budget, !budget.tryWithdraw() { return .fallBack(.budgetExhausted) }
        if let retryAfter { return .retry(after: retryAfter, source: .retryAfter) }
        return .retry(
            after: backoff.delay(retry: retriesSoFar, previousDelay: previousDelay, using: random), source: .backoff)
    }
}

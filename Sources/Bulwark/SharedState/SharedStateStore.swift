/// State that the replicas of a service share so that they behave as one client of each provider: one
/// rate-limit budget (requests and tokens per minute, concurrency) and one circuit breaker per provider.
///
/// ``ResilientClient`` asks the store once before each attempt (``admit(_:)``: one round trip) and
/// tells it about outcomes without waiting. Every method must answer or throw within the store's own
/// short timeout; when it throws, the client uses its local limiter and breaker for that call, counts
/// `llm_api_shared_state_errors_total{operation}` and sets `llm_api_shared_state_up` to 0.
/// `BulwarkRedis` provides the Redis implementation.
public protocol SharedStateStore: Sendable {
    /// Admits an attempt in the shared budget, or says why not.
    func admit(_ request: SharedAdmissionRequest) async throws -> SharedAdmission
    /// Reports how an admitted attempt ended: real token usage, the lease to release, a trial's outcome.
    func complete(_ completion: SharedCompletion) async throws
    /// Publishes that this replica's breaker of `provider` opened (`open`: other replicas stop calling it
    /// for `recoverySeconds`) or closed after successful trials.
    func publishCircuit(provider: String, open: Bool, recoverySeconds: Double) async throws
    /// Publishes what a response's rate-limit headers said, so that every replica's budget follows them.
    func publishProviderLimits(_ limits: SharedProviderLimits) async throws
}

/// What ``SharedStateStore/admit(_:)`` is asked.
public struct SharedAdmissionRequest: Sendable, Equatable {
    /// The provider.
    public var provider: String
    /// Its configured limits (shared by all replicas: each replica configures the provider's full quota).
    public var limits: RateLimitConfiguration
    /// Input plus expected output tokens.
    public var estimatedTokens: Int
    /// How long a concurrency lease or half-open trial lease lives if its completion never arrives.
    public var leaseSeconds: Double
    /// Trial calls let through at once when the shared breaker's recovery timeout has passed.
    public var halfOpenMaxCalls: Int
    /// The outage window: failures older than this no longer count (`outage.window_seconds`).
    public var outageWindowSeconds: Double

    /// Creates a request.
    public init(
        provider: String, limits: RateLimitConfiguration, estimatedTokens: Int, leaseSeconds: Double, halfOpenMaxCalls: Int,
        outageWindowSeconds: Double = 300
    ) {
        self.provider = provider
        self.limits = limits
        self.estimatedTokens = estimatedTokens
        self.leaseSeconds = leaseSeconds
        self.halfOpenMaxCalls = halfOpenMaxCalls
        self.outageWindowSeconds = outageWindowSeconds
    }
}

/// The answer of ``SharedStateStore/admit(_:)``.
public enum SharedAdmission: Sendable, Hashable {
    /// Go now; report the end with ``SharedStateStore/complete(_:)`` when ``SharedGrant/needsCompletion``.
    case granted(SharedGrant)
    /// Nothing was reserved; the attempt fits in `seconds`.
    case wait(seconds: Double, reason: RateLimitReason)
    /// Every shared concurrency slot is leased.
    case concurrencyLimited
    /// Another replica opened the provider's breaker; `retryAfter` is the time to the first trial,
    /// `nil` when the trial slots are taken; `outageFailures` as in ``SharedGrant/outageFailures``.
    case circuitOpen(retryAfter: Double?, outageFailures: Int = 0)
}

/// An admitted attempt's reservation in the shared budget.
public struct SharedGrant: Sendable, Hashable {
    /// The reservation's identifier in the store.
    public var id: Int64
    /// The tokens reserved.
    public var estimatedTokens: Int
    /// Whether the attempt is a half-open trial of the shared breaker.
    public var isTrial: Bool
    /// Whether a concurrency lease was taken.
    public var holdsLease: Bool
    /// Whether a tokens-per-minute reservation was made (so real usage corrects it).
    public var reservedTokens: Bool
    /// Counted failures of the provider in the shared outage window, across every replica.
    public var outageFailures: Int

    /// Creates a grant.
    public init(
        id: Int64, estimatedTokens: Int, isTrial: Bool, holdsLease: Bool, reservedTokens: Bool, outageFailures: Int = 0
    ) {
        self.id = id
        self.estimatedTokens = estimatedTokens
        self.isTrial = isTrial
        self.holdsLease = holdsLease
        self.reservedTokens = reservedTokens
        self.outageFailures = outageFailures
    }
}

/// How an admitted attempt ended, for ``SharedStateStore/complete(_:)``.
public struct SharedCompletion: Sendable, Hashable {
    /// How a trial call ended; also what the attempt means for the shared outage window.
    public enum TrialOutcome: Sendable, Hashable {
        /// Not a trial, or an outcome that says nothing about the provider.
        case none
        case succeeded
        case failed
    }

    /// The provider.
    public var provider: String
    /// The grant.
    public var grant: SharedGrant
    /// Input plus output tokens reported by the provider; `nil` keeps the estimate.
    public var actualTokens: Int?
    /// A trial's outcome.
    public var trial: TrialOutcome
    /// Successful trials that close the shared breaker.
    public var successThreshold: Int
    /// How long a failed trial reopens the shared breaker.
    public var recoverySeconds: Double
    /// For the shared outage window: a counted failure (`failed`), a success that ends an outage other
    /// replicas counted (`succeeded`), or nothing.
    public var outage: TrialOutcome
    /// The outage window, in seconds.
    public var outageWindowSeconds: Double

    /// Creates a completion.
    public init(
        provider: String, grant: SharedGrant, actualTokens: Int?, trial: TrialOutcome, successThreshold: Int,
        recoverySeconds: Double, outage: TrialOutcome = .none, outageWindowSeconds: Double = 300
    ) {
        self.outage = outage
        self.outageWindowSeconds = outageWindowSeconds
        self.provider = provider
        self.grant = grant
        self.actualTokens = actualTokens
        self.trial = trial
        self.successThreshold = successThreshold
        self.recoverySeconds = recoverySeconds
    }

    /// Whether the store has anything to do.
    public var isNeeded: Bool {
        grant.holdsLease || grant.isTrial || outage != .none || (grant.reservedTokens && actualTokens.map { $0 != grant.estimatedTokens } == true)
    }
}

/// A provider's limits as its headers reported them, for ``SharedStateStore/publishProviderLimits(_:)``.
public struct SharedProviderLimits: Sendable, Hashable {
    /// The provider.
    public var provider: String
    /// Requests left in the provider's window, if reported.
    public var requestsRemaining: Int?
    /// Seconds until the requests allowance is full again.
    public var requestsResetAfter: Double
    /// Tokens left in the provider's window, if reported.
    public var tokensRemaining: Int?
    /// Seconds until the tokens allowance is full again.
    public var tokensResetAfter: Double

    /// Creates limits.
    public init(
        provider: String, requestsRemaining: Int?, requestsResetAfter: Double, tokensRemaining: Int?,
        tokensResetAfter: Double
    ) {
        self.provider = provider
        self.requestsRemaining = requestsRemaining
        self.requestsResetAfter = requestsResetAfter
        self.tokensRemaining = tokensRemaining
        self.tokensResetAfter = tokensResetAfter
    }
}

import BulwarkCore
import Foundation
import Synchronization

/// One configured provider at run time: its adapter and key, and the resilience state kept for it.
///
/// Breaker and outage state changes reach the recorder through the patterns' ordered change callbacks,
/// so no transition (open → half-open → open) is missed between two requests.
final class ProviderSlot: Sendable {
    let configuration: ProviderConfiguration
    let adapter: any ProviderAdapter
    /// Where a `vertex` provider's access tokens come from (`nil`: the API key authenticates).
    let tokenSource: (any AccessTokenSource)?
    /// The key attempts use, swapped when `api_key_file` changes.
    let keys: APIKeyHolder
    /// Re-reads `api_key_file`; `nil` for a key from the environment.
    let keyWatcher: APIKeyFileWatcher?
    /// Why the extra headers could not be resolved, if they could not.
    let headerProblem: String?
    let breaker: CircuitBreaker
    let limiter: RateLimiter
    let outage: OutageDetector
    let retryPolicy: RetryPolicy
    /// The replicas' shared limiter and breaker (`shared_state`), or `nil`.
    let shared: SharedStateGate?
    /// The breaker and outage state this replica reports: its own combined with the shared store's.
    let reported: ReportedProviderState
    /// `gen_ai.provider.name`, `server.address` and `server.port` of this provider's spans.
    let spanIdentity: ProviderSpanIdentity
    /// Whether the last outage status passed to degraded mode was healthy (see `noteOutageStatus`).
    let degradedModeSawHealthy = Atomic<Bool>(false)
    private let recorder: any MetricsRecorder

    var name: String { configuration.name }

    init(
        configuration: ProviderConfiguration, credentials: ProviderCredentials, settings: BulwarkConfiguration,
        clock: any ResilienceClock, random: RandomSource, recorder: any MetricsRecorder, shared: SharedStateGate? = nil,
        tokenSource: (any AccessTokenSource)? = nil
    ) {
        self.configuration = configuration
        self.tokenSource = tokenSource
        var endpoint = configuration.endpoint
        endpoint.extraHeaders = credentials.headers
        adapter = endpoint.makeAdapter()
        keys = APIKeyHolder(credentials.key)
        headerProblem = credentials.headerProblem
        keyWatcher = Self.watcher(configuration, key: credentials.key, holder: keys, recorder: recorder)
        spanIdentity = ProviderSpanIdentity(configuration)
        let name = configuration.name
        let reported = ReportedProviderState(provider: name, recorder: recorder, clock: clock)
        self.reported = reported
        breaker = CircuitBreaker(provider: name, configuration: settings.circuitBreaker, clock: clock) { event in
            reported.localCircuitChanged(to: event.to)
            if event.isOpening { recorder.record(.circuitOpened(provider: name)) }
            shared?.circuitChanged(provider: name, event: event)
        }
        limiter = RateLimiter(provider: name, configuration: configuration.rateLimits, clock: clock)
        outage = OutageDetector(provider: name, configuration: settings.outage, clock: clock) { event in
            reported.localOutageChanged(to: event.to)
        }
        retryPolicy = RetryPolicy(settings.retry, maxRetries: configuration.maxRetries, random: random)
        self.recorder = recorder
        self.shared = shared
    }

    /// Feeds a response's rate-limit headers to the limiter and the gauges.
    func observe(headers: HTTPHeaderFields, now: Date) {
        let parsed = RateLimitHeaders(parsing: headers, now: now, retryHints: false)
        guard !parsed.buckets.isEmpty else { return }
        limiter.update(from: parsed)
        shared?.observe(provider: name, headers: parsed)
        for bucket in parsed.buckets {
            recorder.record(.rateLimit(
                provider: name, resource: bucket.resource, remaining: bucket.remaining.map(Double.init),
                limit: bucket.limit.map(Double.init)))
        }
    }

    /// The circuit state this replica reports (its breaker's, or the shared one when that is worse).
    func circuitState() -> CircuitState {
        _ = breaker.currentState()
        return reported.circuit()
    }

    /// Records the outcome of an attempt in the breaker and the outage detector.
    func recordOutcome(_ error: ProviderError?, permit: CircuitPermit) {
        if let error {
            breaker.record(error, for: permit)
            _ = outage.record(error)
        } else {
            breaker.recordSuccess(permit)
            outage.recordSuccess()
        }
        noteSharedOutage()
    }

    /// The price of an answer, from the configured price table.
    func cost(of usage: TokenUsage?) -> Double {
        configuration.pricing?.cost(for: usage) ?? 0
    }
}

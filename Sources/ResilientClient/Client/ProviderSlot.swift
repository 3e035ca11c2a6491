import CallMetrics
import Foundation
import Synchronization

/// One configured provider at run time: its adapter and key, and the resilience state kept for it.
///
/// State changes are published to telemetry synchronously, right after the call that caused them,
/// so gauges never lag behind what the client does.
final class ProviderSlot: Sendable {
    let configuration: ProviderConfiguration
    let adapter: any ProviderAdapter
    let apiKey: APIKey
    let breaker: CircuitBreaker
    let limiter: RateLimiter
    let outage: OutageDetector
    let retryPolicy: RetryPolicy
    private let telemetry: any ClientTelemetry
    private let published: Mutex<(circuit: CircuitState, severity: OutageSeverity)>

    var name: String { configuration.name }

    init(
        configuration: ProviderConfiguration, apiKey: APIKey, settings: BulwarkConfiguration,
        clock: any ResilienceClock, random: RandomSource, telemetry: any ClientTelemetry
    ) {
        self.configuration = configuration
        adapter = configuration.endpoint.makeAdapter()
        self.apiKey = apiKey
        breaker = CircuitBreaker(provider: configuration.name, configuration: settings.circuitBreaker, clock: clock)
        limiter = RateLimiter(provider: configuration.name, configuration: configuration.rateLimits, clock: clock)
        outage = OutageDetector(provider: configuration.name, configuration: settings.outage, clock: clock)
        retryPolicy = RetryPolicy(settings.retry, maxRetries: configuration.maxRetries, random: random)
        self.telemetry = telemetry
        published = Mutex((.closed, .none))
        telemetry.setCircuitState(.closed, provider: configuration.name)
        telemetry.setOutageSeverity(.none, provider: configuration.name)
    }

    /// Publishes breaker and outage state if either changed since the last call.
    func publishState() {
        let circuit = breaker.currentState()
        let severity = outage.severity
        let changes = published.withLock { last -> (circuit: CircuitState?, severity: OutageSeverity?) in
            defer { last = (circuit, severity) }
            return (last.circuit == circuit ? nil : circuit, last.severity == severity ? nil : severity)
        }
        if let circuit = changes.circuit {
            telemetry.setCircuitState(circuit, provider: name)
            if circuit == .open { telemetry.recordCircuitOpened(provider: name) }
        }
        if let severity = changes.severity { telemetry.setOutageSeverity(severity, provider: name) }
    }

    /// Feeds a response's rate-limit headers to the limiter and the gauges.
    func observe(headers: HTTPHeaderFields, now: Date) {
        let parsed = RateLimitHeaders(parsing: headers, now: now)
        guard !parsed.buckets.isEmpty else { return }
        limiter.update(from: parsed)
        for bucket in parsed.buckets {
            telemetry.setRateLimit(
                provider: name, resource: bucket.resource, remaining: bucket.remaining.map(Double.init),
                limit: bucket.limit.map(Double.init))
        }
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
        publishState()
    }

    /// The price of an answer, from the configured price table.
    func cost(of usage: TokenUsage?) -> Double {
        configuration.pricing?.cost(for: usage) ?? 0
    }
}

public import BulwarkCore
import Foundation
import Synchronization

/// The in-process registry: turns each ``APICallMetric`` into the `llm_api_*` families and holds the
/// gauges the client sets (circuit state, rate limits, outage severity, budget, alerts).
///
/// Every method is thread-safe. ``record(_:)`` takes one lock and touches a fixed number of
/// pre-encoded series, so it stays cheap from many threads at once; rendering holds the same lock
/// while it copies bytes out.
public final class MetricsRegistry: MetricsRecorder, Sendable {
    /// Limits of the registry.
    public struct Configuration: Sendable {
        /// Distinct `provider` label values kept before new ones become `other`.
        public var maxProviders: Int
        /// Distinct `model` label values kept before new ones become `other`.
        public var maxModels: Int

        /// Creates a configuration; the defaults suit a fleet of a few providers and their models.
        public init(maxProviders: Int = 32, maxModels: Int = 256) {
            self.maxProviders = maxProviders
            self.maxModels = maxModels
        }
    }

    let state: Mutex<RegistryState>
    private let wallClock: @Sendable () -> Double

    /// Creates an empty registry.
    ///
    /// - Parameter wallClock: Unix time in seconds, used for OpenMetrics `_created` samples of series
    ///   that are not created by an event (events carry their own timestamp).
    public init(
        configuration: Configuration = Configuration(),
        wallClock: @escaping @Sendable () -> Double = MetricsRegistry.systemWallClock
    ) {
        self.wallClock = wallClock
        state = Mutex(RegistryState(
            maxProviders: configuration.maxProviders, maxModels: configuration.maxModels, now: wallClock()))
    }

    private func now() -> Double { wallClock() }

    /// The system's Unix time in seconds.
    @Sendable public static func systemWallClock() -> Double { Date().timeIntervalSince1970 }

    /// Records one attempt made in this process.
    public func record(_ metric: APICallMetric) {
        record(metric, source: .client)
    }

    /// Records one attempt, counting it under `source` in `llm_api_events_ingested_total`.
    public func record(_ metric: APICallMetric, source: EventSource) {
        let latency = metric.latencyMs / 1000
        let firstToken = metric.timeToFirstTokenMs.map { $0 / 1000 }
        state.withLock { state in
            let now = metric.timestamp
            let index = state.seriesIndex(provider: metric.provider, model: metric.model, now: now)
            state.countCall(series: index, statusCode: metric.statusCode, errorType: metric.errorType, now: now)
            let position = Int(index)
            state.series[position].duration.observe(latency, bounds: MetricCatalog.durationBuckets)
            if let firstToken {
                state.series[position].timeToFirstToken.observe(firstToken, bounds: MetricCatalog.timeToFirstTokenBuckets)
            }
            state.series[position].inputTokens &+= UInt64(clamping: metric.inputTokens)
            state.series[position].outputTokens &+= UInt64(clamping: metric.outputTokens)
            if metric.isRetry { state.series[position].retries &+= 1 }
            state.series[position].cost += metric.costUSD
            state.eventsIngested.add([source.rawValue], 1, now: now)
        }
    }

    /// A copy of the cap on `provider` label values, with the values admitted so far (for replays that
    /// must fold names exactly as the registry does).
    package func providerLabelCap() -> LabelCap {
        state.withLock { $0.providers }
    }

    /// Records a request outcome, a fallback or a change of provider state into its family.
    public func record(_ event: ClientEvent) {
        switch event {
        case .requestFinished(let outcome): recordRequest(outcome: outcome)
        case .fallback(let from, let to): recordFallback(from: from, to: to)
        case .circuitStateChanged(let provider, let state): setCircuitState(state, provider: provider)
        case .circuitOpened(let provider): recordCircuitOpened(provider: provider)
        case .rateLimit(let provider, let resource, let remaining, let limit):
            setRateLimit(provider: provider, resource: resource, remaining: remaining, limit: limit)
        case .outageSeverityChanged(let provider, let severity): setOutageSeverity(severity, provider: provider)
        case .sharedStateAvailability(let up): setSharedStateUp(up)
        case .sharedStateError(let operation): recordSharedStateError(operation)
        }
    }

    /// Records a batch of attempts under one lock acquisition per event.
    public func record(_ metrics: some Sequence<APICallMetric>, source: EventSource) {
        for metric in metrics { record(metric, source: source) }
    }

    /// Counts one logical request and how it ended.
    public func recordRequest(outcome: RequestOutcome) {
        state.withLock { $0.requests.add([outcome.rawValue], 1, now: now()) }
    }

    /// Counts a move from one provider to the next in the fallback chain.
    public func recordFallback(from: String, to: String) {
        state.withLock { state in
            let from = state.providers.admit(from)
            let to = state.providers.admit(to)
            state.fallbacks.add([from, to], 1, now: now())
        }
    }

    /// Sets a provider's circuit state: 1 on `state`, 0 on the other two.
    public func setCircuitState(_ circuit: CircuitState, provider: String) {
        state.withLock { state in
            let provider = state.providers.admit(provider)
            let now = now()
            for candidate in CircuitState.allCases {
                state.circuitState.set([provider, candidate.rawValue], candidate == circuit ? 1 : 0, now: now)
            }
        }
    }

    /// Counts one opening of a provider's circuit breaker.
    public func recordCircuitOpened(provider: String) {
        state.withLock { state in
            state.circuitOpens.add([state.providers.admit(provider)], 1, now: now())
        }
    }

    /// Sets the rate-limit gauges of a provider from its response headers.
    public func setRateLimit(provider: String, resource: RateLimitResource, remaining: Double?, limit: Double?) {
        state.withLock { state in
            let labels = [state.providers.admit(provider), resource.rawValue]
            if let remaining { state.rateLimitRemaining.set(labels, remaining, now: now()) }
            if let limit { state.rateLimitLimit.set(labels, limit, now: now()) }
        }
    }

    /// Sets a provider's outage severity.
    public func setOutageSeverity(_ severity: OutageSeverity, provider: String) {
        state.withLock { state in
            state.outageSeverity.set([state.providers.admit(provider)], Double(severity.rawValue), now: now())
        }
    }

    /// Sets `llm_api_shared_state_up`; the error counter's series are created with it, so that rates
    /// over them start at 0.
    public func setSharedStateUp(_ up: Bool) {
        state.withLock { state in
            let now = now()
            state.sharedStateUp.set([], up ? 1 : 0, now: now)
            for operation in SharedStateOperation.allCases { state.sharedStateErrors.add([operation.rawValue], 0, now: now) }
        }
    }

    /// Counts one shared-state operation that fell back to local state.
    public func recordSharedStateError(_ operation: SharedStateOperation) {
        state.withLock { $0.sharedStateErrors.add([operation.rawValue], 1, now: now()) }
    }

    /// Sets the daily budget gauge.
    public func setDailyBudget(usd: Double) {
        state.withLock { $0.dailyBudget.set([], usd, now: now()) }
    }

    /// Sets whether the in-process evaluator considers an alert firing.
    public func setAlertFiring(alertname: String, severity: String, firing: Bool) {
        state.withLock { $0.alertFiring.set([alertname, severity], firing ? 1 : 0, now: now()) }
    }

    /// Counts events refused at ingestion.
    public func recordRejected(reason: String, count: Int = 1) {
        state.withLock { $0.eventsRejected.add([reason], Double(count), now: now()) }
    }

    /// Renders every family, plus `extra` families collected elsewhere (process, log sink), sorted by name.
    public func render(format: ExpositionFormat, extra: [CollectedFamily] = []) -> [UInt8] {
        state.withLock { state in
            var writer = ExpositionWriter(format: format, capacity: 256 + state.calls.count * 160 + state.series.count * 2_400)
            RegistryExposition.render(state, extra: extra, into: &writer)
            writer.finish()
            return writer.bytes
        }
    }

    /// The current value of a counter or gauge series, for tests and the alert evaluator.
    ///
    /// `labels` must name every label of the series. Histograms are read through ``histogram(_:provider:model:)``.
    public func value(_ family: MetricDescriptor, labels: [String: String] = [:]) -> Double? {
        state.withLock { state in RegistryExposition.value(of: family, labels: labels, in: state) }
    }

    /// The number of events whose provider or model label overflowed into `other`.
    public var labelOverflowCount: UInt64 {
        state.withLock { $0.providers.overflowed + $0.models.overflowed }
    }
}

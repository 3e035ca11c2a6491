public import BulwarkCore
import Foundation
import Synchronization

/// The in-process registry: turns each ``APICallMetric`` into the `llm_api_*` families and holds the
/// gauges the client sets (circuit state, rate limits, outage severity, budget, alerts).
///
/// Every method is thread-safe, and recording never waits for a scrape. The design, and why:
/// - Each (provider, model) pair is a ``PairCell`` with its own lock over plain counters (histograms
///   inline, call series in a small sorted array). ``record(_:)`` finds its pair under the index lock
///   (one hash lookup), then updates that pair under the pair's lock: two short critical sections,
///   neither of which a scrape holds for more than a few counters.
/// - A scrape takes the index lock only to retain the sorted pair list (copy-on-write, no copy), then
///   locks each pair for a plain memory copy of its counts (a few hundred bytes) and renders the copy
///   without any lock. So a recording thread waits at most for one pair's copy, never for a render,
///   whatever the number of series; per-series atomics would be cheaper for the scrape but cost the
///   recorder some twenty atomic read-modify-writes per event where one uncontended lock does.
/// - Events-ingested counters live in the pairs too (no counter shared by all recording threads); the
///   small client-event families have a lock of their own.
/// - The total number of series is capped (``Configuration/maxSeries``): past it, new label
///   combinations fold into `other` and are counted in `llm_api_series_dropped_total{family}`;
///   status codes outside the known set fold into their class (see ``StatusCodeLabel``).
public final class MetricsRegistry: MetricsRecorder, Sendable {
    /// Limits of the registry.
    public struct Configuration: Sendable {
        /// Distinct `provider` label values kept before new ones become `other`.
        public var maxProviders: Int
        /// Distinct `model` label values kept before new ones become `other`.
        public var maxModels: Int
        /// Series of all families together before new label combinations fold into `other`.
        public var maxSeries: Int

        /// The default total series cap.
        public static let defaultMaxSeries = 20_000

        /// Creates a configuration; the defaults suit a fleet of a few providers and their models.
        public init(maxProviders: Int = 32, maxModels: Int = 256, maxSeries: Int = defaultMaxSeries) {
            self.maxProviders = maxProviders
            self.maxModels = maxModels
            self.maxSeries = maxSeries
        }
    }

    let index: Mutex<SeriesIndex>
    let small: Mutex<SmallFamilies>
    let budget: SeriesBudget
    private let created: Double
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
        let now = wallClock()
        created = now
        let budget = SeriesBudget(limit: configuration.maxSeries)
        self.budget = budget
        index = Mutex(SeriesIndex(maxProviders: configuration.maxProviders, maxModels: configuration.maxModels))
        var families = SmallFamilies()
        for outcome in RequestOutcome.allCases { families.add(\.requests, [outcome.rawValue], 0, now: now, budget: budget) }
        _ = budget.take(EventSource.allCases.count)
        small = Mutex(families)
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
        let now = metric.timestamp
        let budget = self.budget
        let (cell, folded) = index.withLock { index in
            index.cell(provider: metric.provider, model: metric.model, now: now, budget: budget)
        }
        let status = StatusCodeLabel(folding: metric.statusCode)
        let error = ErrorTypeLabel(metric.errorType)
        let latency = metric.latencyMs / 1000
        let firstToken = metric.timeToFirstTokenMs.map { $0 / 1000 }
        let callFolded = cell.state.withLock { state -> Bool in
            state.counts.duration.observe(latency, bounds: MetricCatalog.durationBuckets)
            if let firstToken {
                state.counts.timeToFirstToken.observe(firstToken, bounds: MetricCatalog.timeToFirstTokenBuckets)
            }
            state.counts.inputTokens &+= UInt64(clamping: metric.inputTokens)
            state.counts.outputTokens &+= UInt64(clamping: metric.outputTokens)
            if metric.isRetry { state.counts.retries &+= 1 }
            state.counts.cost += metric.costUSD
            if source == .client { state.counts.ingestedClient &+= 1 } else { state.counts.ingestedHTTP &+= 1 }
            let (position, found) = state.position(of: status, error)
            if found {
                state.calls[position].count &+= 1
                return false
            }
            guard budget.take(1) else { return true }
            state.calls.insert(CallEntry(status: status, error: error, created: now, count: 1), at: position)
            return false
        }
        if folded { countPairFold(firstToken: firstToken != nil) }
        if callFolded { countOverflowCall(now: now) }
    }

    private func countPairFold(firstToken: Bool) {
        for family in [MetricCatalog.callDuration, MetricCatalog.tokens, MetricCatalog.retries, MetricCatalog.cost] {
            budget.drop(family: family.name)
        }
        if firstToken { budget.drop(family: MetricCatalog.timeToFirstToken.name) }
    }

    /// Counts a call whose series did not fit in `llm_api_calls_total{…="other"}` (paid for in advance).
    private func countOverflowCall(now: Double) {
        budget.drop(family: MetricCatalog.calls.name)
        let other = index.withLock { $0.otherCell(now: now) }
        other.state.withLock { state in
            let (position, found) = state.position(of: .other, .other)
            if found {
                state.calls[position].count &+= 1
            } else {
                state.calls.insert(CallEntry(status: .other, error: .other, created: now, count: 1), at: position)
            }
        }
    }

    /// A copy of the cap on `provider` label values, with the values admitted so far (for replays that
    /// must fold names exactly as the registry does).
    package func providerLabelCap() -> LabelCap {
        index.withLock { $0.providers }
    }

    private func admitProvider(_ provider: String) -> String {
        index.withLock { $0.providers.admit(provider) }
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
        case .hedge(let provider, let won): recordHedge(provider: provider, won: won)
        case .sharedStateAvailability(let up): setSharedStateUp(up)
        case .sharedStateError(let operation): recordSharedStateError(operation)
        case .apiKeyReloaded(let provider, _, let problem): recordKeyReload(provider: provider, accepted: problem == nil)
        }
    }

    /// Records a batch of attempts.
    public func record(_ metrics: some Sequence<APICallMetric>, source: EventSource) {
        for metric in metrics { record(metric, source: source) }
    }

    /// Counts one logical request and how it ended.
    public func recordRequest(outcome: RequestOutcome) {
        let now = now()
        small.withLock { $0.add(\.requests, [outcome.rawValue], 1, now: now, budget: budget) }
    }

    /// Counts a move from one provider to the next in the fallback chain.
    public func recordFallback(from: String, to: String) {
        let (from, to) = index.withLock { ($0.providers.admit(from), $0.providers.admit(to)) }
        let now = now()
        small.withLock { $0.add(\.fallbacks, [from, to], 1, now: now, budget: budget) }
    }

    /// Counts a hedged request's second attempt, by whether it answered first.
    public func recordHedge(provider: String, won: Bool) {
        let provider = admitProvider(provider)
        let now = now()
        small.withLock { $0.add(\.hedges, [provider, won ? "won" : "lost"], 1, now: now, budget: budget) }
    }

    /// Sets a provider's circuit state: 1 on `state`, 0 on the other two.
    public func setCircuitState(_ circuit: CircuitState, provider: String) {
        let provider = admitProvider(provider)
        let now = now()
        small.withLock { families in
            for candidate in CircuitState.allCases {
                families.set(\.circuitState, [provider, candidate.rawValue], candidate == circuit ? 1 : 0, now: now, budget: budget)
            }
        }
    }

    /// Counts one opening of a provider's circuit breaker.
    public func recordCircuitOpened(provider: String) {
        let provider = admitProvider(provider)
        let now = now()
        small.withLock { $0.add(\.circuitOpens, [provider], 1, now: now, budget: budget) }
    }

    /// Sets the rate-limit gauges of a provider from its response headers.
    public func setRateLimit(provider: String, resource: RateLimitResource, remaining: Double?, limit: Double?) {
        let labels = [admitProvider(provider), resource.rawValue]
        let now = now()
        small.withLock { families in
            if let remaining { families.set(\.rateLimitRemaining, labels, remaining, now: now, budget: budget) }
            if let limit { families.set(\.rateLimitLimit, labels, limit, now: now, budget: budget) }
        }
    }

    /// Sets a provider's outage severity.
    public func setOutageSeverity(_ severity: OutageSeverity, provider: String) {
        let provider = admitProvider(provider)
        let now = now()
        small.withLock { $0.set(\.outageSeverity, [provider], Double(severity.rawValue), now: now, budget: budget) }
    }

    /// Sets `llm_api_shared_state_up`; the error counter's series are created with it, so that rates
    /// over them start at 0.
    public func setSharedStateUp(_ up: Bool) {
        let now = now()
        small.withLock { families in
            families.set(\.sharedStateUp, [], up ? 1 : 0, now: now, budget: budget)
            for operation in SharedStateOperation.allCases {
                families.add(\.sharedStateErrors, [operation.rawValue], 0, now: now, budget: budget)
            }
        }
    }

    /// Counts one shared-state operation that fell back to local state.
    public func recordSharedStateError(_ operation: SharedStateOperation) {
        let now = now()
        small.withLock { $0.add(\.sharedStateErrors, [operation.rawValue], 1, now: now, budget: budget) }
    }

    /// Sets `llm_api_provider_status` of `provider` to a status page indicator (0 none … 3 critical).
    public func setProviderStatus(_ status: Int, provider: String) {
        let provider = admitProvider(provider)
        let now = now()
        small.withLock { $0.set(\.providerStatus, [provider], Double(status), now: now, budget: budget) }
    }

    /// Adds `count` failed polls of `provider`'s status page to `llm_api_status_page_errors_total`
    /// (`count: 0` creates the series, so that rates over it start at 0).
    public func recordStatusPageErrors(provider: String, count: Int = 1) {
        let provider = admitProvider(provider)
        let now = now()
        small.withLock { $0.add(\.statusPageErrors, [provider], Double(count), now: now, budget: budget) }
    }

    /// Counts a key re-read from a provider's `api_key_file`, by whether it was accepted.
    public func recordKeyReload(provider: String, accepted: Bool) {
        let provider = admitProvider(provider)
        let now = now()
        small.withLock { $0.add(\.keyReloads, [provider, accepted ? "ok" : "invalid"], 1, now: now, budget: budget) }
    }

    /// Sets the daily budget gauge.
    public func setDailyBudget(usd: Double) {
        let now = now()
        small.withLock { $0.set(\.dailyBudget, [], usd, now: now, budget: budget) }
    }

    /// Sets whether the in-process evaluator considers an alert firing.
    public func setAlertFiring(alertname: String, severity: String, firing: Bool) {
        let now = now()
        small.withLock { $0.set(\.alertFiring, [alertname, severity], firing ? 1 : 0, now: now, budget: budget) }
    }

    /// Counts events refused at ingestion.
    public func recordRejected(reason: String, count: Int = 1) {
        let now = now()
        small.withLock { $0.add(\.eventsRejected, [reason], Double(count), now: now, budget: budget) }
    }

    /// Copies what a scrape reads; see the type's documentation for which locks it takes and how briefly.
    func snapshot() -> RegistrySnapshot {
        var snapshot = RegistrySnapshot()
        let (sorted, providerOverflow, modelOverflow) = index.withLock {
            ($0.sorted, $0.providers.overflowed, $0.models.overflowed)
        }
        snapshot.copy(pairs: sorted)
        snapshot.providerOverflow = providerOverflow
        snapshot.modelOverflow = modelOverflow
        snapshot.small = small.withLock { $0 }
        snapshot.dropped = budget.droppedByFamily
        snapshot.created = created
        return snapshot
    }

    /// Renders every family, plus `extra` families collected elsewhere (process, log sink), sorted by name.
    public func render(format: ExpositionFormat, extra: [CollectedFamily] = []) -> [UInt8] {
        let snapshot = snapshot()
        var writer = ExpositionWriter(format: format, capacity: 4_096 + snapshot.calls.count * 160 + snapshot.pairs.count * 2_400)
        RegistryExposition.render(snapshot, extra: extra, into: &writer)
        writer.finish()
        return writer.bytes
    }

    /// Renders like ``render(format:extra:)`` but hands the exposition to `body` in chunks of about
    /// `chunkSize` bytes as they are written, so a consumer (a gzip stream, a socket) overlaps with the
    /// render and the whole exposition is never held in memory. The chunk memory is reused: copy what
    /// you keep.
    public func render(
        format: ExpositionFormat, extra: [CollectedFamily] = [], chunkSize: Int,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        let snapshot = snapshot()
        withoutActuallyEscaping(body) { body in
            var writer = ExpositionWriter(format: format, chunkSize: chunkSize, consumer: body)
            RegistryExposition.render(snapshot, extra: extra, into: &writer)
            writer.finish()
        }
    }

    /// The current value of a counter or gauge series, for tests and the alert evaluator.
    ///
    /// `labels` must name every label of the series. Histograms are read through ``histogram(_:provider:model:)``.
    public func value(_ family: MetricDescriptor, labels: [String: String] = [:]) -> Double? {
        RegistryExposition.value(of: family, labels: labels, in: snapshot())
    }

    /// The number of events whose provider or model label overflowed into `other`.
    public var labelOverflowCount: UInt64 {
        index.withLock { $0.providers.overflowed + $0.models.overflowed }
    }

    /// Series held now, of all families (without the `other` series set aside for folding).
    public var seriesCount: Int { budget.count }
}

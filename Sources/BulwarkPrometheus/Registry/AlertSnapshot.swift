public import BulwarkCore
/// The registry's alert-relevant counters and gauges at one instant, summed per provider over models,
/// status codes and error types — what Prometheus' `sum by (provider)` sees of one exporter.
///
/// The evaluator samples one at every evaluation; ``MetricsRegistry/alertSnapshot()`` produces it.
public struct AlertSnapshot: Sendable, Equatable {
    /// One provider's counters.
    public struct ProviderTotals: Sendable, Equatable {
        /// `llm_api_calls_total`: every attempt.
        public var calls: Double
        /// `llm_api_calls_total{error_type!="none"}`: failed attempts.
        public var errors: Double
        /// `llm_api_calls_total{status_code="429"}`.
        public var rateLimited: Double
        /// `llm_api_call_duration_seconds_bucket`, cumulative: one count per bound of
        /// ``MetricCatalog/durationBuckets`` and a last one for `+Inf` (the observation count).
        public var durationBuckets: [Double]
        /// `llm_api_cost_usd_total`.
        public var cost: Double

        /// Zero counts.
        public init() {
            calls = 0
            errors = 0
            rateLimited = 0
            durationBuckets = Array(repeating: 0, count: MetricCatalog.durationBuckets.count + 1)
            cost = 0
        }

        /// Creates totals; `durationBuckets` must hold one more count than ``MetricCatalog/durationBuckets``.
        public init(calls: Double, errors: Double, rateLimited: Double, durationBuckets: [Double], cost: Double) {
            precondition(durationBuckets.count == MetricCatalog.durationBuckets.count + 1, "one count per bound plus +Inf")
            self.calls = calls
            self.errors = errors
            self.rateLimited = rateLimited
            self.durationBuckets = durationBuckets
            self.cost = cost
        }
    }

    /// Per-provider counters, by provider label value.
    public var providers: [String: ProviderTotals]
    /// `llm_api_requests_total` by outcome.
    public var requests: [RequestOutcome: Double]
    /// Providers whose `llm_api_circuit_state{state="open"}` is 1 now.
    public var openCircuits: Set<String>
    /// `llm_api_daily_budget_usd`, when set.
    public var dailyBudgetUSD: Double?
    /// `llm_api_shared_state_up`, when a client with shared state reports into this registry.
    public var sharedStateUp: Double?
    /// `llm_api_provider_status` by provider: the indicators of the status pages polled so far.
    public var providerStatus: [String: Double]

    /// Creates a snapshot.
    public init(
        providers: [String: ProviderTotals] = [:], requests: [RequestOutcome: Double] = [:],
        openCircuits: Set<String> = [], dailyBudgetUSD: Double? = nil, sharedStateUp: Double? = nil,
        providerStatus: [String: Double] = [:]
    ) {
        self.sharedStateUp = sharedStateUp
        self.providerStatus = providerStatus
        self.providers = providers
        self.requests = requests
        self.openCircuits = openCircuits
        self.dailyBudgetUSD = dailyBudgetUSD
    }

    /// `sum(llm_api_cost_usd_total)`.
    public var totalCost: Double { providers.values.reduce(0) { $0 + $1.cost } }
}

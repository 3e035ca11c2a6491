import BulwarkCore
/// The `llm_api_*` families of the design, with their HELP texts and buckets.
public enum MetricCatalog {
    public static let calls = MetricDescriptor(
        name: "llm_api_calls_total",
        help: "LLM API attempts by provider, model, HTTP status code (0 = no response) and normalized error type (none on success).",
        type: .counter)
    public static let callDuration = MetricDescriptor(
        name: "llm_api_call_duration_seconds",
        help: "Latency of LLM API attempts from start to last byte or failure.",
        type: .histogram, unit: "seconds")
    public static let timeToFirstToken = MetricDescriptor(
        name: "llm_api_time_to_first_token_seconds",
        help: "Time from the start of a streaming attempt to its first token.",
        type: .histogram, unit: "seconds")
    public static let tokens = MetricDescriptor(
        name: "llm_api_tokens_total",
        help: "Tokens reported by the providers' usage, by direction (input or output).",
        type: .counter)
    public static let retries = MetricDescriptor(
        name: "llm_api_retries_total",
        help: "Attempts that repeated an earlier attempt on the same provider.",
        type: .counter)
    public static let cost = MetricDescriptor(
        name: "llm_api_cost_usd_total",
        help: "Spend in US dollars computed from usage and the configured price table.",
        type: .counter, unit: "usd")
    public static let requests = MetricDescriptor(
        name: "llm_api_requests_total",
        help: "Logical requests by outcome: success (first provider), fallback (a later provider), failed or cancelled (by the caller).",
        type: .counter)
    public static let fallbacks = MetricDescriptor(
        name: "llm_api_fallbacks_total",
        help: "Moves of a logical request from one provider to the next in the fallback chain.",
        type: .counter)
    public static let hedges = MetricDescriptor(
        name: "llm_api_hedges_total",
        help: "Hedged attempts by provider and result: won (answered first) or lost (cancelled or failed).",
        type: .counter)
    public static let circuitState = MetricDescriptor(
        name: "llm_api_circuit_state",
        help: "Circuit breaker state per provider: 1 for the current state, 0 for the others.",
        type: .gauge)
    public static let circuitOpens = MetricDescriptor(
        name: "llm_api_circuit_opens_total",
        help: "Times a provider's circuit breaker opened.",
        type: .counter)
    public static let rateLimitRemaining = MetricDescriptor(
        name: "llm_api_ratelimit_remaining",
        help: "Remaining rate-limit capacity reported by the provider's headers.",
        type: .gauge)
    public static let rateLimitLimit = MetricDescriptor(
        name: "llm_api_ratelimit_limit",
        help: "Rate limit reported by the provider's headers.",
        type: .gauge)
    public static let outageSeverity = MetricDescriptor(
        name: "llm_api_outage_severity",
        help: "Outage severity per provider: 0 none, 1 transient, 2 extended, 3 prolonged.",
        type: .gauge)
    public static let dailyBudget = MetricDescriptor(
        name: "llm_api_daily_budget_usd",
        help: "Configured daily LLM spend budget in US dollars.",
        type: .gauge, unit: "usd")
    public static let sharedStateUp = MetricDescriptor(
        name: "llm_api_shared_state_up",
        help: "1 while the shared-state store (Redis) answers, 0 while the client runs on its local limiter and breaker.",
        type: .gauge)
    public static let sharedStateErrors = MetricDescriptor(
        name: "llm_api_shared_state_errors_total",
        help: "Operations on the shared-state store that failed or timed out and fell back to local state, by operation.",
        type: .counter)
    public static let providerStatus = MetricDescriptor(
        name: "llm_api_provider_status",
        help: "The provider's status page (Statuspage status.indicator): 0 operational, 1 minor, 2 major, 3 critical.",
        type: .gauge)
    public static let statusPageErrors = MetricDescriptor(
        name: "llm_api_status_page_errors_total",
        help: "Status page polls that failed (unreachable, slow, an HTTP error, too large, or not a Statuspage summary), by provider.",
        type: .counter)
    public static let keyReloads = MetricDescriptor(
        name: "llm_api_key_reloads_total",
        help: "API keys re-read from a provider's api_key_file, by result: ok (in use now) or invalid (refused; the previous key stays).",
        type: .counter)
    public static let alertFiring = MetricDescriptor(
        name: "llm_api_alert_firing",
        help: "Alerts firing in the exporter's in-process evaluator (1 firing, 0 not).",
        type: .gauge)
    public static let eventsIngested = MetricDescriptor(
        name: "llm_api_events_ingested_total",
        help: "APICallMetric events accepted, by source (client in-process, http posted).",
        type: .counter)
    public static let eventsRejected = MetricDescriptor(
        name: "llm_api_events_rejected_total",
        help: "APICallMetric events refused at ingestion, by reason.",
        type: .counter)
    public static let labelOverflow = MetricDescriptor(
        name: "llm_api_label_overflow_total",
        help: "Events whose provider or model label was replaced by \"other\" because the label's value cap was reached.",
        type: .counter)
    public static let seriesDropped = MetricDescriptor(
        name: "llm_api_series_dropped_total",
        help: "Samples folded into \"other\" label values because the registry's series cap (exporter.max_series) was reached.",
        type: .counter)
    public static let logEventsWritten = MetricDescriptor(
        name: "llm_api_log_events_written_total",
        help: "Events written to the JSON-lines log.",
        type: .counter)
    public static let logEventsDropped = MetricDescriptor(
        name: "llm_api_log_events_dropped_total",
        help: "Events dropped because the log writer's queue was full or closed.",
        type: .counter)
    public static let logBytesWritten = MetricDescriptor(
        name: "llm_api_log_bytes_written_total",
        help: "Bytes written to the active JSON-lines log segment.",
        type: .counter)

    /// Upper bounds of `llm_api_call_duration_seconds` (the design's buckets).
    public static let durationBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60, 120, 300]
    /// Upper bounds of `llm_api_time_to_first_token_seconds` (first tokens normally arrive in 0.5–2 s).
    public static let timeToFirstTokenBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15, 30, 60]
}

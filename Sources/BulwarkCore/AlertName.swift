/// The alerts of the error-handling guide; the raw values are the `alertname` label, fixed by the design.
public enum AlertName: String, Sendable, CaseIterable, Hashable {
    /// Share of attempts that failed over the window (`llm_api_calls_total{error_type!="none"}`).
    case highErrorRate = "LLMAPIHighErrorRate"
    /// P95 of `llm_api_call_duration_seconds` over the window.
    case highLatency = "LLMAPIHighLatency"
    /// HTTP 429 responses per minute, averaged over the window.
    case rateLimited = "LLMAPIRateLimited"
    /// Providers whose circuit breaker is open now.
    case circuitOpen = "LLMAPICircuitOpen"
    /// Share of logical requests answered by a fallback provider over the window.
    case highFallbackUsage = "LLMAPIHighFallbackUsage"
    /// Spend over the last 24 hours as a share of `llm_api_daily_budget_usd`.
    case budgetExceeded = "LLMAPIBudgetExceeded"
    /// Replicas running without their shared-state store (`llm_api_shared_state_up == 0`).
    case sharedStateDown = "LLMAPISharedStateDown"
    /// A provider's status page reports an incident (`llm_api_provider_status`: 1 minor, 2 major, 3 critical).
    case providerIncident = "LLMAPIProviderIncident"

    /// Whether the alert carries a `provider` label (one alert per provider) or is global.
    public var isPerProvider: Bool {
        switch self {
        case .highErrorRate, .highLatency, .rateLimited, .circuitOpen, .providerIncident: return true
        case .highFallbackUsage, .budgetExceeded, .sharedStateDown: return false
        }
    }

    /// The alert's key under `alerts:` in `bulwark.yaml` (`error_rate`, `latency_p95_seconds`, …).
    public var configurationKey: String {
        switch self {
        case .highErrorRate: return "error_rate"
        case .highLatency: return "latency_p95_seconds"
        case .rateLimited: return "rate_limited_per_minute"
        case .circuitOpen: return "open_circuits"
        case .highFallbackUsage: return "fallback_ratio"
        case .budgetExceeded: return "budget_ratio"
        case .sharedStateDown: return "shared_state_down"
        case .providerIncident: return "provider_status"
        }
    }
}

/// The `severity` label: every alert has a `warning` rule and a `critical` twin with a stricter threshold.
public enum AlertSeverity: String, Sendable, CaseIterable, Hashable, Comparable {
    case warning
    case critical

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        lhs == .warning && rhs == .critical
    }
}

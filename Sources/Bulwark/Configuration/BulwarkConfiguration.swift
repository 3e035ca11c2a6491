public import BulwarkCore

/// Everything `bulwark.yaml` configures; every key has the guide's default.
public struct BulwarkConfiguration: Sendable, Equatable {
    /// Providers in priority order (lowest `priority` first).
    public var providers: [ProviderConfiguration]
    public var retry: RetryConfiguration
    public var circuitBreaker: CircuitBreakerConfiguration
    public var outage: OutageConfiguration
    public var streaming: StreamingConfiguration
    public var exporter: ExporterSection
    public var alerts: AlertsSection
    /// `shared_state:` — the store replicas share their limits and breakers through; `nil`: local only.
    public var sharedState: SharedStateConfiguration?

    /// The defaults, with no providers.
    public init(
        providers: [ProviderConfiguration] = [],
        retry: RetryConfiguration = .init(),
        circuitBreaker: CircuitBreakerConfiguration = .init(),
        outage: OutageConfiguration = .init(),
        streaming: StreamingConfiguration = .init(),
        exporter: ExporterSection = .init(),
        alerts: AlertsSection = .init()
    ) {
        self.providers = providers
        self.retry = retry
        self.circuitBreaker = circuitBreaker
        self.outage = outage
        self.streaming = streaming
        self.exporter = exporter
        self.alerts = alerts
    }
}

/// One entry of `providers:`.
public struct ProviderConfiguration: Sendable, Equatable {
    /// The `provider` label and log field.
    public var name: String
    public var kind: ProviderKind
    public var model: String
    public var baseURL: String
    /// Environment variable that holds the API key.
    public var apiKeyEnvironmentVariable: String
    public var priority: Int
    /// Request timeout; `nil` computes it from the request (the guide's formula).
    public var timeoutSeconds: Double?
    /// Overrides `retry.max_retries` for this provider.
    public var maxRetries: Int?
    public var rateLimits: RateLimitConfiguration
    public var pricing: Pricing?
    /// Gemini API version path segment.
    public var apiVersion: String?

    /// The conventional key variable of each provider kind.
    public static func defaultKeyVariable(for kind: ProviderKind) -> String {
        switch kind {
        case .openai: return "OPENAI_API_KEY"
        case .anthropic: return "ANTHROPIC_API_KEY"
        case .google: return "GOOGLE_API_KEY"
        }
    }

    /// Creates a provider entry with the kind's defaults.
    public init(
        name: String, kind: ProviderKind, model: String, baseURL: String? = nil, apiKeyEnvironmentVariable: String? = nil,
        priority: Int = 0, timeoutSeconds: Double? = nil, maxRetries: Int? = nil,
        rateLimits: RateLimitConfiguration = .init(), pricing: Pricing? = nil, apiVersion: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.model = model
        self.baseURL = baseURL ?? ProviderEndpoint.defaultBaseURL(for: kind)
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable ?? Self.defaultKeyVariable(for: kind)
        self.priority = priority
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
        self.rateLimits = rateLimits
        self.pricing = pricing
        self.apiVersion = apiVersion
    }

    /// The wire endpoint of this provider.
    public var endpoint: ProviderEndpoint {
        ProviderEndpoint(
            name: name, kind: kind, baseURL: baseURL, model: model,
            geminiAPIVersion: apiVersion ?? ProviderEndpoint.defaultGeminiAPIVersion)
    }
}

/// `rate_limits:` of a provider; `nil` means not limited client-side.
public struct RateLimitConfiguration: Sendable, Equatable {
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var maxConcurrent: Int?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, maxConcurrent: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.maxConcurrent = maxConcurrent
    }
}

/// How computed backoff delays are randomised.
public enum JitterStrategy: String, Sendable, CaseIterable {
    /// U(0, delay) — the default.
    case full
    /// delay/2 + U(0, delay/2).
    case equal
    /// U(base, delay).
    case decorrelated
    /// No randomness (for comparison; not recommended).
    case none
}

/// `retry:` — backoff and the retry budget.
public struct RetryConfiguration: Sendable, Equatable {
    public var maxRetries = 5
    public var baseDelay = 1.0
    public var maxDelay = 60.0
    public var jitter = JitterStrategy.full
    /// A provider's Retry-After above this many seconds makes the client fall back instead of waiting.
    public var retryAfterCeiling = 60.0
    /// Retries allowed as a share of requests over the budget window (token bucket).
    public var budgetRatio = 0.1
    public init() {}
}

/// `circuit_breaker:` — the guide's breaker parameters.
public struct CircuitBreakerConfiguration: Sendable, Equatable {
    public var failureThreshold = 5
    public var recoveryTimeout = 60.0
    public var windowSeconds = 120.0
    public var halfOpenMaxCalls = 3
    public var successThreshold = 2
    public init() {}
}

/// `outage:` — failure counts that make an outage extended or prolonged.
public struct OutageConfiguration: Sendable, Equatable {
    public var extendedThreshold = 5
    public var prolongedThreshold = 20
    public var windowSeconds = 300.0
    public init() {}
}

/// `streaming:` — stall and first-token timeouts.
public struct StreamingConfiguration: Sendable, Equatable {
    public var stallTimeout = 15.0
    public var firstTokenTimeout = 30.0
    public init() {}
}

/// `exporter:` — where the exporter listens and logs.
public struct ExporterSection: Sendable, Equatable {
    public var listen = "127.0.0.1:9464"
    public var logDirectory = "./bulwark-logs"
    public init() {}
}

/// `alerts:` — the budget, the optional Alertmanager, and overrides of the guide's thresholds.
public struct AlertsSection: Sendable, Equatable {
    public var dailyBudgetUSD = 50.0
    /// Base URL of an Alertmanager to push firing and resolved alerts to (v2 API).
    public var alertmanagerURL: String?
    /// How often the in-process evaluator runs; `nil` keeps its default.
    public var evaluationIntervalSeconds: Double?
    /// Per-alert overrides (`error_rate: {warning: 0.05}`); unset fields keep the guide's values.
    public var rules: [AlertName: AlertRuleOverride] = [:]
    public init() {}
}

/// Overrides of one alert rule; `nil` fields keep the default.
public struct AlertRuleOverride: Sendable, Equatable {
    public var warning: Double?
    public var critical: Double?
    public var windowSeconds: Double?
    public var forSeconds: Double?
    public init(warning: Double? = nil, critical: Double? = nil, windowSeconds: Double? = nil, forSeconds: Double? = nil) {
        self.warning = warning
        self.critical = critical
        self.windowSeconds = windowSeconds
        self.forSeconds = forSeconds
    }
}

public import BulwarkCore

/// Everything `bulwark.yaml` configures; every key has the guide's default.
public struct BulwarkConfiguration: Sendable, Equatable {
    /// Providers in priority order (lowest `priority` first).
    public var providers: [ProviderConfiguration]
    /// `retry:` — backoff and the retry budget.
    public var retry: RetryConfiguration
    /// `circuit_breaker:` — the breaker of each provider.
    public var circuitBreaker: CircuitBreakerConfiguration
    /// `outage:` — outage severity thresholds.
    public var outage: OutageConfiguration
    /// `streaming:` — first-token and stall timeouts.
    public var streaming: StreamingConfiguration
    /// `exporter:` — where the exporter listens and logs.
    public var exporter: ExporterSection
    /// `alerts:` — budget, Alertmanager and threshold overrides.
    public var alerts: AlertsSection
    /// `connect_timeout_seconds`: the limit for opening a connection to a provider, in seconds (default 10).
    public var connectTimeoutSeconds: Double
    /// `shutdown_grace_period_seconds`: how long ``ResilientClient/shutdown()`` lets calls in flight
    /// finish, in seconds (default 10).
    public var shutdownGracePeriodSeconds: Double
    /// `hedging:`; `nil` (the default) sends no hedges.
    public var hedging: HedgingConfiguration?
    /// `shared_state:` — the store replicas share their limits and breakers through; `nil`: local only.
    public var sharedState: SharedStateConfiguration?

    /// The defaults, with no providers; every section and value has its documented default.
    public init(
        providers: [ProviderConfiguration] = [],
        retry: RetryConfiguration = .init(),
        circuitBreaker: CircuitBreakerConfiguration = .init(),
        outage: OutageConfiguration = .init(),
        streaming: StreamingConfiguration = .init(),
        exporter: ExporterSection = .init(),
        alerts: AlertsSection = .init(),
        connectTimeoutSeconds: Double = 10,
        shutdownGracePeriodSeconds: Double = 10,
        hedging: HedgingConfiguration? = nil,
        sharedState: SharedStateConfiguration? = nil
    ) {
        self.sharedState = sharedState
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.shutdownGracePeriodSeconds = shutdownGracePeriodSeconds
        self.hedging = hedging
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
    /// The wire protocol: `openai`, `anthropic`, `google` or `vertex`.
    public var kind: ProviderKind
    /// The model requested when a request names none.
    public var model: String
    /// `base_url`: the API root (default: the kind's public endpoint).
    public var baseURL: String
    /// Environment variable that holds the API key (none for `vertex`, which uses access tokens).
    public var apiKeyEnvironmentVariable: String
    /// Lower goes first (default: the position in the list).
    public var priority: Int
    /// Request timeout; `nil` computes it from the request (the guide's formula).
    public var timeoutSeconds: Double?
    /// Overrides `retry.max_retries` for this provider.
    public var maxRetries: Int?
    public var rateLimits: RateLimitConfiguration
    public var pricing: Pricing?
    /// Gemini API version path segment.
    public var apiVersion: String?
    /// `keyless`: the provider takes no API key (a local gateway); no key variable is read.
    public var keyless: Bool
    /// `api_key_file`: a file holding the key, read instead of ``apiKeyEnvironmentVariable`` and re-read
    /// when it changes (a rotated Kubernetes secret or Vault agent file); `nil` (default): the variable.
    public var apiKeyFile: String?
    /// `organization`: OpenAI: the OpenAI-Organization header.
    public var organization: String?
    /// `headers`: extra headers sent on every request to this provider, in order (`HTTP-Referer`,
    /// `X-Title`, an aggregator's own); a value `env:VAR` is read from the variable `VAR` when the client
    /// starts. They are never logged; they may not replace the authentication headers.
    public var headers: HTTPHeaderFields
    /// OpenAI: the OpenAI-Project header; vertex: the Google Cloud project.
    public var project: String?
    /// `location` (vertex): the Google Cloud region (`europe-west4`) or `global`; it picks the endpoint's host
    /// unless `base_url` is set.
    public var location: String?
    /// `credentials_file` (vertex): a service-account key file (JSON); access tokens are obtained with it and
    /// refreshed before they expire. Exactly one of this and ``accessTokenEnvironmentVariable``.
    public var credentialsFile: String?
    /// `access_token_env` (vertex): the environment variable holding an OAuth2 access token, used as is.
    public var accessTokenEnvironmentVariable: String?
    /// `safety_settings` (google and vertex): sent as `safetySettings` with every request.
    public var safetySettings: [GeminiSafetySetting] = []

    /// The conventional key variable of each provider kind.
    public static func defaultKeyVariable(for kind: ProviderKind) -> String {
        switch kind {
        case .openai: return "OPENAI_API_KEY"
        case .anthropic: return "ANTHROPIC_API_KEY"
        case .google: return "GOOGLE_API_KEY"
        case .vertex: return ""
        }
    }

    /// Creates a provider entry with the kind's defaults.
    public init(
        name: String, kind: ProviderKind, model: String, baseURL: String? = nil, apiKeyEnvironmentVariable: String? = nil,
        priority: Int = 0, timeoutSeconds: Double? = nil, maxRetries: Int? = nil,
        rateLimits: RateLimitConfiguration = .init(), pricing: Pricing? = nil, apiVersion: String? = nil,
        keyless: Bool = false, apiKeyFile: String? = nil, organization: String? = nil, project: String? = nil,
        headers: HTTPHeaderFields = [:]
    ) {
        self.keyless = keyless
        self.apiKeyFile = apiKeyFile
        self.organization = organization
        self.project = project
        self.headers = headers
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
            geminiAPIVersion: apiVersion
                ?? (kind == .vertex ? ProviderEndpoint.defaultVertexAPIVersion : ProviderEndpoint.defaultGeminiAPIVersion),
            vertexProject: kind == .vertex ? project : nil, vertexLocation: location, safetySettings: safetySettings)
    }
}

/// `rate_limits:` of a provider; `nil` means not limited client-side.
public struct RateLimitConfiguration: Sendable, Equatable {
    /// `rpm`: requests per minute; `nil` (default): not limited.
    public var requestsPerMinute: Int?
    /// `tpm`: input plus expected output tokens per minute; `nil` (default): not limited.
    public var tokensPerMinute: Int?
    /// `max_concurrent`: requests in flight at once; `nil` (default): not limited.
    public var maxConcurrent: Int?

    /// Creates client-side limits; every value defaults to `nil` (not limited).
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
    /// `max_retries`: retries per provider after the first attempt (default 5).
    public var maxRetries: Int
    /// `base_delay`: the first backoff delay, in seconds (default 1).
    public var baseDelay: Double
    /// `max_delay`: the longest backoff delay, in seconds (default 60).
    public var maxDelay: Double
    /// `jitter`: how delays are randomised (default `full`).
    public var jitter: JitterStrategy
    /// `retry_after_ceiling`: a provider's Retry-After above this many seconds makes the client fall back
    /// instead of waiting (default 60).
    public var retryAfterCeiling: Double
    /// `budget_ratio`: retries allowed as a share of requests over the budget window (default 0.1).
    public var budgetRatio: Double

    /// Creates a retry policy; every value has the documented default.
    public init(
        maxRetries: Int = 5, baseDelay: Double = 1.0, maxDelay: Double = 60.0, jitter: JitterStrategy = .full,
        retryAfterCeiling: Double = 60.0, budgetRatio: Double = 0.1
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.retryAfterCeiling = retryAfterCeiling
        self.budgetRatio = budgetRatio
    }
}

/// `circuit_breaker:` — the guide's breaker parameters.
public struct CircuitBreakerConfiguration: Sendable, Equatable {
    /// `failure_threshold`: failures within the window that open the circuit (default 5).
    public var failureThreshold: Int
    /// `recovery_timeout`: seconds the circuit stays open before half-open trials (default 60).
    public var recoveryTimeout: Double
    /// `window_seconds`: the window failures are counted in, in seconds (default 120).
    public var windowSeconds: Double
    /// `half_open_max_calls`: trial calls let through while half-open (default 3).
    public var halfOpenMaxCalls: Int
    /// `success_threshold`: successful trials that close the circuit (default 2).
    public var successThreshold: Int

    /// Creates breaker parameters; every value has the documented default.
    public init(
        failureThreshold: Int = 5, recoveryTimeout: Double = 60.0, windowSeconds: Double = 120.0,
        halfOpenMaxCalls: Int = 3, successThreshold: Int = 2
    ) {
        self.failureThreshold = failureThreshold
        self.recoveryTimeout = recoveryTimeout
        self.windowSeconds = windowSeconds
        self.halfOpenMaxCalls = halfOpenMaxCalls
        self.successThreshold = successThreshold
    }
}

/// `outage:` — failure counts that make an outage extended or prolonged.
public struct OutageConfiguration: Sendable, Equatable {
    /// `extended_threshold`: failures within the window that make an outage extended (default 5).
    public var extendedThreshold: Int
    /// `prolonged_threshold`: failures within the window that make an outage prolonged (default 20).
    public var prolongedThreshold: Int
    /// `window_seconds`: the window failures are counted in, in seconds (default 300).
    public var windowSeconds: Double

    /// Creates outage thresholds; every value has the documented default.
    public init(extendedThreshold: Int = 5, prolongedThreshold: Int = 20, windowSeconds: Double = 300.0) {
        self.extendedThreshold = extendedThreshold
        self.prolongedThreshold = prolongedThreshold
        self.windowSeconds = windowSeconds
    }
}

/// `streaming:` — stall and first-token timeouts.
public struct StreamingConfiguration: Sendable, Equatable {
    /// `stall_timeout`: the longest gap between chunks once text flows, in seconds (default 15).
    public var stallTimeout: Double
    /// `first_token_timeout`: the longest wait for the first token, in seconds (default 30).
    public var firstTokenTimeout: Double

    /// Creates stream timeouts; every value has the documented default.
    public init(stallTimeout: Double = 15.0, firstTokenTimeout: Double = 30.0) {
        self.stallTimeout = stallTimeout
        self.firstTokenTimeout = firstTokenTimeout
    }
}

/// `hedging:` — a second attempt for a request whose first has shown nothing (no response head, or no
/// first token of a stream) after ``delay``; the first answer wins and the other attempt is cancelled.
public struct HedgingConfiguration: Sendable, Equatable {
    /// `delay_ms`: how long the first attempt may show nothing before a hedge starts, in seconds (YAML
    /// gives milliseconds; default 2 s).
    public var delay: Double
    /// `max_hedges`: hedges per request (default 1).
    public var maxHedges: Int
    /// `budget_ratio`: hedges allowed as a share of requests (default 0.05), so an incident cannot
    /// double the load.
    public var budgetRatio: Double

    /// Creates a hedging policy; every value has the documented default.
    public init(delay: Double = 2, maxHedges: Int = 1, budgetRatio: Double = 0.05) {
        self.delay = delay
        self.maxHedges = maxHedges
        self.budgetRatio = budgetRatio
    }
}

/// `exporter:` — where the exporter listens and logs.
public struct ExporterSection: Sendable, Equatable {
    /// `listen`: the exporter's `host:port` (default `127.0.0.1:9464`).
    public var listen: String
    /// `log_dir`: where the JSON-lines logs go (default `./bulwark-logs`).
    public var logDirectory: String
    /// `auth_token_env`: environment variable holding the bearer token of `/metrics`, `/alerts` and `/v1/events`.
    public var authTokenEnv: String?
    /// `basic_auth_user`: basic-auth user of the same routes (with `basicAuthPasswordEnv`).
    public var basicAuthUser: String?
    /// `basic_auth_password_env`: environment variable holding the basic-auth password.
    public var basicAuthPasswordEnv: String?
    /// `tls_cert`: PEM certificate file; with `tlsKey` the exporter serves HTTPS.
    public var tlsCertificate: String?
    /// `tls_key`: PEM private key file.
    public var tlsKey: String?
    /// `body_budget_bytes`: bytes of request bodies in flight across all requests (default 64 MiB).
    public var bodyBudgetBytes: Int?
    /// `per_ip_connection_limit`: connections from one client address (default 256).
    public var perIPConnectionLimit: Int?
    /// `max_series`: series of all families together before new label combinations fold into `other`
    /// (default 20,000, at least 100).
    public var maxSeries: Int
    /// `status_pages`: provider name → the URL of its Statuspage v2 `summary.json`, polled into
    /// `llm_api_provider_status` (default none: no status page is fetched).
    public var statusPages: [String: String]
    /// `status_poll_seconds`: seconds between polls of each status page (default 60, at least 1).
    public var statusPollSeconds: Double

    /// Creates the exporter section; every value has the documented default.
    public init(
        listen: String = "127.0.0.1:9464", logDirectory: String = "./bulwark-logs", authTokenEnv: String? = nil,
        basicAuthUser: String? = nil, basicAuthPasswordEnv: String? = nil, tlsCertificate: String? = nil,
        tlsKey: String? = nil, bodyBudgetBytes: Int? = nil, perIPConnectionLimit: Int? = nil,
        maxSeries: Int = 20_000, statusPages: [String: String] = [:], statusPollSeconds: Double = 60
    ) {
        self.statusPages = statusPages
        self.statusPollSeconds = statusPollSeconds
        self.listen = listen
        self.logDirectory = logDirectory
        self.authTokenEnv = authTokenEnv
        self.basicAuthUser = basicAuthUser
        self.basicAuthPasswordEnv = basicAuthPasswordEnv
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.bodyBudgetBytes = bodyBudgetBytes
        self.perIPConnectionLimit = perIPConnectionLimit
        self.maxSeries = maxSeries
    }
}

/// `alerts:` — the budget, the optional Alertmanager, and overrides of the guide's thresholds.
public struct AlertsSection: Sendable, Equatable {
    /// `daily_budget_usd`: the daily spend `LLMAPIBudgetExceeded` compares with, in US dollars (default 50).
    public var dailyBudgetUSD: Double
    /// `alertmanager_url`: base URL of an Alertmanager to push firing and resolved alerts to (v2 API);
    /// `nil` (default): none.
    public var alertmanagerURL: String?
    /// `evaluation_interval_seconds`: how often the in-process evaluator runs, in seconds; `nil` (default)
    /// keeps its own default.
    public var evaluationIntervalSeconds: Double?
    /// Per-alert overrides (`error_rate: {warning: 0.05}`); unset fields keep the guide's values.
    public var rules: [AlertName: AlertRuleOverride]

    /// Creates the alerts section; every value has the documented default.
    public init(
        dailyBudgetUSD: Double = 50.0, alertmanagerURL: String? = nil, evaluationIntervalSeconds: Double? = nil,
        rules: [AlertName: AlertRuleOverride] = [:]
    ) {
        self.dailyBudgetUSD = dailyBudgetUSD
        self.alertmanagerURL = alertmanagerURL
        self.evaluationIntervalSeconds = evaluationIntervalSeconds
        self.rules = rules
    }
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

/// What the client reports besides attempts: how logical requests end and how the state of each
/// provider changes. Every ``MetricsRecorder`` receives these next to the ``APICallMetric`` events.
public enum ClientEvent: Sendable, Hashable {
    /// A logical request ended (`llm_api_requests_total{outcome}`).
    case requestFinished(outcome: RequestOutcome)
    /// The chain moved from one provider to the next (`llm_api_fallbacks_total{from_provider,to_provider}`).
    case fallback(from: String, to: String)
    /// A provider's circuit breaker is now in `state` (`llm_api_circuit_state`).
    case circuitStateChanged(provider: String, state: CircuitState)
    /// A provider's circuit breaker opened (`llm_api_circuit_opens_total`).
    case circuitOpened(provider: String)
    /// A provider reported (or the configuration set) its rate-limit headroom (`llm_api_ratelimit_*`).
    case rateLimit(provider: String, resource: RateLimitResource, remaining: Double?, limit: Double?)
    /// A provider's outage severity changed (`llm_api_outage_severity`).
    case outageSeverityChanged(provider: String, severity: OutageSeverity)
    /// A hedged attempt on `provider` ended: it answered first (`won`) or was cancelled or failed
    /// (`lost`) (`llm_api_hedges_total{provider,result}`).
    case hedge(provider: String, won: Bool)
    /// The shared-state store (Redis) answers again, or stopped answering (`llm_api_shared_state_up`).
    case sharedStateAvailability(up: Bool)
    /// An operation on the shared-state store failed or timed out and the client used its local state
    /// (`llm_api_shared_state_errors_total{operation}`).
    case sharedStateError(operation: SharedStateOperation)
    /// A provider's key was re-read from its `api_key_file` (it changed, or a reload was asked for):
    /// accepted when `problem` is `nil`, else refused for `problem` (which names the file, never the key)
    /// and the previous key stays in use (`llm_api_key_reloads_total{provider,result="ok"|"invalid"}`).
    case apiKeyReloaded(provider: String, file: String, problem: String?)
}

/// Why a logical request ended the way it did (`llm_api_requests_total{outcome}`).
public enum RequestOutcome: String, Sendable, CaseIterable {
    /// Answered by the first provider tried.
    case success
    /// Answered by a provider further down the chain.
    case fallback
    /// Every provider failed.
    case failed
    /// The caller gave up (its task was cancelled, its stream's consumer stopped, its deadline passed):
    /// not a failure of any provider.
    case cancelled
}

/// How long a provider has been failing (`llm_api_outage_severity`).
public enum OutageSeverity: Int, Sendable, CaseIterable, Comparable {
    case none = 0
    case transient = 1
    case extended = 2
    case prolonged = 3

    public static func < (lhs: OutageSeverity, rhs: OutageSeverity) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The lowercase name (`none`, `transient`, `extended`, `prolonged`).
    public var name: String {
        switch self {
        case .none: return "none"
        case .transient: return "transient"
        case .extended: return "extended"
        case .prolonged: return "prolonged"
        }
    }
}

/// The rate-limit resources providers report (`llm_api_ratelimit_*{resource}`).
public enum RateLimitResource: String, Sendable, Hashable, CaseIterable, Codable {
    case requests
    case tokens
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
}

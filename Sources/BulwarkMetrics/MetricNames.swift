/// The swift-metrics labels (metric names) of the `.bulwark` naming: DESIGN.md's `llm_api_*` families.
enum BulwarkNames {
    static let calls = "llm_api_calls_total"
    static let callDuration = "llm_api_call_duration_seconds"
    static let timeToFirstToken = "llm_api_time_to_first_token_seconds"
    static let tokens = "llm_api_tokens_total"
    static let retries = "llm_api_retries_total"
    static let cost = "llm_api_cost_usd_total"
    static let requests = "llm_api_requests_total"
    static let fallbacks = "llm_api_fallbacks_total"
    static let circuitState = "llm_api_circuit_state"
    static let circuitOpens = "llm_api_circuit_opens_total"
    static let rateLimitRemaining = "llm_api_ratelimit_remaining"
    static let rateLimitLimit = "llm_api_ratelimit_limit"
    static let outageSeverity = "llm_api_outage_severity"
    static let hedges = "llm_api_hedges_total"
    static let sharedStateUp = "llm_api_shared_state_up"
    static let sharedStateErrors = "llm_api_shared_state_errors_total"
    static let keyReloads = "llm_api_key_reloads_total"
}

/// The swift-metrics labels and dimension names of the `.openTelemetryGenAI` naming.
enum GenAINames {
    static let operationDuration = "gen_ai.client.operation.duration"
    static let tokenUsage = "gen_ai.client.token.usage"
    static let timeToFirstChunk = "gen_ai.client.operation.time_to_first_chunk"

    static let operationName = "gen_ai.operation.name"
    static let providerName = "gen_ai.provider.name"
    static let requestModel = "gen_ai.request.model"
    static let tokenType = "gen_ai.token.type"
    static let errorType = "error.type"
    static let serverAddress = "server.address"
    static let serverPort = "server.port"

    /// Client events the conventions do not name, under Bulwark's own namespace.
    static let requests = "bulwark.client.requests"
    static let fallbacks = "bulwark.client.fallbacks"
    static let circuitState = "bulwark.circuit.state"
    static let circuitOpens = "bulwark.circuit.opens"
    static let rateLimitRemaining = "bulwark.ratelimit.remaining"
    static let rateLimitLimit = "bulwark.ratelimit.limit"
    static let outageSeverity = "bulwark.outage.severity"
    static let hedges = "bulwark.client.hedges"
    static let sharedStateUp = "bulwark.shared_state.up"
    static let sharedStateErrors = "bulwark.shared_state.errors"
    static let keyReloads = "bulwark.api_key.reloads"
    static let keyReloadResult = "bulwark.api_key.reload.result"
    static let hedgeResult = "bulwark.hedge.result"
    static let sharedStateOperation = "bulwark.shared_state.operation"

    static let bulwarkProvider = "bulwark.provider"
    static let requestOutcome = "bulwark.request.outcome"
    static let fallbackFrom = "bulwark.fallback.from"
    static let fallbackTo = "bulwark.fallback.to"
    static let circuitStateName = "bulwark.circuit.state"
    static let rateLimitResource = "bulwark.ratelimit.resource"
}

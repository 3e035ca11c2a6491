/// The normalized error taxonomy shared by every provider.
///
/// The raw values are the `error_type` field of ``APICallMetric`` and the `error_type` label of
/// `llm_api_calls_total`; the set is closed so the label stays bounded.
public enum ErrorType: String, CaseIterable, Sendable, Codable, Hashable {
    case badRequest = "bad_request"
    case authentication
    case permission
    case notFound = "not_found"
    case requestTooLarge = "request_too_large"
    case requestTimeout = "request_timeout"
    case rateLimited = "rate_limited"
    case quotaExhausted = "quota_exhausted"
    case serverError = "server_error"
    case badGateway = "bad_gateway"
    case unavailable
    case gatewayTimeout = "gateway_timeout"
    case overloaded
    case timeout
    case connection
    case streamStalled = "stream_stalled"
    case streamError = "stream_error"
    case streamTruncated = "stream_truncated"
    case contentFiltered = "content_filtered"
    case invalidResponse = "invalid_response"
    /// The caller gave up: its task was cancelled, a stream's consumer stopped reading, its deadline cut the
    /// call, or a hedge lost the race. Never the provider's fault, never retried, never counted by a
    /// breaker or an outage detector, and not an error in `LLMAPIHighErrorRate`.
    case cancelled
    case unknown

    /// Whether the guide allows retrying an attempt that failed this way.
    ///
    /// `streamTruncated` is retryable only while nothing was delivered to the caller; the client
    /// checks that condition itself.
    public var isRetryable: Bool {
        switch self {
        case .requestTimeout, .rateLimited, .serverError, .badGateway, .unavailable, .gatewayTimeout,
            .overloaded, .timeout, .connection, .streamStalled, .streamTruncated:
            return true
        case .badRequest, .authentication, .permission, .notFound, .requestTooLarge, .quotaExhausted,
            .contentFiltered, .streamError, .invalidResponse, .cancelled, .unknown:
            return false
        }
    }

    /// The error type the guide assigns to an HTTP status when the body says nothing more specific.
    public static func forStatus(_ status: Int) -> ErrorType? {
        switch status {
        case 200..<300: return nil
        case 400, 422: return .badRequest
        case 401: return .authentication
        case 402: return .quotaExhausted
        case 403: return .permission
        case 404: return .notFound
        case 408: return .requestTimeout
        case 413: return .requestTooLarge
        case 429: return .rateLimited
        case 500: return .serverError
        case 502: return .badGateway
        case 503: return .unavailable
        case 504: return .gatewayTimeout
        case 529: return .overloaded
        case 501, 505..<600: return .serverError
        default: return .unknown
        }
    }
}

/// The state of a provider's circuit breaker, as recorded on each attempt.
public enum CircuitState: String, CaseIterable, Sendable, Codable, Hashable {
    case closed
    case open
    case halfOpen = "half_open"
}

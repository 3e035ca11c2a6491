/// One attempt at one provider: the event every part of Bulwark records, exports and logs.
///
/// A logical request that retried twice and then fell back is four events sharing one
/// ``requestID``. The JSON form (one object per line in the logs, and the body of
/// `POST /v1/events`) uses the snake_case field names of the design.
public struct APICallMetric: Sendable, Hashable {
    /// Unix seconds (fractional) when the attempt started.
    public var timestamp: Double
    /// Configured provider name (`openai`, `anthropic`, `google`, or the user's own name).
    public var provider: String
    /// Model requested.
    public var model: String
    /// HTTP status; 0 when no response arrived (timeout, connection error).
    public var statusCode: Int
    /// Start of the attempt to the last byte (or the failure), in milliseconds.
    public var latencyMs: Double
    /// Input tokens from the provider's usage; 0 when unknown.
    public var inputTokens: Int
    /// Output tokens from the provider's usage; 0 when unknown.
    public var outputTokens: Int
    /// This attempt repeats an earlier one on the same provider.
    public var isRetry: Bool
    /// Attempts before this one on the same provider in this request.
    public var retryCount: Int
    /// Normalized error; `nil` on success.
    public var errorType: ErrorType?
    /// The provider's message with API keys redacted, cut to 500 characters.
    public var errorMessage: String?
    /// The provider's circuit state when the attempt started.
    public var circuitState: CircuitState
    /// The logical request this attempt belongs to.
    public var requestID: String
    /// 1-based attempt number across all providers of the request.
    public var attempt: Int
    /// The attempt is on a provider other than the first one tried.
    public var fallback: Bool
    /// Streaming call.
    public var stream: Bool
    /// Time to the first token in milliseconds (streams only).
    public var timeToFirstTokenMs: Double?
    /// Cost from the configured price table; 0 when unknown.
    public var costUSD: Double
    /// The provider's own error type string (`overloaded_error`, `RESOURCE_EXHAUSTED`, …).
    public var providerErrorType: String?
    /// The delay the provider asked for, parsed from its headers or body, in milliseconds.
    public var retryAfterMs: Double?
    /// The attempt was started as a hedge while an earlier attempt of the request was still running.
    public var hedge: Bool
    /// On the last attempt of a logical request only: how the request ended.
    public var requestOutcome: RequestOutcome?
    /// On that last attempt, when the outcome is `fallback`: the first provider tried.
    public var fallbackFrom: String?

    /// The longest error message kept, in characters.
    public static let maxErrorMessageLength = 500

    /// Creates an event; `errorMessage` is cut to ``maxErrorMessageLength`` characters.
    public init(
        timestamp: Double,
        provider: String,
        model: String,
        statusCode: Int,
        latencyMs: Double,
        inputTokens: Int = 0,
        outputTokens: Int = 0,
        isRetry: Bool = false,
        retryCount: Int = 0,
        errorType: ErrorType? = nil,
        errorMessage: String? = nil,
        circuitState: CircuitState = .closed,
        requestID: String = "",
        attempt: Int = 1,
        fallback: Bool = false,
        stream: Bool = false,
        timeToFirstTokenMs: Double? = nil,
        costUSD: Double = 0,
        providerErrorType: String? = nil,
        retryAfterMs: Double? = nil,
        hedge: Bool = false,
        requestOutcome: RequestOutcome? = nil,
        fallbackFrom: String? = nil
    ) {
        self.timestamp = timestamp
        self.provider = provider
        self.model = model
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.isRetry = isRetry
        self.retryCount = retryCount
        self.errorType = errorType
        self.errorMessage = errorMessage.map(Self.truncatedMessage)
        self.circuitState = circuitState
        self.requestID = requestID
        self.attempt = attempt
        self.fallback = fallback
        self.stream = stream
        self.timeToFirstTokenMs = timeToFirstTokenMs
        self.costUSD = costUSD
        self.providerErrorType = providerErrorType
        self.retryAfterMs = retryAfterMs
        self.hedge = hedge
        self.requestOutcome = requestOutcome
        self.fallbackFrom = fallbackFrom
    }

    /// Whether the attempt succeeded.
    public var isSuccess: Bool { errorType == nil }

    static func truncatedMessage(_ message: String) -> String {
        message.count > maxErrorMessageLength ? String(message.prefix(maxErrorMessageLength)) : message
    }
}

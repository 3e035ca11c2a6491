public import BulwarkCore

/// A failed attempt at a provider, normalized to Bulwark's error taxonomy.
///
/// `providerErrorType` is the most specific machine-readable code the provider sent:
/// - OpenAI: `error.code` when it is a string (`insufficient_quota`, `rate_limit_exceeded`,
///   `context_length_exceeded`, `invalid_api_key`), otherwise `error.type` (`server_error`,
///   `cf_bad_gateway`);
/// - Anthropic: `error.details.error_code` when present (`enforced_spend_limit_reached`), otherwise
///   `error.type` (`overloaded_error`, `rate_limit_error`, `billing_error`);
/// - Gemini: the `reason` of a `google.rpc.ErrorInfo` detail when present (`API_KEY_INVALID`), otherwise
///   `error.status` (`RESOURCE_EXHAUSTED`, `FAILED_PRECONDITION`, `UNAVAILABLE`);
/// - `nil` for HTML and other non-JSON bodies, and for errors raised before a request was sent.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Normalized error type.
    public var errorType: ErrorType
    /// HTTP status; 200 for errors inside a stream; 0 when no request was sent or no response arrived.
    public var statusCode: Int
    /// The provider's own error code (see the type's documentation for which field per provider).
    public var providerErrorType: String?
    /// The provider's message with API keys redacted, at most ``maxMessageLength`` characters.
    public private(set) var message: String
    /// The delay the provider asked for (`retry-after-ms`, `retry-after`, Gemini `RetryInfo.retryDelay`).
    public var retryAfter: Duration?
    /// The provider's request id (`x-request-id` for OpenAI, `request-id` for Anthropic).
    public var requestID: String?
    /// The provider's `x-should-retry` header, when sent.
    public var shouldRetryHeader: Bool?
    /// The prompt does not fit the model's context window. Still ``ErrorType/badRequest``, but a
    /// fallback chain may move on to a provider with a larger window instead of giving up.
    public var isContextLengthExceeded: Bool
    /// What arrived before the failure: the partial text and usage of a broken stream, or the text of a
    /// filtered response.
    public var partial: ChatResult?

    /// The longest message kept, in characters (the `error_message` limit of the metrics).
    public static let maxMessageLength = APICallMetric.maxErrorMessageLength

    /// Creates an error; `message` is redacted with ``APIKeyRedactor`` and cut to ``maxMessageLength``.
    public init(
        errorType: ErrorType,
        statusCode: Int,
        providerErrorType: String? = nil,
        message: String,
        retryAfter: Duration? = nil,
        requestID: String? = nil,
        shouldRetryHeader: Bool? = nil,
        isContextLengthExceeded: Bool = false,
        partial: ChatResult? = nil
    ) {
        self.errorType = errorType
        self.statusCode = statusCode
        self.providerErrorType = providerErrorType
        self.message = Self.sanitized(message)
        self.retryAfter = retryAfter
        self.requestID = requestID
        self.shouldRetryHeader = shouldRetryHeader
        self.isContextLengthExceeded = isContextLengthExceeded
        self.partial = partial
    }

    /// Replaces the message (redacted and cut like the initializer's).
    public mutating func setMessage(_ message: String) {
        self.message = Self.sanitized(message)
    }

    /// ``retryAfter`` in milliseconds, the `retry_after_ms` metric field.
    public var retryAfterMs: Double? {
        retryAfter.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }
    }

    /// The text delivered before the failure (empty when nothing was).
    public var partialText: String { partial?.text ?? "" }

    /// Whether the attempt may be retried on the same provider.
    ///
    /// The taxonomy decides (``ErrorType/isRetryable``; `quota_exhausted` is never retried although the
    /// SDKs retry every 429), a truncated stream is retryable only when no text arrived, and
    /// `x-should-retry: false` vetoes a retry. `x-should-retry: true` does not make a 400 retryable, and
    /// a long ``retryAfter`` does not forbid a retry: the retry policy weighs it.
    public var isRetryable: Bool {
        if shouldRetryHeader == false { return false }
        if errorType == .streamTruncated { return partialText.isEmpty }
        return errorType.isRetryable
    }

    public var description: String {
        var text = "\(errorType.rawValue) (HTTP \(statusCode)"
        if let providerErrorType { text += ", \(providerErrorType)" }
        text += "): \(message)"
        if let retryAfterMs { text += " [retry after \(retryAfterMs) ms]" }
        return text
    }

    /// A request the adapter refuses to send (validation failed before any network traffic).
    static func invalidRequest(_ message: String) -> ProviderError {
        ProviderError(errorType: .badRequest, statusCode: 0, message: message)
    }

    private static func sanitized(_ message: String) -> String {
        let redacted = APIKeyRedactor.redact(message)
        return redacted.count > maxMessageLength ? String(redacted.prefix(maxMessageLength)) : redacted
    }
}

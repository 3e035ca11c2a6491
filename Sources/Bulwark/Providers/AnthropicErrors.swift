import BulwarkCore
import Foundation

/// Anthropic's error bodies: `{"type": "error", "error": {"type", "message", "details"?}, "request_id"}`
/// (the 413 body from the edge has neither the top-level `type` nor `request_id`).
///
/// `providerErrorType` is `error.details.error_code` when present, else `error.type`. `billing_error`
/// (402) and `enforced_spend_limit_reached` (429) are `quota_exhausted`; `overloaded_error` (529) is
/// `overloaded`; a 400 whose message says the prompt is too long sets
/// ``ProviderError/isContextLengthExceeded``. The request id is the `request-id` header, else the body's
/// `request_id`.
enum AnthropicErrors {
    static let requestIDHeader = "request-id"
    static let quotaCodes: Set<String> = ["billing_error", "enforced_spend_limit_reached"]

    struct Details {
        var type: String?
        var errorCode: String?
        var message: String?
        var requestID: String?

        var providerErrorType: String? { errorCode ?? type }
    }

    static func details(_ json: JSONValue) -> Details? {
        guard let error = json["error"], error.object != nil else { return nil }
        return Details(
            type: error["type"]?.nonEmptyString,
            errorCode: error["details"]?["error_code"]?.nonEmptyString,
            message: error["message"]?.nonEmptyString,
            requestID: json["request_id"]?.nonEmptyString)
    }

    static func normalize(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) -> ProviderError {
        let headerRequestID = headers[requestIDHeader]
        let classified = ErrorNormalizer.classify(body, headers: headers)
        guard case .json(let json) = classified else {
            return ErrorNormalizer.nonJSON(
                classified, status: status, headers: headers, now: now, requestID: headerRequestID)
        }
        guard let details = details(json) else {
            return ErrorNormalizer.unrecognizedJSON(
                json, status: status, headers: headers, now: now, requestID: headerRequestID)
        }
        return ProviderError(
            errorType: errorType(status: status, details: details),
            statusCode: status,
            providerErrorType: details.providerErrorType,
            message: details.message ?? ErrorNormalizer.fallbackMessage(status: status),
            retryAfter: RetryAfterParser.retryAfter(in: headers, now: now),
            requestID: headerRequestID ?? details.requestID,
            shouldRetryHeader: RetryAfterParser.shouldRetry(in: headers),
            isContextLengthExceeded: isContextLengthExceeded(status: status, details: details))
    }

    static func errorType(status: Int, details: Details) -> ErrorType {
        if let code = details.errorCode, quotaCodes.contains(code) { return .quotaExhausted }
        if let type = details.type, quotaCodes.contains(type) { return .quotaExhausted }
        if details.type == "overloaded_error" { return .overloaded }
        if status >= 300 { return ErrorNormalizer.errorType(forStatus: status) }
        return errorType(forType: details.type)
    }

    /// The error type of an `error.type` when the status says nothing (an error inside a 200).
    static func errorType(forType type: String?) -> ErrorType {
        switch type {
        case "invalid_request_error"?: return .badRequest
        case "authentication_error"?: return .authentication
        case "permission_error"?: return .permission
        case "not_found_error"?: return .notFound
        case "request_too_large"?: return .requestTooLarge
        case "rate_limit_error"?: return .rateLimited
        case "api_error"?: return .serverError
        case "timeout_error"?: return .gatewayTimeout
        case "overloaded_error"?: return .overloaded
        case "billing_error"?: return .quotaExhausted
        default: return .unknown
        }
    }

    static func isContextLengthExceeded(status: Int, details: Details) -> Bool {
        guard status == 400 || details.type == "invalid_request_error", let message = details.message else {
            return false
        }
        return message.range(of: "prompt is too long", options: .caseInsensitive) != nil
            || message.range(of: "exceed context limit", options: .caseInsensitive) != nil
    }

    /// The error of an `event: error` after a 200, or `nil` when the data holds no error object.
    static func streamError(_ json: JSONValue, requestID: String?, partial: ChatResult) -> ProviderError? {
        guard let details = details(json) else { return nil }
        return ProviderError(
            errorType: .streamError,
            statusCode: 200,
            providerErrorType: details.providerErrorType,
            message: details.message ?? "An error occurred during streaming",
            requestID: requestID ?? details.requestID,
            partial: partial)
    }
}

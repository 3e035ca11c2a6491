import BulwarkCore
import Foundation

/// OpenAI's error bodies: `{"error": {"message", "type", "param", "code"}}`.
///
/// `providerErrorType` is `error.code` when it is a string, else `error.type`. `insufficient_quota` and
/// `billing_hard_limit_reached` are `quota_exhausted` (never retried, although the SDK retries them as any
/// 429); `server_is_overloaded` is `overloaded`; `context_length_exceeded` stays `bad_request` with
/// ``ProviderError/isContextLengthExceeded`` set. The request id is the `x-request-id` header.
enum OpenAIErrors {
    static let requestIDHeader = "x-request-id"
    static let quotaCodes: Set<String> = ["insufficient_quota", "billing_hard_limit_reached"]
    static let overloadCodes: Set<String> = ["server_is_overloaded"]

    struct Details {
        var type: String?
        var code: String?
        var message: String?

        var providerErrorType: String? { code ?? type }
        var identifiers: [String] { [code, type].compactMap { $0 } }
    }

    static func details(_ json: JSONValue) -> Details? {
        guard let error = json["error"], error.object != nil else { return nil }
        return Details(
            type: error["type"]?.nonEmptyString,
            code: error["code"]?.nonEmptyString,
            message: error["message"]?.nonEmptyString)
    }

    static func normalize(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) -> ProviderError {
        let requestID = headers[requestIDHeader]
        let classified = ErrorNormalizer.classify(body, headers: headers)
        guard case .json(let json) = classified else {
            return ErrorNormalizer.nonJSON(classified, status: status, headers: headers, now: now, requestID: requestID)
        }
        guard let details = details(json) else {
            return ErrorNormalizer.unrecognizedJSON(
                json, status: status, headers: headers, now: now, requestID: requestID)
        }
        return ProviderError(
            errorType: errorType(status: status, details: details),
            statusCode: status,
            providerErrorType: details.providerErrorType,
            message: details.message ?? ErrorNormalizer.fallbackMessage(status: status),
            retryAfter: RetryAfterParser.retryAfter(in: headers, now: now),
            requestID: requestID,
            shouldRetryHeader: RetryAfterParser.shouldRetry(in: headers),
            isContextLengthExceeded: isContextLengthExceeded(details))
    }

    static func errorType(status: Int, details: Details) -> ErrorType {
        let identifiers = details.identifiers
        if identifiers.contains(where: quotaCodes.contains) { return .quotaExhausted }
        if identifiers.contains(where: overloadCodes.contains) { return .overloaded }
        if status >= 300 { return ErrorNormalizer.errorType(forStatus: status) }
        switch details.type {
        case "invalid_request_error"?: return .badRequest
        case "server_error"?: return .serverError
        case "tokens"?, "requests"?: return .rateLimited
        default: return details.code == "rate_limit_exceeded" ? .rateLimited : .unknown
        }
    }

    static func isContextLengthExceeded(_ details: Details) -> Bool {
        details.code == "context_length_exceeded"
            || (details.message?.range(of: "maximum context length", options: .caseInsensitive) != nil)
    }

    /// The error of a `data: {"error": …}` chunk after a 200, or `nil` when the chunk has no truthy `error`.
    static func streamError(_ json: JSONValue, requestID: String?, partial: ChatResult) -> ProviderError? {
        guard ErrorNormalizer.isTruthy(json["error"]) else { return nil }
        let details = details(json)
        return ProviderError(
            errorType: .streamError,
            statusCode: 200,
            providerErrorType: details?.providerErrorType,
            message: details?.message ?? json["error"]?.nonEmptyString ?? "An error occurred during streaming",
            requestID: requestID,
            partial: partial)
    }
}

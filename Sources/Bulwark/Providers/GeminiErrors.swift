import BulwarkCore
import Foundation

/// Gemini's error bodies: `{"error": {"code", "message", "status", "details"?}}` (google.rpc.Status).
///
/// `providerErrorType` is the `reason` of a `google.rpc.ErrorInfo` detail when present
/// (`API_KEY_INVALID`), else `error.status` (`RESOURCE_EXHAUSTED`). `API_KEY_INVALID` and
/// `API_KEY_EXPIRED` are `authentication` although Gemini sends them with 400; `RESOURCE_EXHAUSTED` is
/// `rate_limited` (retry after `RetryInfo.retryDelay`); `FAILED_PRECONDITION` stays `bad_request`; an
/// `INVALID_ARGUMENT` saying the input exceeds the maximum number of tokens sets
/// ``ProviderError/isContextLengthExceeded``. Gemini sends no request id.
enum GeminiErrors {
    static let authenticationReasons: Set<String> = ["API_KEY_INVALID", "API_KEY_EXPIRED"]

    struct Details {
        var code: Int?
        var status: String?
        var reason: String?
        var message: String?
        var retryDelay: Duration?

        var providerErrorType: String? { reason ?? status }
    }

    static func details(_ json: JSONValue) -> Details? {
        let root = json.array?.first ?? json
        guard let error = root["error"], error.object != nil else { return nil }
        let entries = error["details"]?.array ?? []
        func detail(_ suffix: String) -> JSONValue? {
            entries.first { $0["@type"]?.string?.hasSuffix(suffix) == true }
        }
        return Details(
            code: error["code"]?.int,
            status: error["status"]?.nonEmptyString,
            reason: detail("google.rpc.ErrorInfo")?["reason"]?.nonEmptyString,
            message: error["message"]?.nonEmptyString,
            retryDelay: detail("google.rpc.RetryInfo")?["retryDelay"]?.string.flatMap(
                RetryAfterParser.parseProtobufDuration))
    }

    static func normalize(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) -> ProviderError {
        let requestID = headers["x-request-id"]
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
            retryAfter: RetryAfterParser.retryAfter(in: headers, now: now) ?? details.retryDelay,
            requestID: requestID,
            shouldRetryHeader: RetryAfterParser.shouldRetry(in: headers),
            isContextLengthExceeded: isContextLengthExceeded(details))
    }

    static func errorType(status: Int, details: Details) -> ErrorType {
        if let reason = details.reason, authenticationReasons.contains(reason) { return .authentication }
        if details.status == "RESOURCE_EXHAUSTED" { return .rateLimited }
        if status >= 300, let known = ErrorType.forStatus(status), known != .unknown { return known }
        switch details.status {
        case "INVALID_ARGUMENT"?, "FAILED_PRECONDITION"?, "OUT_OF_RANGE"?: return .badRequest
        case "UNAUTHENTICATED"?: return .authentication
        case "PERMISSION_DENIED"?: return .permission
        case "NOT_FOUND"?: return .notFound
        case "INTERNAL"?, "UNKNOWN"?, "DATA_LOSS"?: return .serverError
        case "UNAVAILABLE"?: return .unavailable
        case "DEADLINE_EXCEEDED"?: return .gatewayTimeout
        default: return status >= 300 ? ErrorNormalizer.errorType(forStatus: status) : .unknown
        }
    }

    static func isContextLengthExceeded(_ details: Details) -> Bool {
        guard details.status == "INVALID_ARGUMENT", let message = details.message else { return false }
        return message.range(of: "exceeds the maximum number of tokens", options: .caseInsensitive) != nil
    }

    /// The error of a `{"error": …}` chunk after a 200 (framed or bare), or `nil` when there is none.
    static func streamError(_ json: JSONValue, requestID: String?, partial: ChatResult) -> ProviderError? {
        guard let details = details(json) else { return nil }
        return ProviderError(
            errorType: .streamError,
            statusCode: 200,
            providerErrorType: details.providerErrorType,
            message: details.message ?? "An error occurred during streaming",
            retryAfter: details.retryDelay,
            requestID: requestID,
            partial: partial)
    }
}

public import BulwarkCore
public import Foundation

/// Turns a non-2xx response (status, headers, body) into a ``ProviderError``.
///
/// The rules per provider live in `OpenAIErrors`, `AnthropicErrors` and `GeminiErrors`; the shared ones
/// are here:
/// - a recognised provider code decides first (quota codes, overload, Gemini's `API_KEY_INVALID`);
/// - then the status, by the table of ``CallMetrics/ErrorType/forStatus(_:)``;
/// - statuses outside that table go by class (4xx `bad_request`, 5xx `server_error`, else `unknown`);
/// - HTML bodies (edge proxy pages) go by status, with the page's `<title>` as the message;
/// - other non-JSON bodies go by status, with the text as the message.
public enum ErrorNormalizer {
    /// Normalizes an error response of a provider of `kind`, received at `now`.
    public static func normalize(
        kind: ProviderKind, status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date
    ) -> ProviderError {
        switch kind {
        case .openai: return OpenAIErrors.normalize(status: status, headers: headers, body: body, now: now)
        case .anthropic: return AnthropicErrors.normalize(status: status, headers: headers, body: body, now: now)
        case .google, .vertex: return GeminiErrors.normalize(status: status, headers: headers, body: body, now: now)
        }
    }

    /// The error type of a status when nothing more specific is known.
    public static func errorType(forStatus status: Int) -> ErrorType {
        if let known = ErrorType.forStatus(status), known != .unknown { return known }
        switch status {
        case 400..<500: return .badRequest
        case 500..<600: return .serverError
        default: return .unknown
        }
    }

    /// What an error body turned out to be.
    enum Body {
        case json(JSONValue)
        case html(title: String?)
        case text(String)
        case empty
    }

    static func classify(_ body: [UInt8], headers: HTTPHeaderFields) -> Body {
        let text = String(decoding: body, as: UTF8.self).trimmingASCIIWhitespace()
        if text.isEmpty { return .empty }
        let contentType = headers["content-type"]?.lowercased() ?? ""
        if contentType.contains("html") || text.hasPrefix("<") {
            return .html(title: htmlTitle(text))
        }
        if let json = JSONValue.parseLeniently(body) { return .json(json) }
        return .text(text)
    }

    /// The text of the first `<title>` (or, failing that, `<h1>`), whitespace collapsed and the common
    /// entities decoded.
    static func htmlTitle(_ html: String) -> String? {
        for tag in ["title", "h1"] {
            guard let open = html.range(of: "<\(tag)", options: .caseInsensitive),
                let openEnd = html[open.upperBound...].firstIndex(of: ">"),
                let close = html.range(of: "</\(tag)", options: .caseInsensitive, range: openEnd..<html.endIndex)
            else { continue }
            let raw = html[html.index(after: openEnd)..<close.lowerBound]
            let collapsed = raw.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            let decoded = decodeEntities(collapsed)
            if !decoded.isEmpty { return decoded }
        }
        return nil
    }

    private static func decodeEntities(_ text: String) -> String {
        var result = text
        for (entity, character) in [
            ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&nbsp;", " "),
            ("&amp;", "&"),
        ] {
            result = result.replacingOccurrences(of: entity, with: character)
        }
        return result
    }

    /// A message for a body that said nothing usable.
    static func fallbackMessage(status: Int) -> String {
        let phrases = [
            400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
            408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Content",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout", 529: "Site Overloaded",
        ]
        return phrases[status].map { "HTTP \(status) \($0)" } ?? "HTTP \(status)"
    }

    /// Builds the error of a response whose body is not provider JSON.
    static func nonJSON(
        _ body: Body, status: Int, headers: HTTPHeaderFields, now: Date, requestID: String?
    ) -> ProviderError {
        let message: String
        switch body {
        case .html(let title): message = title ?? fallbackMessage(status: status)
        case .text(let text): message = text
        case .empty, .json: message = fallbackMessage(status: status)
        }
        return ProviderError(
            errorType: status < 300 ? .invalidResponse : errorType(forStatus: status),
            statusCode: status,
            message: message,
            retryAfter: RetryAfterParser.retryAfter(in: headers, now: now),
            requestID: requestID,
            shouldRetryHeader: RetryAfterParser.shouldRetry(in: headers))
    }
}

extension ErrorNormalizer {
    /// A message from a JSON body that is not in the provider's error shape (a proxy's own error).
    static func genericMessage(_ json: JSONValue) -> String? {
        json["message"]?.nonEmptyString ?? json["error"]?.nonEmptyString ?? json["detail"]?.nonEmptyString
            ?? json["error"]?["message"]?.nonEmptyString
    }

    /// Builds the error of a JSON body that is not in the provider's error shape.
    static func unrecognizedJSON(
        _ json: JSONValue, status: Int, headers: HTTPHeaderFields, now: Date, requestID: String?
    ) -> ProviderError {
        ProviderError(
            errorType: status < 300 ? .invalidResponse : errorType(forStatus: status),
            statusCode: status,
            message: genericMessage(json) ?? fallbackMessage(status: status),
            retryAfter: RetryAfterParser.retryAfter(in: headers, now: now),
            requestID: requestID,
            shouldRetryHeader: RetryAfterParser.shouldRetry(in: headers))
    }

    /// Whether a JSON value counts as true the way Python's `if value:` does (OpenAI's SDK tests the
    /// `error` key of stream chunks like that).
    static func isTruthy(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: return false
        case .bool(let flag)?: return flag
        case .number(let text)?: return Double(text).map { $0 != 0 } ?? true
        case .string(let text)?: return !text.isEmpty
        case .array(let items)?: return !items.isEmpty
        case .object(let fields)?: return !fields.isEmpty
        }
    }
}

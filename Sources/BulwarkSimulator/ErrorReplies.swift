import Foundation

/// An error answer ready to send.
struct ErrorReply: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
}

/// Error bodies: the provider-wire fixtures byte for byte with the manifest's content type and example
/// headers, or a body in the provider's own shape for a status the fixtures lack.
enum ErrorReplies {
    /// The fixture file for `status`, if the provider has one: `<code>-<variant>.json`, `<code>.html` for
    /// the `html` variant, else `<code>.json` (or `<code>.html` when that is the only one).
    static func fixture(_ provider: SimulatedProvider, _ status: ErrorStatus) -> WireFixtures.ErrorFile? {
        let files = WireFixtures.errors.filter { $0.provider == provider }
        func named(_ name: String) -> WireFixtures.ErrorFile? { files.first { $0.file == name } }
        switch status.variant {
        case "html"?: return named("\(status.code).html")
        case let variant?: return named("\(status.code)-\(variant).json")
        case nil: return named("\(status.code).json") ?? named("\(status.code).html")
        }
    }

    /// Whether `status` names something the provider can serve (a variant must exist as a fixture,
    /// except `html`, which falls back to a generic edge page).
    static func isServable(_ provider: SimulatedProvider, _ status: ErrorStatus) -> Bool {
        guard let variant = status.variant, variant != "html" else { return true }
        return fixture(provider, status) != nil
    }

    /// The error answer for `status`, with `extraHeaders` (retry headers) replacing the examples.
    static func reply(
        _ provider: SimulatedProvider,
        _ status: ErrorStatus,
        requestID: String,
        extraHeaders: [(name: String, value: String)] = []
    ) -> ErrorReply {
        var headers: [(name: String, value: String)]
        var body: String
        var isHTML: Bool
        if let file = fixture(provider, status) {
            headers = [("Content-Type", file.contentType)] + file.headers
            body = file.body
            isHTML = file.contentType.hasPrefix("text/html")
        } else if status.variant == "html" {
            headers = [("Content-Type", "text/html; charset=UTF-8")]
            body = genericHTML(status.code)
            isHTML = true
        } else {
            headers = [("Content-Type", provider == .google ? "application/json; charset=UTF-8" : "application/json")]
            body = genericJSON(provider, status.code, requestID: requestID)
            isHTML = false
        }
        if isHTML {
            headers.append(("Server", "cloudflare"))
        } else if let name = requestIDHeader(provider), !headers.contains(where: { $0.name.lowercased() == name }) {
            if provider == .anthropic {
                // The header carries the body's id; a body without one (the 413) came from before the API.
                if let bodyID = anthropicBodyRequestID(body) { headers.append((name, bodyID)) }
            } else {
                headers.append((name, requestID))
            }
        }
        for extra in extraHeaders {
            headers.removeAll { $0.name.lowercased() == extra.name.lowercased() }
            headers.append(extra)
        }
        return ErrorReply(status: status.code, headers: headers, body: Array(body.utf8))
    }

    /// The provider's request-id header name (`nil` for Gemini, which has none).
    static func requestIDHeader(_ provider: SimulatedProvider) -> String? {
        switch provider {
        case .openai: "x-request-id"
        case .anthropic: "request-id"
        case .google: nil
        }
    }

    private static func anthropicBodyRequestID(_ body: String) -> String? {
        guard let range = body.range(of: "\"request_id\":") else { return nil }
        let rest = body[range.upperBound...].drop { $0 == " " }
        guard rest.first == "\"" else { return nil }
        let value = rest.dropFirst().prefix { $0 != "\"" }
        return value.isEmpty ? nil : String(value)
    }

    // MARK: Bodies for statuses without a fixture

    static func genericJSON(_ provider: SimulatedProvider, _ code: Int, requestID: String) -> String {
        let message = defaultMessage(code)
        switch provider {
        case .openai:
            let type: String =
                switch code {
                case 400, 404, 409, 413, 422: "invalid_request_error"
                case 401: "invalid_request_error"
                case 403: "request_forbidden"
                case 408: "timeout"
                case 429: "requests"
                default: "server_error"
                }
            return """
                {
                  "error": {
                    "message": \(JSONText.quoted(message)),
                    "type": "\(type)",
                    "param": null,
                    "code": null
                  }
                }

                """
        case .anthropic:
            let type: String =
                switch code {
                case 401: "authentication_error"
                case 402: "billing_error"
                case 403: "permission_error"
                case 404: "not_found_error"
                case 408, 504: "timeout_error"
                case 409: "conflict_error"
                case 413: "request_too_large"
                case 429: "rate_limit_error"
                case 529: "overloaded_error"
                case 500...: "api_error"
                default: "invalid_request_error"
                }
            return "{\"type\":\"error\",\"error\":{\"type\":\"\(type)\",\"message\":\(JSONText.quoted(message))},"
                + "\"request_id\":\(JSONText.quoted(requestID))}\n"
        case .google:
            let status: String =
                switch code {
                case 400, 413, 422: "INVALID_ARGUMENT"
                case 401: "UNAUTHENTICATED"
                case 403: "PERMISSION_DENIED"
                case 404: "NOT_FOUND"
                case 408, 504: "DEADLINE_EXCEEDED"
                case 409: "ABORTED"
                case 429: "RESOURCE_EXHAUSTED"
                case 501: "UNIMPLEMENTED"
                case 502, 503, 529: "UNAVAILABLE"
                case 500...: "INTERNAL"
                default: "FAILED_PRECONDITION"
                }
            return """
                {
                  "error": {
                    "code": \(code),
                    "message": \(JSONText.quoted(message)),
                    "status": "\(status)"
                  }
                }

                """
        }
    }

    /// A Cloudflare edge page like the fixtures' (CRLF lines).
    static func genericHTML(_ code: Int) -> String {
        let title = "\(code) \(reasonPhrase(code))"
        return [
            "<html>", "<head><title>\(title)</title></head>", "<body>", "<center><h1>\(title)</h1></center>",
            "<hr><center>cloudflare</center>", "</body>", "</html>", "",
        ].joined(separator: "\r\n")
    }

    static func defaultMessage(_ code: Int) -> String {
        switch code {
        case 408: "Request timed out."
        case 409: "Conflict."
        case 413: "Request exceeds the maximum size"
        case 422: "Unprocessable entity."
        case 529: "Overloaded"
        case 500...: "The server had an error while processing your request."
        default: reasonPhrase(code)
        }
    }

    static func reasonPhrase(_ code: Int) -> String {
        switch code {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Time-out"
        case 520: "Web Server Returned an Unknown Error"
        case 521: "Web Server Is Down"
        case 522: "Connection Timed Out"
        case 524: "A Timeout Occurred"
        case 529: "Site is overloaded"
        default: "Error"
        }
    }

    // MARK: Rate-limit rejections in each provider's own form

    static func rateLimited(
        _ provider: SimulatedProvider,
        _ rejection: RateLimitRejection,
        model: String,
        requestID: String,
        organization: String
    ) -> String {
        switch provider {
        case .openai:
            let (type, unit) =
                rejection.resource == .requests
                ? ("requests", "requests per min (RPM)") : ("tokens", "tokens per min (TPM)")
            let message =
                "Rate limit reached for \(model) in organization org-simulator on \(unit): Limit \(rejection.limit), "
                + "Used \(rejection.used), Requested \(rejection.requested). Please try again in "
                + "\(RateLimitHeaders.goDuration(rejection.retryAfterSeconds)). Visit "
                + "https://platform.openai.com/account/rate-limits to learn more."
            return """
                {
                  "error": {
                    "message": \(JSONText.quoted(message)),
                    "type": "\(type)",
                    "param": null,
                    "code": "rate_limit_exceeded"
                  }
                }

                """
        case .anthropic:
            let unit: String =
                switch rejection.resource {
                case .requests: "requests"
                case .tokens: "tokens"
                case .inputTokens: "input tokens"
                case .outputTokens: "output tokens"
                }
            let limit = groupedThousands(rejection.limit)
            let message =
                "This request would exceed the rate limit for your organization (\(organization)) of \(limit) \(unit) "
                + "per minute. For details, refer to: https://docs.anthropic.com/en/api/rate-limits. You can see the "
                + "response headers for current usage. Please reduce the prompt length or the maximum tokens "
                + "requested, or try again later. You may also contact sales at "
                + "https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
            return """
                {
                  "type": "error",
                  "error": {
                    "type": "rate_limit_error",
                    "message": \(JSONText.quoted(message))
                  },
                  "request_id": \(JSONText.quoted(requestID))
                }

                """
        case .google:
            let (metric, quota) =
                switch rejection.resource {
                case .requests:
                    (
                        "generativelanguage.googleapis.com/generate_content_requests",
                        "GenerateRequestsPerMinutePerProjectPerModel"
                    )
                case .outputTokens:
                    (
                        "generativelanguage.googleapis.com/generate_content_output_token_count",
                        "GenerateContentOutputTokensPerModelPerMinute"
                    )
                case .tokens, .inputTokens:
                    (
                        "generativelanguage.googleapis.com/generate_content_input_token_count",
                        "GenerateContentInputTokensPerModelPerMinute"
                    )
                }
            let delay = Int(rejection.retryAfterSeconds.rounded(.up))
            return """
                {
                  "error": {
                    "code": 429,
                    "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
                    "status": "RESOURCE_EXHAUSTED",
                    "details": [
                      {
                        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                        "violations": [
                          {
                            "quotaMetric": "\(metric)",
                            "quotaId": "\(quota)",
                            "quotaDimensions": {"location": "global", "model": \(JSONText.quoted(model))},
                            "quotaValue": "\(rejection.limit)"
                          }
                        ]
                      },
                      {
                        "@type": "type.googleapis.com/google.rpc.Help",
                        "links": [
                          {"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}
                        ]
                      },
                      {
                        "@type": "type.googleapis.com/google.rpc.RetryInfo",
                        "retryDelay": "\(max(1, delay))s"
                      }
                    ]
                  }
                }

                """
        }
    }
}

/// `30000` as `30,000`.
func groupedThousands(_ value: Int) -> String {
    let digits = Array(String(value.magnitude))
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return value < 0 ? "-" + result : result
}

/// The providers' rate-limit header formats.
enum RateLimitHeaders {
    /// OpenAI's `x-ratelimit-*` headers (requests and tokens).
    static func openAI(_ readings: [RateLimitReading]) -> [(name: String, value: String)] {
        var limits: [(String, String)] = []
        var remaining: [(String, String)] = []
        var resets: [(String, String)] = []
        for reading in readings {
            let suffix: String
            switch reading.resource {
            case .requests: suffix = "requests"
            case .tokens: suffix = "tokens"
            case .inputTokens, .outputTokens: continue
            }
            limits.append(("x-ratelimit-limit-\(suffix)", String(reading.limit)))
            remaining.append(("x-ratelimit-remaining-\(suffix)", String(reading.remaining)))
            resets.append(("x-ratelimit-reset-\(suffix)", goDuration(reading.resetSeconds)))
        }
        return (limits + remaining + resets).map { (name: $0.0, value: $0.1) }
    }

    /// Anthropic's `anthropic-ratelimit-*` headers; `tokens` reports the most restrictive token limit.
    static func anthropic(_ readings: [RateLimitReading], now: Date) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        func add(_ prefix: String, _ reading: RateLimitReading) {
            headers.append(("anthropic-ratelimit-\(prefix)-limit", String(reading.limit)))
            headers.append(("anthropic-ratelimit-\(prefix)-remaining", String(reading.remaining)))
            headers.append(
                ("anthropic-ratelimit-\(prefix)-reset", rfc3339(now.addingTimeInterval(reading.resetSeconds))))
        }
        if let requests = readings.first(where: { $0.resource == .requests }) { add("requests", requests) }
        let tokenReadings = readings.filter { $0.resource != .requests }
        if let tightest = tokenReadings.min(by: { $0.remaining < $1.remaining }) { add("tokens", tightest) }
        if let input = readings.first(where: { $0.resource == .inputTokens }) { add("input-tokens", input) }
        if let output = readings.first(where: { $0.resource == .outputTokens }) { add("output-tokens", output) }
        return headers
    }

    /// Go `time.Duration` style, as OpenAI writes resets: `20ms`, `1s`, `17.687s`, `6m0s`, `1h2m3s`.
    static func goDuration(_ seconds: Double) -> String {
        let totalMs = Int((max(0, seconds) * 1000).rounded())
        if totalMs == 0 { return "0s" }
        if totalMs < 1000 { return "\(totalMs)ms" }
        let hours = totalMs / 3_600_000
        let minutes = totalMs / 60_000 % 60
        let wholeSeconds = totalMs / 1000 % 60
        let millis = totalMs % 1000
        var secondsText = String(wholeSeconds)
        if millis > 0 {
            var fraction = String(millis)
            fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            secondsText += "." + fraction
        }
        if hours > 0 { return "\(hours)h\(minutes)m\(secondsText)s" }
        if minutes > 0 { return "\(minutes)m\(secondsText)s" }
        return "\(secondsText)s"
    }

    /// RFC 3339 UTC to the second, e.g. `2025-08-21T12:40:59Z`.
    static func rfc3339(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.up))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return
            "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60))Z"
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// A header value for seconds: `2`, `1.5`.
    static func seconds(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}

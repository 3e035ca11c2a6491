public import CallMetrics
public import Foundation

extension RateLimitResource {
    /// The resource's name inside header names (`input-tokens`).
    var headerToken: String {
        switch self {
        case .requests: return "requests"
        case .tokens: return "tokens"
        case .inputTokens: return "input-tokens"
        case .outputTokens: return "output-tokens"
        }
    }
}

/// What a response says about one rate-limited resource.
public struct RateLimitBucket: Sendable, Hashable {
    /// The resource.
    public var resource: RateLimitResource
    /// Size of the window's allowance.
    public var limit: Int?
    /// What is left of it.
    public var remaining: Int?
    /// Time until the allowance is fully replenished, from the response's `now`.
    public var resetAfter: Duration?

    /// Creates a bucket.
    public init(resource: RateLimitResource, limit: Int? = nil, remaining: Int? = nil, resetAfter: Duration? = nil) {
        self.resource = resource
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
    }
}

/// Rate-limit and retry headers of one response.
///
/// Reads OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets are Go durations such
/// as `6m0s`, `20ms`) and Anthropic's `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
/// {limit,remaining,reset}` (resets are RFC 3339 times, turned into a delay from `now`). Both families are
/// read whatever the provider, and a reset in the other family's format is accepted too. Gemini sends
/// no rate-limit headers.
public struct RateLimitHeaders: Sendable, Hashable {
    /// One entry per resource that any header mentioned, in ``RateLimitResource`` order.
    public var buckets: [RateLimitBucket]
    /// The delay asked for by `retry-after-ms` / `retry-after` (see ``RetryAfterParser``).
    public var retryAfter: Duration?
    /// The `x-should-retry` header.
    public var shouldRetry: Bool?

    /// Creates a value.
    public init(buckets: [RateLimitBucket] = [], retryAfter: Duration? = nil, shouldRetry: Bool? = nil) {
        self.buckets = buckets
        self.retryAfter = retryAfter
        self.shouldRetry = shouldRetry
    }

    /// Parses the headers of a response received at `now`.
    public init(parsing headers: HTTPHeaderFields, now: Date) {
        var buckets: [RateLimitBucket] = []
        for resource in RateLimitResource.allCases {
            var bucket = RateLimitBucket(resource: resource)
            var seen = false
            if resource == .requests || resource == .tokens {
                let name = resource.headerToken
                seen =
                    Self.read(
                        limit: headers["x-ratelimit-limit-\(name)"],
                        remaining: headers["x-ratelimit-remaining-\(name)"],
                        reset: headers["x-ratelimit-reset-\(name)"],
                        into: &bucket, now: now) || seen
            }
            let prefix = "anthropic-ratelimit-\(resource.headerToken)"
            seen =
                Self.read(
                    limit: headers["\(prefix)-limit"],
                    remaining: headers["\(prefix)-remaining"],
                    reset: headers["\(prefix)-reset"],
                    into: &bucket, now: now) || seen
            if seen { buckets.append(bucket) }
        }
        self.buckets = buckets
        self.retryAfter = RetryAfterParser.retryAfter(in: headers, now: now)
        self.shouldRetry = RetryAfterParser.shouldRetry(in: headers)
    }

    /// The bucket of `resource`, if a header mentioned it.
    public subscript(resource: RateLimitResource) -> RateLimitBucket? {
        buckets.first { $0.resource == resource }
    }

    /// Whether no rate-limit or retry header was found.
    public var isEmpty: Bool { buckets.isEmpty && retryAfter == nil && shouldRetry == nil }

    /// Parses a reset value: a Go duration (`6m0s`), an RFC 3339 time relative to `now` (past times give
    /// zero), or plain decimal seconds.
    public static func parseReset(_ value: String, now: Date) -> Duration? {
        if let duration = RetryAfterParser.parseGoDuration(value) { return duration }
        if let date = RetryAfterParser.parseRFC3339(value) { return RetryAfterParser.delay(until: date, now: now) }
        return RetryAfterParser.decimalDuration(value.trimmingASCIIWhitespace(), unit: .seconds(1))
    }

    private static func read(
        limit: String?, remaining: String?, reset: String?, into bucket: inout RateLimitBucket, now: Date
    ) -> Bool {
        var seen = false
        if let limit, let value = parseCount(limit) {
            bucket.limit = value
            seen = true
        }
        if let remaining, let value = parseCount(remaining) {
            bucket.remaining = value
            seen = true
        }
        if let reset, let value = parseReset(reset, now: now) {
            bucket.resetAfter = value
            seen = true
        }
        return seen
    }

    private static func parseCount(_ value: String) -> Int? {
        let text = value.trimmingASCIIWhitespace()
        if let count = Int(text), count >= 0 { return count }
        if let number = RetryAfterParser.parseDecimal(text), number < 1e15 { return Int(number) }
        return nil
    }
}

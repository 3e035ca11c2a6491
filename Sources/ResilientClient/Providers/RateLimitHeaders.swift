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

    /// Parses the headers of a response received at `now`; `retryHints: false` skips ``retryAfter`` and
    /// ``shouldRetry`` (the limiter reads only the buckets, for every response).
    public init(parsing headers: HTTPHeaderFields, now: Date, retryHints: Bool = true) {
        // One pass over the fields: only names with a rate-limit prefix are lowercased and looked up.
        var values = [String?](repeating: nil, count: Self.slotNames.count)
        for field in headers where Self.namePrefixes.contains(where: { HTTPHeaderFields.hasNamePrefix(field.name, $0) }) {
            if let slot = Self.slotOfName[field.name.lowercased()], values[slot] == nil { values[slot] = field.value }
        }
        var buckets: [RateLimitBucket] = []
        for (resourceIndex, resource) in RateLimitResource.allCases.enumerated() {
            var bucket = RateLimitBucket(resource: resource)
            var seen = false
            for family in 0..<2 {
                let slot = Self.slot(resource: resourceIndex, family: family, field: 0)
                seen = Self.read(
                    limit: values[slot], remaining: values[slot + 1], reset: values[slot + 2], into: &bucket, now: now)
                    || seen
            }
            if seen { buckets.append(bucket) }
        }
        self.buckets = buckets
        self.retryAfter = retryHints ? RetryAfterParser.retryAfter(in: headers, now: now) : nil
        self.shouldRetry = retryHints ? RetryAfterParser.shouldRetry(in: headers) : nil
    }

    private static let namePrefixes = ["x-ratelimit-", "anthropic-ratelimit-"]

    /// Slot of the header that gives `field` (limit, remaining, reset) of a resource in a family (OpenAI's
    /// `x-ratelimit-…`, then Anthropic's `anthropic-ratelimit-…`, which wins where both are sent).
    private static func slot(resource: Int, family: Int, field: Int) -> Int {
        (resource * 2 + family) * 3 + field
    }

    /// The header name of each slot; OpenAI's family names requests and tokens only (`nil` elsewhere).
    private static let slotNames: [String?] = RateLimitResource.allCases.flatMap { resource -> [String?] in
        let token = resource.headerToken
        let openAI: [String?] =
            resource == .requests || resource == .tokens
            ? ["x-ratelimit-limit-\(token)", "x-ratelimit-remaining-\(token)", "x-ratelimit-reset-\(token)"]
            : [nil, nil, nil]
        let prefix = "anthropic-ratelimit-\(token)"
        return openAI + ["\(prefix)-limit", "\(prefix)-remaining", "\(prefix)-reset"]
    }

    private static let slotOfName: [String: Int] = Dictionary(
        uniqueKeysWithValues: slotNames.enumerated().compactMap { slot, name in name.map { ($0, slot) } })

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

package import BulwarkCore
package import Foundation

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
package struct RateLimitBucket: Sendable, Hashable {
    /// The resource.
    package var resource: RateLimitResource
    /// Size of the window's allowance.
    package var limit: Int?
    /// What is left of it.
    package var remaining: Int?
    /// Time until the allowance is fully replenished, from the response's `now`.
    package var resetAfter: Duration?

    /// Creates a bucket.
    package init(resource: RateLimitResource, limit: Int? = nil, remaining: Int? = nil, resetAfter: Duration? = nil) {
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
package struct RateLimitHeaders: Sendable, Hashable {
    /// One entry per resource that any header mentioned, in ``RateLimitResource`` order.
    package var buckets: [RateLimitBucket]
    /// The delay asked for by `retry-after-ms` / `retry-after` (see ``RetryAfterParser``).
    package var retryAfter: Duration?
    /// The `x-should-retry` header.
    package var shouldRetry: Bool?

    /// Creates a value.
    package init(buckets: [RateLimitBucket] = [], retryAfter: Duration? = nil, shouldRetry: Bool? = nil) {
        self.buckets = buckets
        self.retryAfter = retryAfter
        self.shouldRetry = shouldRetry
    }

    /// Parses the headers of a response received at `now`; `retryHints: false` skips ``retryAfter`` and
    /// ``shouldRetry`` (the limiter reads only the buckets, for every response).
    package init(parsing headers: HTTPHeaderFields, now: Date, retryHints: Bool = true) {
        // One pass over the fields, matching names as bytes; values are read where they are.
        let fields = headers.fields
        var fieldOfSlot = InlineArray<24, Int>(repeating: -1)
        for (index, field) in fields.enumerated() {
            if let slot = Self.slot(ofName: field.name), fieldOfSlot[slot] < 0 { fieldOfSlot[slot] = index }
        }
        func value(_ slot: Int) -> String? { fieldOfSlot[slot] < 0 ? nil : fields[fieldOfSlot[slot]].value }
        var buckets: [RateLimitBucket] = []
        for (resourceIndex, resource) in Self.resources.enumerated() {
            var bucket = RateLimitBucket(resource: resource)
            var seen = false
            for family in 0..<2 {
                let slot = Self.slot(resource: resourceIndex, family: family, field: 0)
                seen = Self.read(limit: value(slot), remaining: value(slot + 1), reset: value(slot + 2), into: &bucket, now: now)
                    || seen
            }
            if seen { buckets.append(bucket) }
        }
        self.buckets = buckets
        self.retryAfter = retryHints ? RetryAfterParser.retryAfter(in: headers, now: now) : nil
        self.shouldRetry = retryHints ? RetryAfterParser.shouldRetry(in: headers) : nil
    }

    private static let resources = RateLimitResource.allCases

    /// Slot of the header that gives `field` (limit, remaining, reset) of a resource in a family (OpenAI's
    /// `x-ratelimit-…`, then Anthropic's `anthropic-ratelimit-…`, which wins where both are sent).
    private static func slot(resource: Int, family: Int, field: Int) -> Int {
        (resource * 2 + family) * 3 + field
    }

    /// The slot of a rate-limit header name (any case), or `nil` for other names.
    private static func slot(ofName name: String) -> Int? {
        let bytes = name.utf8.span
        guard bytes.count > 12 else { return nil }
        switch bytes[0] | 0x20 {
        case UInt8(ascii: "x"): return slot(ofName: bytes, prefix: openAI.prefix, suffixes: openAI.suffixes)
        case UInt8(ascii: "a"): return slot(ofName: bytes, prefix: anthropic.prefix, suffixes: anthropic.suffixes)
        default: return nil
        }
    }

    private static func slot(ofName name: Span<UInt8>, prefix: [UInt8], suffixes: [(name: [UInt8], slot: Int)]) -> Int? {
        guard name.count > prefix.count, HTTPHeaderFields.sameName(name.extracting(0..<prefix.count), prefix.span) else {
            return nil
        }
        let suffix = name.extracting(prefix.count...)
        for entry in suffixes where HTTPHeaderFields.sameName(suffix, entry.name.span) { return entry.slot }
        return nil
    }

    /// OpenAI's family: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`.
    private static let openAI = (
        prefix: Array("x-ratelimit-".utf8),
        suffixes: [RateLimitResource.requests, .tokens].flatMap { resource in
            let index = RateLimitResource.allCases.firstIndex(of: resource)!
            return ["limit", "remaining", "reset"].enumerated().map { field, name in
                (name: Array("\(name)-\(resource.headerToken)".utf8), slot: slot(resource: index, family: 0, field: field))
            }
        })

    /// Anthropic's family: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`.
    private static let anthropic = (
        prefix: Array("anthropic-ratelimit-".utf8),
        suffixes: RateLimitResource.allCases.enumerated().flatMap { index, resource in
            ["limit", "remaining", "reset"].enumerated().map { field, name in
                (name: Array("\(resource.headerToken)-\(name)".utf8), slot: slot(resource: index, family: 1, field: field))
            }
        })

    /// The bucket of `resource`, if a header mentioned it.
    package subscript(resource: RateLimitResource) -> RateLimitBucket? {
        buckets.first { $0.resource == resource }
    }

    /// Whether no rate-limit or retry header was found.
    package var isEmpty: Bool { buckets.isEmpty && retryAfter == nil && shouldRetry == nil }

    /// Parses a reset value: a Go duration (`6m0s`), an RFC 3339 time relative to `now` (past times give
    /// zero), or plain decimal seconds.
    package static func parseReset(_ value: String, now: Date) -> Duration? {
        let all = value.utf8.span
        let bytes = all.extracting(HeaderValueBytes.trimmedRange(all))
        if let duration = RetryAfterParser.goDuration(bytes) { return duration }
        if let date = RFC3339Parser.parse(bytes) { return RetryAfterParser.delay(until: date, now: now) }
        return RetryAfterParser.decimalNanoseconds(bytes, unit: .second).map(RetryAfterParser.duration(nanoseconds:))
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

    /// A count: digits, or a decimal number (`9.0`, truncated).
    private static func parseCount(_ value: String) -> Int? {
        let all = value.utf8.span
        if let count = HeaderValueBytes.nonNegativeInteger(all.extracting(HeaderValueBytes.trimmedRange(all))) { return count }
        if let number = RetryAfterParser.parseDecimal(value.trimmingASCIIWhitespace()), number < 1e15 { return Int(number) }
        return nil
    }
}

import Bulwark
import Foundation

enum HeaderFuzz {
    private static let now = Date(timeIntervalSince1970: 1_764_000_000)

    /// Lines `name: value` (names drawn from the providers' rate-limit headers when the line has no colon).
    static func runRateLimit(_ input: [UInt8]) {
        let names = [
            "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
            "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
            "anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining",
            "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-input-tokens-remaining",
            "anthropic-ratelimit-output-tokens-reset", "retry-after", "retry-after-ms", "x-should-retry",
        ]
        var pairs: [(name: String, value: String)] = []
        for (index, line) in String(decoding: input, as: UTF8.self).split(separator: "\n").enumerated() {
            if let colon = line.firstIndex(of: ":") {
                pairs.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            } else {
                pairs.append((names[index % names.count], String(line)))
            }
        }
        let parsed = RateLimitHeaders(parsing: HTTPHeaderFields(pairs), now: now)
        for bucket in parsed.buckets {
            require((bucket.limit ?? 0) >= 0 && (bucket.remaining ?? 0) >= 0, "a negative limit or remainder: \(bucket)")
            require((bucket.resetAfter ?? .zero) >= .zero, "a negative reset: \(bucket)")
        }
        require((parsed.retryAfter ?? .zero) >= .zero, "a negative retry-after: \(String(describing: parsed.retryAfter))")
    }

    static func runRetryAfter(_ input: [UInt8]) {
        let value = String(decoding: input, as: UTF8.self)
        for parsed in [
            RetryAfterParser.parseRetryAfter(value, now: now), RetryAfterParser.parseMilliseconds(value),
            RetryAfterParser.parseGoDuration(value), RetryAfterParser.parseProtobufDuration(value),
        ] {
            require((parsed ?? .zero) >= .zero, "a negative delay from \(value.debugDescription)")
        }
        _ = RetryAfterParser.parseHTTPDate(value)
        _ = RetryAfterParser.parseRFC3339(value)
    }
}

import Foundation
import Bulwark
import Testing

@Suite("Rate-limit headers")
struct RateLimitHeadersTests {
    @Test func openAIResponseHeadersFromHeadersTxt() throws {
        let headers = try Fixtures.headerSection(.openai, "## Response 200").headers
        let limits = RateLimitHeaders(parsing: headers, now: anyNow)
        #expect(
            limits[.requests]
                == RateLimitBucket(resource: .requests, limit: 5000, remaining: 4999, resetAfter: .milliseconds(12)))
        #expect(
            limits[.tokens]
                == RateLimitBucket(resource: .tokens, limit: 160_000, remaining: 159_976, resetAfter: .milliseconds(9)))
        #expect(limits[.inputTokens] == nil)
        #expect(limits.retryAfter == nil)
        #expect(limits.shouldRetry == nil)
    }

    @Test func openAI429HeadersFromHeadersTxtPreferRetryAfterMs() throws {
        let headers = try Fixtures.headerSection(.openai, "## Response 429").headers
        let limits = RateLimitHeaders(parsing: headers, now: anyNow)
        #expect(
            limits[.tokens]
                == RateLimitBucket(resource: .tokens, limit: 200_000, remaining: 0, resetAfter: .milliseconds(86)))
        #expect(limits.retryAfter == .milliseconds(86))
        #expect(limits.shouldRetry == true)
    }

    @Test func anthropicResponseHeadersFromHeadersTxtResetRelativeToNow() throws {
        let headers = try Fixtures.headerSection(.anthropic, "## Response 200").headers
        let limits = RateLimitHeaders(parsing: headers, now: date("2025-08-21T12:40:00Z"))
        #expect(limits.buckets.map(\.resource) == [.requests, .tokens, .inputTokens, .outputTokens])
        #expect(
            limits[.requests]
                == RateLimitBucket(resource: .requests, limit: 1000, remaining: 999, resetAfter: .seconds(59)))
        #expect(
            limits[.tokens]
                == RateLimitBucket(resource: .tokens, limit: 96000, remaining: 96000, resetAfter: .seconds(59)))
        #expect(
            limits[.inputTokens]
                == RateLimitBucket(resource: .inputTokens, limit: 80000, remaining: 80000, resetAfter: .seconds(59)))
        #expect(
            limits[.outputTokens]
                == RateLimitBucket(resource: .outputTokens, limit: 16000, remaining: 16000, resetAfter: .seconds(60)))
    }

    @Test func anthropic429HeadersFromHeadersTxt() throws {
        let headers = try Fixtures.headerSection(.anthropic, "## Response 429").headers
        let limits = RateLimitHeaders(parsing: headers, now: date("2024-03-26T19:59:30Z"))
        #expect(
            limits[.requests] == RateLimitBucket(resource: .requests, limit: 5, remaining: 0, resetAfter: .seconds(30)))
        #expect(
            limits[.tokens]
                == RateLimitBucket(resource: .tokens, limit: 25000, remaining: 16000, resetAfter: .seconds(30)))
        #expect(limits.retryAfter == .seconds(20))
        #expect(limits.shouldRetry == true)
    }

    @Test func anthropicManifestHeadersOf429() throws {
        let entry = try #require(try Fixtures.manifest(.anthropic).files.first { $0.file == "429.json" })
        let limits = RateLimitHeaders(parsing: entry.headers, now: date("2026-11-24T17:52:00Z"))
        #expect(
            limits[.inputTokens]
                == RateLimitBucket(resource: .inputTokens, limit: 30000, remaining: 0, resetAfter: .seconds(20)))
        #expect(limits.retryAfter == .seconds(20))
    }

    @Test func openAIManifestHeadersOf429() throws {
        let entry = try #require(try Fixtures.manifest(.openai).files.first { $0.file == "429.json" })
        let limits = RateLimitHeaders(parsing: entry.headers, now: anyNow)
        #expect(
            limits[.requests]
                == RateLimitBucket(resource: .requests, limit: 500, remaining: 499, resetAfter: .milliseconds(120)))
        #expect(
            limits[.tokens]
                == RateLimitBucket(resource: .tokens, limit: 200_000, remaining: 0, resetAfter: .milliseconds(86)))
    }

    @Test func geminiSendsNoRateLimitHeaders() throws {
        let headers = try Fixtures.headerSection(.google, "## Response 200").headers
        #expect(!headers.isEmpty)
        #expect(RateLimitHeaders(parsing: headers, now: anyNow).isEmpty)
    }

    @Test func resetInThePastIsZero() {
        let limits = RateLimitHeaders(
            parsing: ["anthropic-ratelimit-requests-reset": "2020-01-01T00:00:00Z"], now: anyNow)
        #expect(limits[.requests]?.resetAfter == .zero)
    }

    @Test func resetWithFractionalSecondsAndOffset() {
        let limits = RateLimitHeaders(
            parsing: ["anthropic-ratelimit-tokens-reset": "2026-11-24T18:52:01.500+01:00"], now: anyNow)
        #expect(limits[.tokens]?.resetAfter == .milliseconds(1500))
    }

    @Test func headerNamesMatchInAnyCaseAndTheFirstFieldWins() {
        let limits = RateLimitHeaders(
            parsing: [
                "X-RateLimit-Remaining-Requests": " 41 ", "x-ratelimit-remaining-requests": "7",
                "ANTHROPIC-RATELIMIT-OUTPUT-TOKENS-LIMIT": "8000", "x-ratelimit-remaining-requestsx": "1",
                "x-ratelimit-limit-tokens": "9.0",
            ],
            now: anyNow)
        #expect(limits[.requests] == RateLimitBucket(resource: .requests, remaining: 41))
        #expect(limits[.outputTokens] == RateLimitBucket(resource: .outputTokens, limit: 8000))
        #expect(limits[.tokens] == RateLimitBucket(resource: .tokens, limit: 9))
    }

    @Test func garbageValuesAreIgnored() {
        let limits = RateLimitHeaders(
            parsing: [
                "x-ratelimit-limit-requests": "lots", "x-ratelimit-reset-requests": "soon", "retry-after": "later",
            ],
            now: anyNow)
        #expect(limits.isEmpty)
    }
}

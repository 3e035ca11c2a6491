import Foundation
import ResilientClient
import Testing

@Suite("Retry-After and duration parsing")
struct RetryAfterTests {
    @Test(arguments: [
        ("6m0s", Duration.seconds(360)), ("1s", .seconds(1)), ("20ms", .milliseconds(20)),
        ("1h2m3.5s", .milliseconds(3_723_500)),
        ("17.687s", .milliseconds(17_687)), ("1m30s", .seconds(90)), ("120ms", .milliseconds(120)), ("0s", .zero),
        ("0", .zero),
        ("250us", .microseconds(250)), ("1.5m", .seconds(90)),
    ])
    func parsesGoDurations(text: String, expected: Duration) {
        #expect(RetryAfterParser.parseGoDuration(text) == expected)
    }

    @Test(arguments: ["", "abc", "5", "-1s", "1x", "s", "1..5s", "inf", "1e3s"])
    func rejectsMalformedGoDurations(text: String) {
        #expect(RetryAfterParser.parseGoDuration(text) == nil)
    }

    @Test(arguments: [
        ("26s", Duration.seconds(26)), ("0.5s", .milliseconds(500)), ("1.250s", .milliseconds(1250)),
        ("37s", .seconds(37)), ("1.5s", .milliseconds(1500)),
    ])
    func parsesGeminiRetryDelays(text: String, expected: Duration) {
        #expect(RetryAfterParser.parseProtobufDuration(text) == expected)
    }

    @Test func rejectsMalformedRetryDelays() {
        for text in ["26", "s", "-1s", "abc s", "1ms"] {
            #expect(RetryAfterParser.parseProtobufDuration(text) == nil, "\(text)")
        }
    }

    @Test func retryAfterSecondsIntegerAndFractional() {
        #expect(RetryAfterParser.parseRetryAfter("20", now: anyNow) == .seconds(20))
        #expect(RetryAfterParser.parseRetryAfter(" 1.5 ", now: anyNow) == .milliseconds(1500))
        #expect(RetryAfterParser.parseRetryAfter("0", now: anyNow) == .zero)
    }

    @Test func retryAfterHTTPDateIsRelativeToNow() {
        let now = date("2026-10-21T07:27:30Z")
        #expect(RetryAfterParser.parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", now: now) == .seconds(30))
        #expect(RetryAfterParser.parseRetryAfter("Wednesday, 21-Oct-26 07:28:00 GMT", now: now) == .seconds(30))
        #expect(RetryAfterParser.parseRetryAfter("Wed Oct 21 07:28:00 2026", now: now) == .seconds(30))
        #expect(RetryAfterParser.parseRetryAfter("Wed, 21 Oct 2026 07:00:00 GMT", now: now) == .zero)
    }

    @Test func rejectsMalformedRetryAfter() {
        for text in ["", "soon", "-5", "1e3", "0x10", "inf", "nan", "Wed, 99 Foo 2026"] {
            #expect(RetryAfterParser.parseRetryAfter(text, now: anyNow) == nil, "\(text)")
        }
    }

    @Test func retryAfterMsTakesPrecedence() {
        #expect(
            RetryAfterParser.retryAfter(in: ["retry-after": "1", "retry-after-ms": "86"], now: anyNow)
                == .milliseconds(86))
        #expect(RetryAfterParser.retryAfter(in: ["Retry-After-Ms": "12.5"], now: anyNow) == .microseconds(12500))
        #expect(
            RetryAfterParser.retryAfter(in: ["retry-after": "2", "retry-after-ms": "bogus"], now: anyNow) == .seconds(2)
        )
        #expect(RetryAfterParser.retryAfter(in: [:], now: anyNow) == nil)
    }

    @Test func shouldRetryHeader() {
        #expect(RetryAfterParser.shouldRetry(in: ["x-should-retry": "true"]) == true)
        #expect(RetryAfterParser.shouldRetry(in: ["X-Should-Retry": "FALSE"]) == false)
        #expect(RetryAfterParser.shouldRetry(in: ["x-should-retry": "maybe"]) == nil)
        #expect(RetryAfterParser.shouldRetry(in: [:]) == nil)
    }

    @Test func retryHeadersOfTheManifestsAreParsed() throws {
        let openAI503 = try #require(try Fixtures.manifest(.openai).files.first { $0.file == "503.json" })
        #expect(RetryAfterParser.retryAfter(in: openAI503.headers, now: anyNow) == .seconds(2))
        let anthropic429 = try #require(try Fixtures.manifest(.anthropic).files.first { $0.file == "429.json" })
        #expect(RetryAfterParser.retryAfter(in: anthropic429.headers, now: anyNow) == .seconds(20))
        #expect(RetryAfterParser.shouldRetry(in: anthropic429.headers) == true)
    }
}

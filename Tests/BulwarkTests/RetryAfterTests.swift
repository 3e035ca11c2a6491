import Foundation
import Bulwark
import Testing

@Suite("Retry-After and duration parsing")
struct RetryAfterTests {
    @Test(arguments: [
        ("6m0s", Duration.seconds(360)), ("1s", .seconds(1)), ("20ms", .milliseconds(20)),
        ("1h2m3.5s", .milliseconds(3_723_500)),
        ("17.687s", .milliseconds(17_687)), ("1m30s", .seconds(90)), ("120ms", .milliseconds(120)), ("0s", .zero),
        ("0", .zero),
        ("250us", .microseconds(250)), ("1.5m", .seconds(90)), ("3µs", .microseconds(3)), ("3μs", .microseconds(3)),
        ("7ns", .nanoseconds(7)), (" 2h ", .seconds(7200)), ("0.0000000019s", .nanoseconds(1)),
        ("999999999999999h", .seconds(999_999_999_999_999 * 3600)),
    ])
    func parsesGoDurations(text: String, expected: Duration) {
        #expect(RetryAfterParser.parseGoDuration(text) == expected)
    }

    @Test func hostileGoDurationsSaturateInsteadOfTrapping() {
        let huge = String(repeating: "999999999999999h", count: 4)
        #expect(RetryAfterParser.parseGoDuration(huge) == Duration(secondsComponent: .max, attosecondsComponent: 0))
        #expect(RateLimitHeaders(parsing: ["x-ratelimit-reset-requests": huge], now: anyNow)[.requests]?.resetAfter != nil)
    }

    @Test(arguments: ["", "abc", "5", "-1s", "1x", "s", "1..5s", "inf", "1e3s", "1S", "1Ms", "1µ", "1000000000000000s", "1s2"])
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

    @Test func httpDatesAreCheckedFieldByField() {
        #expect(RetryAfterParser.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(RetryAfterParser.parseHTTPDate("Sunday, 06-Nov-94 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(RetryAfterParser.parseHTTPDate("Sun Nov  6 08:49:37 1994") == Date(timeIntervalSince1970: 784_111_777))
        #expect(RetryAfterParser.parseHTTPDate("Thu, 29 Feb 2024 00:00:00 GMT") == Date(timeIntervalSince1970: 1_709_164_800))
        for text in [
            "Sat, 31 Feb 2026 07:28:00 GMT", "Wed, 21 Oct 2026 24:00:00 GMT", "Wed, 21 Oct 2026 07:28:00 PST",
            "Wed, 21 Oct 26 07:28:00 GMT", "Wed, 21 Okt 2026 07:28:00 GMT", "Foo, 21 Oct 2026 07:28:00 GMT",
            "Wed 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 7:28:00 GMT", "non\u{FF}\u{FF}",
        ] {
            #expect(RetryAfterParser.parseHTTPDate(text) == nil, "\(text)")
        }
    }

    @Test func rejectsMalformedRetryAfter() {
        for text in ["", "soon", "-5", "1e3", "0x10", "inf", "nan", "Wed, 99 Foo 2026"] {
            #expect(RetryAfterParser.parseRetryAfter(text, now: anyNow) == nil, "\(text)")
        }
    }

    @Test(arguments: [
        ("2025-08-21T12:40:59Z", 1_755_780_059.0), ("2025-08-21t12:40:59z", 1_755_780_059.0),
        ("2025-08-21 12:40:59Z", 1_755_780_059.0), (" 2025-08-21T12:40:59.25Z ", 1_755_780_059.25),
        ("2025-08-21T14:40:59+02:00", 1_755_780_059.0), ("2025-08-21T07:10:59-05:30", 1_755_780_059.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0), ("1970-01-01T00:00:00Z", 0.0),
    ])
    func parsesRFC3339Timestamps(text: String, secondsSince1970: Double) {
        #expect(RetryAfterParser.parseRFC3339(text)?.timeIntervalSince1970 == secondsSince1970)
    }

    @Test(arguments: [
        "", "2025-08-21", "2025-08-21T12:40:59", "2025-13-01T00:00:00Z", "2025-04-31T00:00:00Z",
        "2025-02-29T00:00:00Z", "2025-00-10T00:00:00Z", "2025-08-00T00:00:00Z", "2025-08-21T24:00:00Z", "2025-08-21T12:60:00Z", "2025-08-21T12:40:59.Z",
        "2025-08-21T12:40:59+0200", "2025-08-21T12:40:59Zjunk", "2025/08/21T12:40:59Z", "20a5-08-21T12:40:59Z",
    ])
    func rejectsMalformedRFC3339Timestamps(text: String) {
        #expect(RetryAfterParser.parseRFC3339(text) == nil)
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

public import Foundation

/// Parses the retry hints providers send: `retry-after-ms`, `retry-after` (seconds or HTTP-date),
/// `x-should-retry`, and the duration strings of rate-limit resets and Gemini's `RetryInfo`.
///
/// Every function that needs the current time takes it as `now`; nothing reads a clock.
public enum RetryAfterParser {
    /// The delay the headers ask for: `retry-after-ms` (milliseconds, fractional allowed) wins, then
    /// `retry-after` as seconds (integer or fractional), then `retry-after` as an HTTP-date relative to
    /// `now` (a date in the past gives zero). Unparseable values are ignored.
    public static func retryAfter(in headers: HTTPHeaderFields, now: Date) -> Duration? {
        if let value = headers["retry-after-ms"], let delay = parseMilliseconds(value) {
            return delay
        }
        if let value = headers["retry-after"] {
            return parseRetryAfter(value, now: now)
        }
        return nil
    }

    /// Parses a `retry-after` value: non-negative decimal seconds, or an HTTP-date relative to `now`.
    public static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingASCIIWhitespace()
        if let delay = decimalDuration(trimmed, unit: .seconds(1)) {
            return delay
        }
        guard let date = parseHTTPDate(trimmed) else { return nil }
        return delay(until: date, now: now)
    }

    /// The time from `now` to `date`, to the microsecond; zero when `date` is not in the future.
    public static func delay(until date: Date, now: Date) -> Duration {
        let interval = date.timeIntervalSince(now)
        guard interval.isFinite, interval > 0 else { return .zero }
        return .microseconds(Int64((min(interval, 1e12) * 1e6).rounded()))
    }

    /// Parses a `retry-after-ms` value: non-negative decimal milliseconds.
    public static func parseMilliseconds(_ value: String) -> Duration? {
        decimalDuration(value.trimmingASCIIWhitespace(), unit: .milliseconds(1))
    }

    /// `x-should-retry`: `true` or `false` (case-insensitive); `nil` when absent or anything else.
    public static func shouldRetry(in headers: HTTPHeaderFields) -> Bool? {
        switch headers["x-should-retry"]?.trimmingASCIIWhitespace().lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// Parses an HTTP-date in any of the three forms of RFC 9110: IMF-fixdate
    /// (`Wed, 21 Oct 2026 07:28:00 GMT`), RFC 850 (`Wednesday, 21-Oct-26 07:28:00 GMT`) and asctime
    /// (`Wed Oct 21 07:28:00 2026`).
    public static func parseHTTPDate(_ value: String) -> Date? {
        let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        let text = value.trimmingASCIIWhitespace().split(separator: " ", omittingEmptySubsequences: true)
            .joined(separator: " ")
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// Parses an RFC 3339 timestamp (`2025-08-21T12:40:59Z`, fractional seconds and offsets allowed),
    /// the format of Anthropic's `anthropic-ratelimit-*-reset` headers.
    public static func parseRFC3339(_ value: String) -> Date? {
        let text = value.trimmingASCIIWhitespace()
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// Parses a Go `time.Duration` string, the format of OpenAI's `x-ratelimit-reset-*` headers:
    /// `1s`, `6m0s`, `20ms`, `1h2m3.5s`, `17.687s`; units `h`, `m`, `s`, `ms`, `us`, `µs`, `ns`.
    public static func parseGoDuration(_ value: String) -> Duration? {
        let scalars = Array(value.trimmingASCIIWhitespace().unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        if scalars == ["0"] { return .zero }
        var index = 0
        var total: Duration = .zero
        while index < scalars.count {
            let numberStart = index
            while index < scalars.count, scalars[index] == "." || ("0"..."9").contains(scalars[index]) {
                index += 1
            }
            let unitStart = index
            while index < scalars.count, !(scalars[index] == "." || ("0"..."9").contains(scalars[index])) {
                index += 1
            }
            let number = String(String.UnicodeScalarView(scalars[numberStart..<unitStart]))
            let unit = String(String.UnicodeScalarView(scalars[unitStart..<index]))
            let unitDuration: Duration
            switch unit {
            case "h": unitDuration = .seconds(3600)
            case "m": unitDuration = .seconds(60)
            case "s": unitDuration = .seconds(1)
            case "ms": unitDuration = .milliseconds(1)
            case "us", "µs", "μs": unitDuration = .microseconds(1)
            case "ns": unitDuration = .nanoseconds(1)
            default: return nil
            }
            guard let amount = decimalDuration(number, unit: unitDuration) else { return nil }
            total += amount
        }
        return total
    }

    /// Parses a protobuf `Duration` in its JSON form (decimal seconds and `s`: `26s`, `0.5s`, `1.250s`),
    /// the format of Gemini's `RetryInfo.retryDelay`.
    public static func parseProtobufDuration(_ value: String) -> Duration? {
        let text = value.trimmingASCIIWhitespace()
        guard text.hasSuffix("s") else { return nil }
        return decimalDuration(String(text.dropLast()), unit: .seconds(1))
    }

    /// A non-negative decimal number of `unit`s (`17.687` seconds), computed exactly to the nanosecond
    /// (fraction digits beyond the ninth are dropped); `nil` for anything but digits with at most one `.`.
    static func decimalDuration(_ text: String, unit: Duration) -> Duration? {
        guard parseDecimal(text) != nil else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        guard whole.count <= 15 else { return nil }
        var result = unit * (whole.isEmpty ? 0 : Int(whole) ?? 0)
        if parts.count == 2 {
            let fraction = parts[1].prefix(9)
            if !fraction.isEmpty, let numerator = Int(fraction) {
                var denominator = 1
                for _ in 0..<fraction.count { denominator *= 10 }
                result += unit * numerator / denominator
            }
        }
        return result
    }

    /// A non-negative decimal number of digits with at most one `.`; rejects signs, exponents, hex,
    /// `inf` and `nan`, which `Double(_:)` would accept.
    static func parseDecimal(_ text: String) -> Double? {
        var digits = 0
        var dots = 0
        for character in text.utf8 {
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): dots += 1
            default: return nil
            }
        }
        guard digits > 0, dots <= 1, let value = Double(text), value.isFinite else { return nil }
        return value
    }
}

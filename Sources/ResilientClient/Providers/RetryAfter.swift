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
        let bytes = Array(value.trimmingASCIIWhitespace().utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes == [UInt8(ascii: "0")] { return .zero }
        func isNumberByte(_ byte: UInt8) -> Bool { byte == UInt8(ascii: ".") || (0x30...0x39).contains(byte) }
        var index = 0
        var total: Duration = .zero
        while index < bytes.count {
            let numberStart = index
            while index < bytes.count, isNumberByte(bytes[index]) { index += 1 }
            let unitStart = index
            while index < bytes.count, !isNumberByte(bytes[index]) { index += 1 }
            guard let unit = goDurationUnit(bytes[unitStart..<index]),
                let amount = decimalDuration(utf8: bytes[numberStart..<unitStart], unit: unit)
            else { return nil }
            total += amount
        }
        return total
    }

    private static func goDurationUnit(_ name: ArraySlice<UInt8>) -> Duration? {
        switch name.count {
        case 1:
            switch name.first {
            case UInt8(ascii: "h"): return .seconds(3600)
            case UInt8(ascii: "m"): return .seconds(60)
            case UInt8(ascii: "s"): return .seconds(1)
            default: return nil
            }
        default:
            if name.elementsEqual("ms".utf8) { return .milliseconds(1) }
            if name.elementsEqual("us".utf8) || name.elementsEqual("µs".utf8) || name.elementsEqual("μs".utf8) {
                return .microseconds(1)
            }
            if name.elementsEqual("ns".utf8) { return .nanoseconds(1) }
            return nil
        }
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
        decimalDuration(utf8: text.utf8, unit: unit)
    }

    /// ``decimalDuration(_:unit:)`` over UTF-8 bytes.
    static func decimalDuration(utf8 bytes: some Collection<UInt8>, unit: Duration) -> Duration? {
        var whole = 0
        var wholeDigits = 0
        var fraction = 0
        var fractionDigits = 0
        var digits = 0
        var seenDot = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                let digit = Int(byte - UInt8(ascii: "0"))
                if seenDot {
                    guard fractionDigits < 9 else { continue }
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                } else {
                    wholeDigits += 1
                    guard wholeDigits <= 15 else { return nil }
                    whole = whole * 10 + digit
                }
            case UInt8(ascii: "."):
                guard !seenDot else { return nil }
                seenDot = true
            default:
                return nil
            }
        }
        guard digits > 0 else { return nil }
        var result = unit * whole
        if fractionDigits > 0 {
            var denominator = 1
            for _ in 0..<fractionDigits { denominator *= 10 }
            result += unit * fraction / denominator
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

package import Foundation

/// Parses the retry hints providers send: `retry-after-ms`, `retry-after` (seconds or HTTP-date),
/// `x-should-retry`, and the duration strings of rate-limit resets and Gemini's `RetryInfo`.
///
/// Every function that needs the current time takes it as `now`; nothing reads a clock.
package enum RetryAfterParser {
    /// The delay the headers ask for: `retry-after-ms` (milliseconds, fractional allowed) wins, then
    /// `retry-after` as seconds (integer or fractional), then `retry-after` as an HTTP-date relative to
    /// `now` (a date in the past gives zero). Unparseable values are ignored.
    package static func retryAfter(in headers: HTTPHeaderFields, now: Date) -> Duration? {
        if let value = headers["retry-after-ms"], let delay = parseMilliseconds(value) {
            return delay
        }
        if let value = headers["retry-after"] {
            return parseRetryAfter(value, now: now)
        }
        return nil
    }

    /// Parses a `retry-after` value: non-negative decimal seconds, or an HTTP-date relative to `now`.
    package static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        if let delay = decimalDuration(value, unit: .second) {
            return delay
        }
        guard let date = parseHTTPDate(value) else { return nil }
        return delay(until: date, now: now)
    }

    /// The time from `now` to `date`, to the microsecond; zero when `date` is not in the future.
    package static func delay(until date: Date, now: Date) -> Duration {
        let interval = date.timeIntervalSince(now)
        guard interval.isFinite, interval > 0 else { return .zero }
        return .microseconds(Int64((min(interval, 1e12) * 1e6).rounded()))
    }

    /// Parses a `retry-after-ms` value: non-negative decimal milliseconds.
    package static func parseMilliseconds(_ value: String) -> Duration? {
        decimalDuration(value, unit: .millisecond)
    }

    /// `x-should-retry`: `true` or `false` (case-insensitive); `nil` when absent or anything else.
    package static func shouldRetry(in headers: HTTPHeaderFields) -> Bool? {
        switch headers["x-should-retry"]?.trimmingASCIIWhitespace().lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// Parses an HTTP-date in any of the three forms of RFC 9110: IMF-fixdate
    /// (`Wed, 21 Oct 2026 07:28:00 GMT`), RFC 850 (`Wednesday, 21-Oct-26 07:28:00 GMT`) and asctime
    /// (`Wed Oct 21 07:28:00 2026`).
    package static func parseHTTPDate(_ value: String) -> Date? {
        HTTPDateParser.parse(value).map { Date(timeIntervalSince1970: $0) }
    }

    /// Parses an RFC 3339 timestamp (`2025-08-21T12:40:59Z`, fractional seconds and offsets allowed),
    /// the format of Anthropic's `anthropic-ratelimit-*-reset` headers.
    package static func parseRFC3339(_ value: String) -> Date? {
        let bytes = value.utf8.span
        return RFC3339Parser.parse(bytes.extracting(HeaderValueBytes.trimmedRange(bytes)))
    }

    /// Parses a Go `time.Duration` string, the format of OpenAI's `x-ratelimit-reset-*` headers:
    /// `1s`, `6m0s`, `20ms`, `1h2m3.5s`, `17.687s`; units `h`, `m`, `s`, `ms`, `us`, `µs`, `ns`.
    package static func parseGoDuration(_ value: String) -> Duration? {
        let bytes = value.utf8.span
        return goDuration(bytes.extracting(HeaderValueBytes.trimmedRange(bytes)))
    }

    /// ``parseGoDuration(_:)`` over trimmed bytes.
    static func goDuration(_ bytes: Span<UInt8>) -> Duration? {
        guard !bytes.isEmpty else { return nil }
        if bytes.count == 1, bytes[0] == UInt8(ascii: "0") { return .zero }
        func isNumberByte(_ byte: UInt8) -> Bool { byte == UInt8(ascii: ".") || HeaderValueBytes.isDigit(byte) }
        var index = 0
        var total: Int128 = 0
        while index < bytes.count {
            let numberStart = index
            while index < bytes.count, isNumberByte(bytes[index]) { index += 1 }
            let unitStart = index
            while index < bytes.count, !isNumberByte(bytes[index]) { index += 1 }
            guard let unit = DurationUnit(goName: bytes.extracting(unitStart..<index)),
                let amount = decimalNanoseconds(bytes.extracting(numberStart..<unitStart), unit: unit)
            else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(amount)
            guard !overflow else { return nil }
            total = sum
        }
        return duration(nanoseconds: total)
    }

    /// Parses a protobuf `Duration` in its JSON form (decimal seconds and `s`: `26s`, `0.5s`, `1.250s`),
    /// the format of Gemini's `RetryInfo.retryDelay`.
    package static func parseProtobufDuration(_ value: String) -> Duration? {
        let all = value.utf8.span
        let bytes = all.extracting(HeaderValueBytes.trimmedRange(all))
        guard bytes.count > 1, bytes[bytes.count - 1] == UInt8(ascii: "s") else { return nil }
        return decimalNanoseconds(bytes.extracting(0..<(bytes.count - 1)), unit: .second).map(duration(nanoseconds:))
    }

    /// A non-negative decimal number of `unit`s (`17.687` seconds) between ASCII whitespace; `nil` for
    /// anything but digits with at most one `.`.
    static func decimalDuration(_ text: String, unit: DurationUnit) -> Duration? {
        let bytes = text.utf8.span
        return decimalNanoseconds(bytes.extracting(HeaderValueBytes.trimmedRange(bytes)), unit: unit)
            .map(duration(nanoseconds:))
    }

    /// The nanoseconds in a non-negative decimal number of `unit`s, exact to the nanosecond (fraction
    /// digits beyond the ninth are dropped; at most 15 whole digits).
    static func decimalNanoseconds(_ bytes: Span<UInt8>, unit: DurationUnit) -> Int128? {
        var whole: Int64 = 0
        var wholeDigits = 0
        var fraction: Int64 = 0
        var fractionScale: Int64 = 1
        var digits = 0
        var seenDot = false
        for index in bytes.indices {
            let byte = bytes[index]
            if HeaderValueBytes.isDigit(byte) {
                digits += 1
                let digit = Int64(byte &- UInt8(ascii: "0"))
                if seenDot {
                    guard fractionScale < 1_000_000_000 else { continue }
                    fraction = fraction * 10 + digit
                    fractionScale *= 10
                } else {
                    wholeDigits += 1
                    guard wholeDigits <= 15 else { return nil }
                    whole = whole * 10 + digit
                }
            } else if byte == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        let unitNanoseconds = Int128(unit.rawValue)
        return Int128(whole) * unitNanoseconds + Int128(fraction) * unitNanoseconds / Int128(fractionScale)
    }

    /// `nanoseconds` (not negative) as a `Duration`; beyond `Int64.max` seconds, which only a hostile header
    /// reaches, that many seconds.
    static func duration(nanoseconds: Int128) -> Duration {
        if let nanoseconds = Int64(exactly: nanoseconds) {
            return Duration(
                secondsComponent: nanoseconds / 1_000_000_000,
                attosecondsComponent: nanoseconds % 1_000_000_000 * 1_000_000_000)
        }
        guard let seconds = Int64(exactly: nanoseconds / 1_000_000_000) else {
            return Duration(secondsComponent: .max, attosecondsComponent: 0)
        }
        return Duration(
            secondsComponent: seconds, attosecondsComponent: Int64(nanoseconds % 1_000_000_000) * 1_000_000_000)
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

/// A unit of the decimal durations in headers, as a number of nanoseconds.
enum DurationUnit: Int64 {
    case nanosecond = 1
    case microsecond = 1_000
    case millisecond = 1_000_000
    case second = 1_000_000_000
    case minute = 60_000_000_000
    case hour = 3_600_000_000_000

    /// The unit of a Go duration suffix: `h`, `m`, `s`, `ms`, `us`, `µs` (micro sign or Greek mu), `ns`.
    init?(goName name: Span<UInt8>) {
        let last = name.isEmpty ? 0 : name[name.count - 1]
        switch (name.count, last) {
        case (1, UInt8(ascii: "h")): self = .hour
        case (1, UInt8(ascii: "m")): self = .minute
        case (1, UInt8(ascii: "s")): self = .second
        case (2, UInt8(ascii: "s")):
            switch name[0] {
            case UInt8(ascii: "m"): self = .millisecond
            case UInt8(ascii: "u"): self = .microsecond
            case UInt8(ascii: "n"): self = .nanosecond
            default: return nil
            }
        case (3, UInt8(ascii: "s")):
            // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU.
            let micro = (name[0] == 0xC2 && name[1] == 0xB5) || (name[0] == 0xCE && name[1] == 0xBC)
            guard micro else { return nil }
            self = .microsecond
        default:
            return nil
        }
    }
}

import BulwarkCore
import Foundation

/// Parses RFC 3339 timestamps (`2025-08-21T12:40:59Z`, `2026-11-24T18:52:01.500+01:00`), the format of
/// Anthropic's `anthropic-ratelimit-*-reset` headers, from bytes: these arrive on every Anthropic
/// response, and a `DateFormatter` per value would cost more than the rest of the response's handling.
enum RFC3339Parser {
    /// The instant `bytes` names: `YYYY-MM-DD`, `T` (or `t` or a space), `HH:MM:SS`, an optional
    /// fraction, and `Z` (or `z`) or `±HH:MM`. Fields out of range (month 13, 31 April, hour 24) give `nil`.
    static func parse(_ bytes: Span<UInt8>) -> Date? {
        typealias Bytes = HeaderValueBytes
        guard bytes.count >= 20,
            let year = Bytes.digits(bytes, at: 0, count: 4), bytes[4] == UInt8(ascii: "-"),
            let month = Bytes.digits(bytes, at: 5, count: 2), bytes[7] == UInt8(ascii: "-"),
            let day = Bytes.digits(bytes, at: 8, count: 2),
            isDateTimeSeparator(bytes[10]),
            let hour = Bytes.digits(bytes, at: 11, count: 2), bytes[13] == UInt8(ascii: ":"),
            let minute = Bytes.digits(bytes, at: 14, count: 2), bytes[16] == UInt8(ascii: ":"),
            let second = Bytes.digits(bytes, at: 17, count: 2),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        // A real date is one the calendar gives back unchanged (no month 13, no 31 April, no 29 February 2025).
        let days = CivilCalendar.days(year: Int64(year), month: Int64(month), day: Int64(day))
        guard CivilCalendar.date(fromDays: days) == (Int64(year), Int64(month), Int64(day)) else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, Bytes.isDigit(bytes[index]) {
                fraction += Double(bytes[index] &- UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let hours = Bytes.digits(bytes, at: index + 1, count: 2), index + 3 < bytes.count,
                bytes[index + 3] == UInt8(ascii: ":"), let minutes = Bytes.digits(bytes, at: index + 4, count: 2),
                hours < 24, minutes < 60
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let seconds = Int(days) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func isDateTimeSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "T") || byte == UInt8(ascii: "t") || byte == UInt8(ascii: " ")
    }
}

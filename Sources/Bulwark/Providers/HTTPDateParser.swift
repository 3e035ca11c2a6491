import BulwarkCore

/// The three HTTP-date forms of RFC 9110 (section 5.6.7), parsed byte by byte into Unix seconds:
/// IMF-fixdate `Wed, 21 Oct 2026 07:28:00 GMT`, RFC 850 `Wednesday, 21-Oct-26 07:28:00 GMT` and asctime
/// `Wed Oct 21 07:28:00 2026`. Replaces Foundation's `DateFormatter`, which allocates on every call and,
/// on Linux, leaks on some malformed inputs (found by the `retry-after` fuzz target).
enum HTTPDateParser {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let shortDays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let longDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Unix seconds of `text`, or `nil` when it is not an HTTP-date.
    static func parse(_ text: String) -> Double? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.lowercased() }
        switch tokens.count {
        case 6:  // IMF-fixdate
            guard tokens[0].hasSuffix(","), shortDays.contains(String(tokens[0].dropLast())), isGMT(tokens[5]),
                let day = number(tokens[1], digits: 1...2), let month = months.firstIndex(of: tokens[2]),
                let year = number(tokens[3], digits: 4...4)
            else { return nil }
            return seconds(year: year, month: month + 1, day: day, time: tokens[4])
        case 4:  // RFC 850
            let date = tokens[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard tokens[0].hasSuffix(","), longDays.contains(String(tokens[0].dropLast())), isGMT(tokens[3]),
                date.count == 3, let day = number(date[0], digits: 1...2), let month = months.firstIndex(of: date[1]),
                let shortYear = number(date[2], digits: 2...2)
            else { return nil }
            return seconds(year: shortYear < 70 ? 2000 + shortYear : 1900 + shortYear, month: month + 1, day: day, time: tokens[2])
        case 5:  // asctime
            guard shortDays.contains(tokens[0]), let month = months.firstIndex(of: tokens[1]),
                let day = number(tokens[2], digits: 1...2), let year = number(tokens[4], digits: 4...4)
            else { return nil }
            return seconds(year: year, month: month + 1, day: day, time: tokens[3])
        default:
            return nil
        }
    }

    private static func isGMT(_ token: String) -> Bool { token == "gmt" || token == "utc" }

    private static func number(_ token: String, digits: ClosedRange<Int>) -> Int64? {
        guard digits.contains(token.utf8.count) else { return nil }
        var value: Int64 = 0
        for byte in token.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func seconds(year: Int64, month: Int, day: Int64, time: String) -> Double? {
        let parts = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let hour = number(parts[0], digits: 2...2), let minute = number(parts[1], digits: 2...2),
            let second = number(parts[2], digits: 2...2), hour < 24, minute < 60, second <= 60, day >= 1
        else { return nil }
        let days = CivilCalendar.days(year: year, month: Int64(month), day: day)
        // A day past the month's end (31 Feb) comes back as another date: refuse it.
        let check = CivilCalendar.date(fromDays: days)
        guard check.year == year, check.month == Int64(month), check.day == day else { return nil }
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + min(second, 59))
    }
}

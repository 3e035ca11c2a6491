import BulwarkCore
import BulwarkPrometheus
import Foundation

/// Spells numbers, durations and times exactly as Prometheus (Go) does, so the in-process evaluator's
/// output reads like Prometheus' own.
public enum PrometheusFormat {
    /// `strconv.FormatFloat(value, 'e', -1, 64)`: the shortest exponent form, as in the `value` of
    /// `/api/v1/alerts` (`0.15` → `1.5e-01`, `2` → `2e+00`, `+Inf`, `NaN`).
    public static func exponent(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0e+00" }
        let (digits, exponent) = shortestDigits(abs(value))
        var text = sign + String(digits.first!)
        if digits.count > 1 { text += "." + digits.dropFirst() }
        let magnitude = abs(exponent)
        text += (exponent < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
        return text
    }

    /// The shortest round-trip decimal digits of a positive finite value and the exponent of the first digit.
    static func shortestDigits(_ value: Double) -> (digits: Substring, exponent: Int) {
        let description = value.description
        var mantissa = Substring(description)
        var exponent = 0
        if let marker = description.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = description[..<marker]
            exponent = Int(description[description.index(after: marker)...]) ?? 0
        }
        let integerPart: Substring
        let fraction: Substring
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        } else {
            integerPart = mantissa
            fraction = ""
        }
        var digits = Substring(String(integerPart) + String(fraction))
        exponent += integerPart.count - 1
        while digits.first == "0" {
            digits = digits.dropFirst()
            exponent -= 1
        }
        while digits.last == "0" { digits = digits.dropLast() }
        return (digits.isEmpty ? "0" : digits, exponent)
    }

    /// A number as a PromQL literal: integers without a fraction, others in their shortest form.
    public static func literal(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }

    /// Seconds as a Prometheus duration (`300` → `5m`, `86400` → `24h`, `90` → `1m30s`, `0.5` → `500ms`).
    public static func duration(_ seconds: Double) -> String {
        var milliseconds = Int64((seconds * 1000).rounded())
        if milliseconds <= 0 { return "0s" }
        var text = ""
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000), ("ms", 1)] where milliseconds >= size {
            text += "\(milliseconds / size)\(unit)"
            milliseconds %= size
        }
        return text
    }

    /// A Unix time as RFC 3339 in UTC with milliseconds, trailing zeros trimmed as Go's `RFC3339Nano`
    /// does (`2026-11-24T19:14:34.123Z`, `2026-11-24T19:14:34Z`).
    public static func rfc3339(_ unixSeconds: Double) -> String {
        let totalMilliseconds = Int64((unixSeconds * 1000).rounded(.down))
        var days = totalMilliseconds / 86_400_000
        var millisecondOfDay = totalMilliseconds % 86_400_000
        if millisecondOfDay < 0 {
            millisecondOfDay += 86_400_000
            days -= 1
        }
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        let second = millisecondOfDay / 1000
        let millisecond = millisecondOfDay % 1000
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(second / 3600, 2) + ":" + pad(second / 60 % 60, 2) + ":" + pad(second % 60, 2)
        if millisecond != 0 {
            var fraction = pad(millisecond, 3)
            while fraction.last == "0" { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // MARK: - Prometheus template functions

    /// Go's `fmt.Sprintf("%.4g", value)`.
    static func goG4(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return String(format: "%.4g", value)
    }

    /// Prometheus' `humanize`: SI prefixes with four significant digits (`1234` → `1.234k`, `0.05` → `50m`).
    public static func humanize(_ value: Double) -> String {
        if value == 0 || !value.isFinite { return goG4(value) }
        var value = value
        var prefix = ""
        if abs(value) >= 1 {
            for candidate in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(value) < 1000 { break }
                prefix = candidate
                value /= 1000
            }
        } else {
            for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
                if abs(value) >= 1 { break }
                prefix = candidate
                value *= 1000
            }
        }
        return goG4(value) + prefix
    }

    /// Prometheus' `humanizePercentage` (`0.0523` → `5.23%`).
    public static func humanizePercentage(_ value: Double) -> String {
        goG4(value * 100) + "%"
    }

    /// Prometheus' `humanizeDuration` (`12.5` → `12.5s`, `300` → `5m 0s`, `0.25` → `250ms`).
    public static func humanizeDuration(_ value: Double) -> String {
        if !value.isFinite { return goG4(value) }
        if value == 0 { return goG4(value) + "s" }
        if abs(value) >= 1 {
            let sign = value < 0 ? "-" : ""
            let magnitude = abs(value)
            let whole = Int64(magnitude)
            let seconds = whole % 60
            let minutes = whole / 60 % 60
            let hours = whole / 3600 % 24
            let days = whole / 86_400
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + goG4(magnitude) + "s"
        }
        var value = value
        var prefix = ""
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(value) >= 1 { break }
            prefix = candidate
            value *= 1000
        }
        return goG4(value) + prefix + "s"
    }

    /// Go's default (`%v`) spelling of a float: shortest digits, exponent below 1e-4 and from 1e21.
    static func goDefault(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        let (digits, exponent) = shortestDigits(abs(value))
        let sign = value < 0 ? "-" : ""
        if exponent < -4 || exponent >= 21 { return exponentForm(sign, digits, exponent) }
        if exponent < 0 { return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits }
        if digits.count <= exponent + 1 { return sign + digits + String(repeating: "0", count: exponent + 1 - digits.count) }
        let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
        return sign + digits[..<split] + "." + digits[split...]
    }

    private static func exponentForm(_ sign: String, _ digits: Substring, _ exponent: Int) -> String {
        var text = sign + String(digits.first!)
        if digits.count > 1 { text += "." + digits.dropFirst() }
        return text + (exponent < 0 ? "e-" : "e+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
    }
}

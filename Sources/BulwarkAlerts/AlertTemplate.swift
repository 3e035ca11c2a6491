import BulwarkCore
import BulwarkPrometheus
import Foundation

/// Renders the subset of Prometheus' annotation templates (Go `text/template`) that the alert rules use,
/// so `GET /alerts` shows the same text Prometheus shows for the same value.
///
/// Supported actions: `{{ $labels.NAME }}`, `{{ $value }}`, and `$value` piped through `humanize`,
/// `humanizePercentage`, `humanizeDuration` or `printf "FORMAT"` (one `%f`, `%g`, `%e`, `%s` or `%v`
/// verb with an optional precision). Anything else is left verbatim, and
/// ``unsupportedActions(in:)`` names it so a test can keep the catalog inside the subset.
public enum AlertTemplate {
    private enum Value {
        case number(Double)
        case text(String)
    }

    /// The template with every action replaced by its value.
    public static func render(_ template: String, labels: [String: String], value: Double) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let action = rest[open.upperBound..<close.lowerBound]
            output += evaluate(action, labels: labels, value: value) ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    /// The actions of `template` that ``render(_:labels:value:)`` cannot evaluate.
    public static func unsupportedActions(in template: String) -> [String] {
        var unsupported: [String] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                unsupported.append(String(rest[open.lowerBound...]))
                break
            }
            let action = rest[open.upperBound..<close.lowerBound]
            if evaluate(action, labels: [:], value: 1) == nil { unsupported.append("{{\(action)}}") }
            rest = rest[close.upperBound...]
        }
        return unsupported
    }

    private static func evaluate(_ action: Substring, labels: [String: String], value: Double) -> String? {
        let commands = splitPipeline(action)
        guard let first = commands.first else { return nil }
        var current: Value
        if first == "$value" {
            current = .number(value)
        } else if first.hasPrefix("$labels.") {
            current = .text(labels[String(first.dropFirst("$labels.".count))] ?? "")
        } else {
            return nil
        }
        for command in commands.dropFirst() {
            guard let next = apply(command, to: current) else { return nil }
            current = next
        }
        switch current {
        case .number(let number): return PrometheusFormat.goDefault(number)
        case .text(let text): return text
        }
    }

    private static func splitPipeline(_ action: Substring) -> [String] {
        var commands: [String] = []
        var current = ""
        var quoted = false
        for character in action {
            if character == "\"" { quoted.toggle() }
            if character == "|", !quoted {
                commands.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        commands.append(current.trimmingCharacters(in: .whitespaces))
        return commands.filter { !$0.isEmpty }
    }

    private static func apply(_ command: String, to input: Value) -> Value? {
        switch command {
        case "humanize", "humanizePercentage", "humanizeDuration":
            guard case .number(let number) = input else { return nil }
            switch command {
            case "humanize": return .text(PrometheusFormat.humanize(number))
            case "humanizePercentage": return .text(PrometheusFormat.humanizePercentage(number))
            default: return .text(PrometheusFormat.humanizeDuration(number))
            }
        default:
            guard command.hasPrefix("printf "),
                let format = unquote(command.dropFirst("printf ".count).trimmingCharacters(in: .whitespaces))
            else { return nil }
            return printf(format, input).map(Value.text)
        }
    }

    private static func unquote(_ text: String) -> String? {
        guard text.count >= 2, text.first == "\"", text.last == "\"" else { return nil }
        let inner = text.dropFirst().dropLast()
        return inner.contains("\\") || inner.contains("\"") ? nil : String(inner)
    }

    /// Go's `printf` with one verb, applied to the piped value.
    private static func printf(_ format: String, _ argument: Value) -> String? {
        var output = ""
        var used = false
        var index = format.startIndex
        while index < format.endIndex {
            let character = format[index]
            index = format.index(after: index)
            guard character == "%" else {
                output.append(character)
                continue
            }
            guard index < format.endIndex else { return nil }
            if format[index] == "%" {
                output.append("%")
                index = format.index(after: index)
                continue
            }
            var precision: Int?
            if format[index] == "." {
                index = format.index(after: index)
                var digits = ""
                while index < format.endIndex, let digit = format[index].wholeNumberValue {
                    digits += String(digit)
                    index = format.index(after: index)
                }
                precision = Int(digits) ?? 0
            }
            guard index < format.endIndex, !used else { return nil }
            let verb = format[index]
            index = format.index(after: index)
            used = true
            switch (verb, argument) {
            case ("f", .number(let number)), ("g", .number(let number)), ("e", .number(let number)):
                if !number.isFinite {
                    output += number.isNaN ? "NaN" : (number > 0 ? "+Inf" : "-Inf")
                } else {
                    let spec = "%" + (precision.map { ".\($0)" } ?? "") + String(verb)
                    if verb == "g", precision == nil {
                        output += PrometheusFormat.goDefault(number)
                    } else {
                        output += String(format: spec, number)
                    }
                }
            case ("v", .number(let number)): output += PrometheusFormat.goDefault(number)
            case ("s", .text(let text)), ("v", .text(let text)): output += text
            default: return nil
            }
        }
        return used ? output : nil
    }
}

import BulwarkCore
/// Encodes label sets once, when a series is created, so rendering only copies bytes.
public enum LabelEncoding {
    /// `name="value",name2="value2"` with values escaped for both exposition formats
    /// (`\` → `\\`, `"` → `\"`, newline → `\n`).
    public static func encode(_ labels: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(labels.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        for (index, label) in labels.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: label.name.utf8)
            out.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "\"")])
            appendEscapedValue(label.value, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        return out
    }

    /// Appends a label value with `\`, `"` and newline escaped.
    public static func appendEscapedValue(_ value: String, to out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            default: out.append(byte)
            }
        }
    }

    /// Whether `name` is a valid Prometheus label name.
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
    }
}

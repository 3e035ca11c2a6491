import BulwarkCore
/// Appends exposition lines to a byte buffer, spelling numbers and escaping text as each format requires.
public struct ExpositionWriter: Sendable {
    /// The format being written.
    public let format: ExpositionFormat
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates a writer with room for `capacity` bytes.
    public init(format: ExpositionFormat, capacity: Int = 16_384) {
        self.format = format
        self.bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes the `# HELP`, `# TYPE` and (OpenMetrics) `# UNIT` lines of a family.
    public mutating func header(_ family: MetricDescriptor) {
        let name = family.exposedName(for: format)
        append("# HELP ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        appendEscaped(family.help, quotes: format == .openMetrics)
        bytes.append(0x0A)
        append("# TYPE ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        append(family.type.rawValue)
        bytes.append(0x0A)
        if format == .openMetrics, let unit = family.unit {
            append("# UNIT ")
            append(name)
            bytes.append(UInt8(ascii: " "))
            append(unit)
            bytes.append(0x0A)
        }
    }

    /// Writes one sample line: `name{labels} value`.
    ///
    /// `labels` is a pre-encoded label list without braces (see ``LabelEncoding``); `extraLabel`
    /// is appended after it (used for histogram `le`).
    public mutating func sample(
        name: String, suffix: StaticString = "", labels: [UInt8], extraLabel: [UInt8] = [], value: Double
    ) {
        append(name)
        appendStatic(suffix)
        if !labels.isEmpty || !extraLabel.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels)
            if !labels.isEmpty && !extraLabel.isEmpty { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: extraLabel)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        appendNumber(value)
        bytes.append(0x0A)
    }

    /// Writes an unsigned integer sample, avoiding floating-point formatting.
    public mutating func sample(
        name: String, suffix: StaticString = "", labels: [UInt8], extraLabel: [UInt8] = [], count: UInt64
    ) {
        append(name)
        appendStatic(suffix)
        if !labels.isEmpty || !extraLabel.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels)
            if !labels.isEmpty && !extraLabel.isEmpty { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: extraLabel)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        appendInteger(count)
        bytes.append(0x0A)
    }

    /// Ends the exposition (`# EOF` for OpenMetrics; nothing for the text format).
    public mutating func finish() {
        if format == .openMetrics { append("# EOF\n") }
    }

    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func appendStatic(_ string: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    /// HELP text escaping: `\` and newline always; `"` too in OpenMetrics.
    mutating func appendEscaped(_ text: String, quotes: Bool) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where quotes: bytes.append(contentsOf: [0x5C, 0x22])
            default: bytes.append(byte)
            }
        }
    }

    mutating func appendInteger(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while remaining > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// Numbers as Prometheus and OpenMetrics spell them: `+Inf`, `-Inf`, `NaN`, integers without a
    /// fraction, other values in the shortest form that reads back exactly.
    mutating func appendNumber(_ value: Double) {
        if value.isNaN {
            append("NaN")
        } else if value.isInfinite {
            append(value > 0 ? "+Inf" : "-Inf")
        } else if value >= 0, value < 1e15, value == value.rounded(.towardZero) {
            appendInteger(UInt64(value))
        } else if value < 0, value > -1e15, value == value.rounded(.towardZero) {
            bytes.append(UInt8(ascii: "-"))
            appendInteger(UInt64(-value))
        } else {
            append(value.description)
        }
    }
}

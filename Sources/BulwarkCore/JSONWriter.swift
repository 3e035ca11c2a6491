/// Appends JSON tokens to a byte buffer; the encoder behind log lines and `/v1/events` round trips.
package enum JSONWriter {
    @inline(__always)
    static func key(_ name: StaticString, first: Bool = false, _ out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    @inline(__always)
    static func integer(_ value: Int, _ out: inout [UInt8]) {
        if value >= 0 && value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            out.append(contentsOf: String(value).utf8)
        }
    }

    /// Writes the shortest text that reads back as the same `Double`; non-finite values become 0.
    @inline(__always)
    static func number(_ value: Double, _ out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(UInt8(ascii: "0"))
            return
        }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            integer(Int(value), &out)
        } else {
            out.append(contentsOf: value.description.utf8)
        }
    }

    static func optionalNumber(_ value: Double?, _ out: inout [UInt8]) {
        if let value { number(value, &out) } else { appendNull(&out) }
    }

    @inline(__always)
    static func bool(_ value: Bool, _ out: inout [UInt8]) {
        if value {
            out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
    }

    static func appendNull(_ out: inout [UInt8]) {
        out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    static func optionalString(_ value: String?, _ out: inout [UInt8]) {
        if let value { string(value, &out) } else { appendNull(&out) }
    }

    package static func string(_ value: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var clean = 0
            for (index, byte) in bytes.enumerated() {
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[clean..<index]))
                appendEscape(byte, &out)
                clean = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[clean...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendEscape(_ byte: UInt8, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}

/// JSON text helpers for code outside this module that writes small JSON documents by hand.
package enum JSONText {
    /// `text` as a JSON string literal, quoted and escaped.
    package static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        JSONWriter.string(text, &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

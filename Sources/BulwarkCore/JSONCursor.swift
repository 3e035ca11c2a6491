/// Writes JSON tokens through a raw pointer into memory the caller has sized with a bound on the
/// output (see ``APICallMetric/appendJSON(to:)``): no capacity checks, no reference counting per token.
///
/// Produces exactly the bytes of ``JSONWriter``: the same escaping, and numbers spelled as
/// ``JSONWriter/number(_:_:)`` spells them (integral values as integers, others as `description`).
struct JSONCursor {
    private(set) var pointer: UnsafeMutablePointer<UInt8>

    /// The most bytes ``number(_:)`` or ``integer(_:)`` writes.
    static let maxNumberBytes = 32

    init(_ pointer: UnsafeMutablePointer<UInt8>) {
        self.pointer = pointer
    }

    @inline(__always)
    mutating func byte(_ byte: UInt8) {
        pointer.initialize(to: byte)
        pointer += 1
    }

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        pointer.initialize(from: text.utf8Start, count: count)
        pointer += count
    }

    @inline(__always)
    mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    mutating func integer(_ value: Int) {
        if value >= 0 && value < 10 {
            byte(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        if value < 0 { byte(UInt8(ascii: "-")) }
        digits(value.magnitude)
    }

    /// The decimal digits of `value`, written backwards into a scratch buffer and copied.
    private mutating func digits(_ value: UInt) {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var end = buffer.count
            var rest = value
            repeat {
                end &-= 1
                buffer[end] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            let count = buffer.count &- end
            pointer.initialize(from: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + end, count: count)
            pointer += count
        }
    }

    /// As ``JSONWriter/number(_:_:)``: non-finite values as `0`, integral values below 10¹⁵ as
    /// integers, others as the shortest text that reads back as the same `Double`.
    mutating func number(_ value: Double) {
        guard value.isFinite else {
            byte(UInt8(ascii: "0"))
            return
        }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            integer(Int(value))
        } else if !shortDecimal(value) {
            var text = value.description
            text.withUTF8 { bytes in
                pointer.initialize(from: bytes.baseAddress!, count: bytes.count)
                pointer += bytes.count
            }
        }
    }

    /// Writes `value` (not integral) in `description`'s spelling when it has at most 15 significant
    /// digits and 0.0001 ≤ |value| < 10¹⁵, without formatting a `String`; returns false otherwise.
    ///
    /// The first `k` for which `round(value · 10ᵏ) / 10ᵏ` reads back as `value` gives the shortest
    /// round-trip digits; below 10¹⁵ both operands are exact, so the division is the correctly
    /// rounded parse of the decimal text, and with at most 15 digits only one decimal of that length
    /// lies within half an ulp of `value`, so it is also the closest one, which `description` picks.
    private mutating func shortDecimal(_ value: Double) -> Bool {
        let magnitude = abs(value)
        guard magnitude >= 0.0001, magnitude < 1e15 else { return false }
        var power = 1.0
        for exponent in 1...17 {
            power *= 10
            let scaled = (magnitude * power).rounded()
            guard scaled < 1e15 else { return false }
            guard scaled / power == magnitude else { continue }
            let units = UInt(scaled)
            let divisor = UInt(power)
            if value < 0 { byte(UInt8(ascii: "-")) }
            digits(units / divisor)
            byte(UInt8(ascii: "."))
            let fraction = units % divisor
            var leadingZeros = exponent &- Self.decimalDigitCount(fraction)
            while leadingZeros > 0 {
                byte(UInt8(ascii: "0"))
                leadingZeros &-= 1
            }
            digits(fraction)
            return true
        }
        return false
    }

    private static func decimalDigitCount(_ value: UInt) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count &+= 1
        }
        return count
    }

    mutating func optionalNumber(_ value: Double?) {
        if let value { number(value) } else { raw("null") }
    }

    /// `value` quoted, escaped as ``JSONWriter/string(_:_:)`` escapes it.
    mutating func string(_ value: String) {
        byte(UInt8(ascii: "\""))
        stringContent(value)
        byte(UInt8(ascii: "\""))
    }

    mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    /// `value` escaped, without quotes.
    mutating func stringContent(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var clean = 0
            for index in 0..<bytes.count {
                let byte = base[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                pointer.initialize(from: base + clean, count: index &- clean)
                pointer += index &- clean
                escape(byte)
                clean = index &+ 1
            }
            pointer.initialize(from: base + clean, count: bytes.count &- clean)
            pointer += bytes.count &- clean
        }
    }

    private mutating func escape(_ value: UInt8) {
        byte(UInt8(ascii: "\\"))
        switch value {
        case 0x22: byte(0x22)
        case 0x5C: byte(0x5C)
        case 0x0A: byte(UInt8(ascii: "n"))
        case 0x0D: byte(UInt8(ascii: "r"))
        case 0x09: byte(UInt8(ascii: "t"))
        default:
            raw("u00")
            byte(Self.hexDigit(value >> 4))
            byte(Self.hexDigit(value & 0x0F))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
    }

    /// The most bytes ``string(_:)`` writes for `value`: every byte escaped as `\u00XX`, and quotes.
    @inline(__always)
    static func stringBound(_ value: String) -> Int { value.utf8.count &* 6 &+ 2 }

    @inline(__always)
    static func stringBound(_ value: String?) -> Int { value.map(stringBound) ?? 4 }
}

/// Reading header values as UTF-8 bytes: whitespace trimming and numbers, without building strings.
///
/// Every response's rate-limit headers pass through here, so nothing allocates.
enum HeaderValueBytes {
    /// Space, tab, CR or LF.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// The range of `bytes` without leading and trailing ASCII whitespace.
    static func trimmedRange(_ bytes: Span<UInt8>) -> Range<Int> {
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[unchecked: start]) { start += 1 }
        while end > start, isSpace(bytes[unchecked: end - 1]) { end -= 1 }
        return start..<end
    }

    /// The value of `count` decimal digits at `offset`, or `nil` if any is not a digit or they run past the end.
    static func digits(_ bytes: Span<UInt8>, at offset: Int, count: Int) -> Int? {
        guard offset >= 0, count > 0, offset + count <= bytes.count else { return nil }
        var value = 0
        for index in offset..<(offset + count) {
            let digit = bytes[unchecked: index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int(digit)
        }
        return value
    }

    /// A non-negative integer of at most 18 digits and nothing else; `nil` otherwise.
    static func nonNegativeInteger(_ bytes: Span<UInt8>) -> Int? {
        guard bytes.count <= 18 else { return nil }
        return digits(bytes, at: 0, count: bytes.count)
    }
}

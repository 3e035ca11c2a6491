/// Request IDs: random version-4 UUIDs as lowercase text (`3f2b…-4…-a…`).
///
/// Drawn from `SystemRandomNumberGenerator` (the `getrandom` system call) rather than Foundation's
/// `UUID()`, which on Linux opens a file per call and cost more than the rest of the request's bookkeeping.
enum RequestID {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A new random ID.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = (generator.next() as UInt64) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return format(high: high, low: low)
    }

    /// The canonical 8-4-4-4-12 text of the 128-bit value `high` (first 8 bytes) and `low`.
    static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            for byteIndex in 0..<16 {
                if byteIndex == 4 || byteIndex == 6 || byteIndex == 8 || byteIndex == 10 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = byteIndex < 8 ? high : low
                let byte = UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(byteIndex % 8)))
                buffer[position] = hexDigits[Int(byte >> 4)]
                buffer[position + 1] = hexDigits[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }
}

import Synchronization

/// Request IDs: random-looking version-4 UUIDs as lowercase text (`3f2b…-4…-a…`).
///
/// Each ID mixes a counter with a per-process random key (drawn once from the system generator) through
/// SplitMix64's finalizer, a bijection, so IDs of one process differ in their 122 variable bits as surely
/// as random UUIDs do, without a system call per request: Foundation's `UUID()` opens a file per call on
/// Linux, and even `getrandom` showed in the client's per-call profile.
enum RequestID {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let keys: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()
    private static let counter = Atomic<UInt64>(0)

    /// A new ID.
    static func make() -> String {
        let sequence = counter.add(1, ordering: .relaxed).newValue
        let high = mix(sequence &+ keys.0) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = mix(sequence ^ keys.1) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return format(high: high, low: low)
    }

    /// SplitMix64's output function: a bijection of `UInt64` that spreads every input bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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

import BulwarkCore
/// Appends exposition lines to a byte buffer, spelling numbers and escaping text as each format requires.
///
/// The buffer is raw memory reserved a line at a time (``reserve(_:)``), so a line costs a few
/// `memcpy`s and integer formatting, with no per-append bounds or capacity checks. Built with a
/// `consumer`, the writer streams: every time about `chunkSize` bytes are written it hands them over
/// and reuses the same memory, so a render never holds the whole exposition.
public struct ExpositionWriter: ~Copyable {
    /// The format being written.
    public let format: ExpositionFormat
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private let chunkSize: Int
    private let consumer: ((UnsafeRawBufferPointer) -> Void)?

    /// Creates a writer that collects every byte, with room for `capacity` bytes to start with.
    public init(format: ExpositionFormat, capacity: Int = 16_384) {
        self.format = format
        self.capacity = max(capacity, 256)
        base = .allocate(capacity: self.capacity)
        chunkSize = .max
        consumer = nil
    }

    /// Creates a streaming writer that hands `consumer` chunks of about `chunkSize` bytes (the last one
    /// shorter) and keeps no more than one chunk and one line in memory.
    public init(format: ExpositionFormat, chunkSize: Int, consumer: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.format = format
        self.chunkSize = max(chunkSize, 256)
        capacity = self.chunkSize + 4_096
        base = .allocate(capacity: capacity)
        self.consumer = consumer
    }

    deinit { base.deallocate() }

    /// The bytes written so far (for a streaming writer, those not yet handed over).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Makes room for at least `length` more bytes: hands a full chunk to the consumer, or grows.
    @inline(__always)
    mutating func reserve(_ length: Int) {
        if count + length > capacity || count >= chunkSize { makeRoom(length) }
    }

    private mutating func makeRoom(_ length: Int) {
        if let consumer, count >= chunkSize || count + length > capacity {
            consumer(UnsafeRawBufferPointer(start: base, count: count))
            count = 0
            if length <= capacity { return }
        }
        guard count + length > capacity else { return }
        let grown = max(capacity * 2, count + length)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    /// Hands the remaining bytes to the consumer (streaming writers).
    mutating func flush() {
        guard let consumer, count > 0 else { return }
        consumer(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    // MARK: Unchecked appends: callers reserve the room first.

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }
        (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count &+= bytes.count
    }

    @inline(__always)
    mutating func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { put($0) }
    }

    @inline(__always)
    mutating func put(_ string: StaticString) {
        put(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    /// "00" to "99": two digits per division when formatting integers.
    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Writes digits of `value` (at most 20 bytes): backwards into a stack buffer, two digits per
    /// division, then one copy.
    @inline(__always)
    mutating func putInteger(_ value: UInt64) {
        if value < 10 {
            put(UInt8(truncatingIfNeeded: value) &+ 0x30)
            return
        }
        let pairs = Self.digitPairs.utf8Start
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let written = withUnsafeMutableBytes(of: &scratch) { buffer -> Int in
            let end = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + 24
            var cursor = end
            var remaining = value
            while remaining >= 100 {
                let pair = Int(truncatingIfNeeded: remaining % 100) &* 2
                remaining /= 100
                cursor -= 2
                cursor[0] = pairs[pair]
                cursor[1] = pairs[pair &+ 1]
            }
            if remaining >= 10 {
                let pair = Int(truncatingIfNeeded: remaining) &* 2
                cursor -= 2
                cursor[0] = pairs[pair]
                cursor[1] = pairs[pair &+ 1]
            } else {
                cursor -= 1
                cursor[0] = UInt8(truncatingIfNeeded: remaining) &+ 0x30
            }
            let length = end - cursor
            (base + count).update(from: cursor, count: length)
            return length
        }
        count &+= written
    }

    /// Writes a number as the formats spell it (at most 32 bytes): `+Inf`, `-Inf`, `NaN`, integers
    /// without a fraction, other values in the shortest form that reads back exactly.
    @inline(__always)
    mutating func putNumber(_ value: Double) {
        if value >= 0, value < 1e15, value == value.rounded(.towardZero) {
            putInteger(UInt64(value))
        } else {
            putUnusualNumber(value)
        }
    }

    private mutating func putUnusualNumber(_ value: Double) {
        if value.isNaN {
            put("NaN")
        } else if value.isInfinite {
            put(value > 0 ? "+Inf" : "-Inf")
        } else if value < 0, value > -1e15, value == value.rounded(.towardZero) {
            put(UInt8(ascii: "-"))
            putInteger(UInt64(-value))
        } else {
            var text = value.description
            text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
        }
    }

    // MARK: Checked appends.

    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            reserve(utf8.count)
            put(UnsafeRawBufferPointer(utf8))
        }
    }

    /// Writes the `# HELP`, `# TYPE` and (OpenMetrics) `# UNIT` lines of a family.
    public mutating func header(_ family: MetricDescriptor) {
        let name = family.exposedName(for: format)
        append("# HELP ")
        append(name)
        append(" ")
        appendEscaped(family.help, quotes: format == .openMetrics)
        append("\n# TYPE ")
        append(name)
        append(" ")
        append(family.type.rawValue)
        append("\n")
        if format == .openMetrics, let unit = family.unit {
            append("# UNIT ")
            append(name)
            append(" ")
            append(unit)
            append("\n")
        }
    }

    /// Writes one sample line: `name{labels} value`.
    ///
    /// `labels` is a pre-encoded label list without braces (see ``LabelEncoding``); `extraLabel`
    /// is appended after it (used for histogram `le`).
    public mutating func sample(
        name: String, suffix: StaticString = "", labels: [UInt8], extraLabel: [UInt8] = [], value: Double
    ) {
        samplePrefix(name: name, suffix: suffix, labels: labels, extraLabel: extraLabel)
        putNumber(value)
        put(0x0A)
    }

    /// Writes an unsigned integer sample, avoiding floating-point formatting.
    public mutating func sample(
        name: String, suffix: StaticString = "", labels: [UInt8], extraLabel: [UInt8] = [], count: UInt64
    ) {
        samplePrefix(name: name, suffix: suffix, labels: labels, extraLabel: extraLabel)
        putInteger(count)
        put(0x0A)
    }

    /// `name{labels} ` with room reserved for the value and the newline.
    private mutating func samplePrefix(name: String, suffix: StaticString, labels: [UInt8], extraLabel: [UInt8]) {
        append(name)
        reserve(suffix.utf8CodeUnitCount + labels.count + extraLabel.count + 40)
        put(suffix)
        if !labels.isEmpty || !extraLabel.isEmpty {
            put(UInt8(ascii: "{"))
            put(labels)
            if !labels.isEmpty && !extraLabel.isEmpty { put(UInt8(ascii: ",")) }
            put(extraLabel)
            put(UInt8(ascii: "}"))
        }
        put(UInt8(ascii: " "))
    }

    /// Ends the exposition (`# EOF` for OpenMetrics; nothing for the text format) and hands a
    /// streaming writer's last bytes over.
    public mutating func finish() {
        if format == .openMetrics { append("# EOF\n") }
        flush()
    }

    /// HELP text escaping: `\` and newline always; `"` too in OpenMetrics.
    mutating func appendEscaped(_ text: String, quotes: Bool) {
        reserve(text.utf8.count * 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): put(0x5C); put(0x5C)
            case 0x0A: put(0x5C); put(UInt8(ascii: "n"))
            case UInt8(ascii: "\"") where quotes: put(0x5C); put(0x22)
            default: put(byte)
            }
        }
    }

    /// Writes a number as the formats spell it (checked).
    mutating func appendNumber(_ value: Double) {
        reserve(40)
        putNumber(value)
    }
}

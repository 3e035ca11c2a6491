import BulwarkCore
/// Splits a stream of byte pieces into newline-terminated lines in bounded memory.
///
/// Lines inside one piece are handed out without copying; a line spanning pieces is assembled in a
/// buffer. A line longer than `maxLineBytes` is discarded (counted in ``overlongLines``) rather
/// than buffered, so a corrupt file without newlines cannot exhaust memory.
struct LineSplitter {
    let maxLineBytes: Int
    private var carry: [UInt8] = []
    private var discarding = false
    /// Lines dropped for exceeding `maxLineBytes`.
    private(set) var overlongLines = 0

    init(maxLineBytes: Int = 1 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Hands every line completed by `piece` (without its newline) to `line`.
    mutating func feed(
        _ piece: UnsafeBufferPointer<UInt8>, _ line: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        var start = 0
        while let newline = piece[start...].firstIndex(of: 0x0A) {
            let part = UnsafeBufferPointer(rebasing: piece[start..<newline])
            start = newline + 1
            if discarding {
                discarding = false
                overlongLines += 1
            } else if carry.count + part.count > maxLineBytes {
                carry.removeAll(keepingCapacity: false)
                overlongLines += 1
            } else if carry.isEmpty {
                try line(part)
            } else {
                carry.append(contentsOf: part)
                try carry.withUnsafeBufferPointer { try line($0) }
                carry.removeAll(keepingCapacity: true)
            }
        }
        guard start < piece.count, !discarding else { return }
        if carry.count + piece.count - start > maxLineBytes {
            carry.removeAll(keepingCapacity: false)
            discarding = true
        } else {
            carry.append(contentsOf: piece[start...])
        }
    }

    /// Ends the stream; returns whether an unterminated (torn) last line was left over.
    mutating func finish() -> Bool {
        defer {
            carry.removeAll(keepingCapacity: false)
            discarding = false
        }
        return !carry.isEmpty || discarding
    }
}

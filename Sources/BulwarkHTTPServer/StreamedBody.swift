/// The bytes a stream producer has written and the content reader has not yet handed to libmicrohttpd.
struct StreamBuffer {
    /// A writer that gets this far ahead of the client waits until the backlog halves.
    static let highWaterMark = 256 * 1024

    private var bytes: [UInt8] = []
    private var readIndex = 0
    var isFinished = false
    var isAborted = false
    /// The producer waiting for the backlog to shrink.
    var waiter: CheckedContinuation<Void, Never>?

    var pendingCount: Int { bytes.count - readIndex }

    var isAboveHighWaterMark: Bool { pendingCount > Self.highWaterMark }

    mutating func append(_ newBytes: [UInt8]) {
        bytes.append(contentsOf: newBytes)
    }

    /// Copies up to `buffer.count` pending bytes into `buffer`; returns how many.
    mutating func drain(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(pendingCount, buffer.count)
        guard count > 0, let destination = buffer.baseAddress else { return 0 }
        bytes.withUnsafeBytes { source in
            destination.copyMemory(from: source.baseAddress! + readIndex, byteCount: count)
        }
        readIndex += count
        if readIndex == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 64 * 1024, readIndex * 2 >= bytes.count {
            bytes.removeFirst(readIndex)
            readIndex = 0
        }
        return count
    }

    /// The waiting producer, once the backlog has fallen to half the high-water mark.
    mutating func takeWaiterIfDrained() -> CheckedContinuation<Void, Never>? {
        guard waiter != nil, pendingCount <= Self.highWaterMark / 2 else { return nil }
        defer { waiter = nil }
        return waiter
    }

    mutating func discard() {
        bytes = []
        readIndex = 0
    }
}

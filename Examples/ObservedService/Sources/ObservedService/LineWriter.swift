import Foundation

/// Writes lines to a file descriptor from a thread of its own, so that logging never blocks a caller (nor the
/// cooperative thread pool) on I/O. The queue is bounded: a line that finds it full is dropped and counted.
final class LineWriter: @unchecked Sendable {
    // @unchecked: every stored var is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [String] = []
    private var dropped: UInt64 = 0
    private let capacity: Int
    private let descriptor: Int32

    /// Starts the writer thread for `descriptor` (stderr by default).
    init(descriptor: Int32 = 2, capacity: Int = 4_096) {
        self.descriptor = descriptor
        self.capacity = capacity
        let thread = Thread { [self] in run() }
        thread.name = "log-writer"
        thread.start()
    }

    /// Queues one line (without its newline); drops it when `capacity` lines are waiting.
    func enqueue(_ line: String) {
        condition.lock()
        defer { condition.unlock() }
        guard pending.count < capacity else {
            dropped &+= 1
            return
        }
        pending.append(line)
        condition.signal()
    }

    /// Lines dropped because the queue was full.
    var droppedCount: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let lines = pending
            pending.removeAll(keepingCapacity: true)
            condition.unlock()
            var bytes: [UInt8] = []
            for line in lines {
                bytes.append(contentsOf: line.utf8)
                bytes.append(UInt8(ascii: "\n"))
            }
            write(bytes)
        }
    }

    private func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }
}

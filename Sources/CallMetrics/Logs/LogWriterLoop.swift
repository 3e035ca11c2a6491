import Dispatch

/// The writer thread's loop: takes batches from the queue and appends them to the active segment.
///
/// A batch is taken when at least 64 KiB (or half the queue) is waiting, when a flush or close is
/// asked for, and every `flushInterval` in any case, so a line reaches the kernel at most
/// `flushInterval` after it was recorded. Between batches the thread sleeps on a semaphore.
///
/// `@unchecked Sendable`: created on the sink's thread and then used by the writer thread alone.
final class LogWriterLoop: @unchecked Sendable {
    private let queue: LogEventQueue
    private let segment: SegmentWriter
    private let flushInterval: Double
    /// Batch buffers bigger than this are released after use instead of being kept for the next one.
    private static let retainedBufferCapacity = 8 << 20

    init(queue: LogEventQueue, segment: SegmentWriter, flushInterval: Double) {
        self.queue = queue
        self.segment = segment
        self.flushInterval = flushInterval
    }

    func run() {
        var buffer: [UInt8] = []
        var nextTimedFlush = Self.monotonicSeconds() + flushInterval
        while true {
            let now = Self.monotonicSeconds()
            let timed = now >= nextTimedFlush
            if timed { nextTimedFlush = now + flushInterval }
            if let batch = queue.take(into: &buffer, force: timed) {
                if batch.events > 0 { segment.append(buffer, events: batch.events) }
                if buffer.capacity > Self.retainedBufferCapacity {
                    buffer = []
                } else {
                    buffer.removeAll(keepingCapacity: true)
                }
                if timed { segment.reopenIfReplaced() }
                segment.sealIfAged()
                queue.complete(through: batch.endSequence)
                if batch.isLast { break }
                continue
            }
            segment.sealIfAged()
            var sleep = nextTimedFlush - now
            if let sealDue = segment.secondsUntilSealDue() { sleep = min(sleep, sealDue) }
            queue.waitForWork(seconds: sleep)
        }
        segment.closeActive(sync: true)
    }

    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

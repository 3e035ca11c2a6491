import BulwarkCore
import Dispatch

/// The writer thread's loop: takes batches of events from the queue, encodes them as JSON lines and
/// appends them to the active segment.
///
/// A batch is taken when enough events are waiting, when a flush or close is asked for, and every
/// `flushInterval` in any case, so a line reaches the kernel at most `flushInterval` after it was
/// recorded. Between batches the thread sleeps on a semaphore.
///
/// `@unchecked Sendable`: created on the sink's thread and then used by the writer thread alone.
final class LogWriterLoop: @unchecked Sendable {
    private let queue: LogEventQueue
    private let segment: SegmentWriter
    private let flushInterval: Double
    /// Lines are encoded and written in pieces of about this size.
    private static let writeSize = 256 << 10
    /// Batch arrays with room for more events than this are released after use, not kept.
    private static let retainedBatchCapacity = 16_384

    init(queue: LogEventQueue, segment: SegmentWriter, flushInterval: Double) {
        self.queue = queue
        self.segment = segment
        self.flushInterval = flushInterval
    }

    func run() {
        var batchEvents: [APICallMetric] = []
        var lines: [UInt8] = []
        lines.reserveCapacity(Self.writeSize + (16 << 10))
        var nextTimedFlush = Self.monotonicSeconds() + flushInterval
        while true {
            let now = Self.monotonicSeconds()
            let timed = now >= nextTimedFlush
            if timed { nextTimedFlush = now + flushInterval }
            if let batch = queue.take(into: &batchEvents, force: timed) {
                if timed { segment.reopenIfReplaced() }
                write(batchEvents, through: &lines)
                if batchEvents.capacity > Self.retainedBatchCapacity {
                    batchEvents = []
                } else {
                    batchEvents.removeAll(keepingCapacity: true)
                }
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

    private func write(_ events: [APICallMetric], through lines: inout [UInt8]) {
        var count = 0
        for event in events {
            event.appendJSON(to: &lines)
            lines.append(0x0A)
            count += 1
            if lines.count >= Self.writeSize {
                segment.append(lines, events: count)
                lines.removeAll(keepingCapacity: true)
                count = 0
            }
        }
        if count > 0 {
            segment.append(lines, events: count)
            lines.removeAll(keepingCapacity: true)
        }
    }

    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

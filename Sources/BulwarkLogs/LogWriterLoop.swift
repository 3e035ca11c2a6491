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

    init(queue: LogEventQueue, segment: SegmentWriter, flushInterval: Double) {
        self.queue = queue
        self.segment = segment
        self.flushInterval = flushInterval
    }

    func run() {
        var batch = EventChunks.Batch()
        var lines: [UInt8] = []
        lines.reserveCapacity(Self.writeSize + (16 << 10))
        var nextTimedFlush = Self.monotonicSeconds() + flushInterval
        while true {
            let now = Self.monotonicSeconds()
            let timed = now >= nextTimedFlush
            if timed { nextTimedFlush = now + flushInterval }
            if let taken = queue.take(into: &batch, force: timed) {
                if timed { segment.reopenIfReplaced() }
                write(batch, through: &lines)
                queue.recycle(&batch)
                segment.sealIfAged()
                queue.complete(through: taken.endSequence)
                if taken.isLast { break }
                continue
            }
            segment.sealIfAged()
            var sleep = nextTimedFlush - now
            if let sealDue = segment.secondsUntilSealDue() { sleep = min(sleep, sealDue) }
            queue.waitForWork(seconds: sleep)
        }
        segment.closeActive(sync: true)
    }

    private func write(_ batch: EventChunks.Batch, through lines: inout [UInt8]) {
        var count = 0
        for chunk in batch.chunks.indices {
            for event in batch.events(inChunk: chunk) {
                event.appendJSON(to: &lines)
                lines.append(0x0A)
                count += 1
                if lines.count >= Self.writeSize {
                    segment.append(lines, events: count)
                    lines.removeAll(keepingCapacity: true)
                    count = 0
                }
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

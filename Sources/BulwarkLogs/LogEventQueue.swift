import BulwarkCore
import Dispatch
import Synchronization

/// The bounded queue between recording threads and the writer thread, with the sink's counters.
///
/// Events are copied into fixed chunks of slots (``EventChunks``) under one short lock: no array
/// grows or is copied, and in the steady state no memory is allocated, since the writer hands the
/// chunks it has encoded back for reuse. Encoding to JSON happens on the writer thread, which takes
/// every queued chunk at once. Recording never waits for the writer: it signals the writer only
/// when a batch is worth writing before the next timed flush.
final class LogEventQueue: Sendable {
    struct Batch {
        /// Every event accepted up to this sequence number is in this batch or an earlier one.
        var endSequence: UInt64
        var isLast: Bool
    }

    private struct State: ~Copyable {
        var chunks: EventChunks
        var accepted: UInt64 = 0
        var completed: UInt64 = 0
        var writerWaiting = false
        var flushRequested = false
        var closing = false
        var flushWaiters: [(sequence: UInt64, semaphore: DispatchSemaphore)] = []
    }

    /// The writer is woken before its timed flush once this many events (about 200 KiB of lines)
    /// are queued, or half the queue when that is less.
    static let wakeEvents = 512

    let capacity: Int
    private let wakeEvents: Int
    private let state: Mutex<State>
    private let writerWakeup = DispatchSemaphore(value: 0)

    let eventsWritten = Atomic<Int>(0)
    let eventsDropped = Atomic<Int>(0)
    let bytesWritten = Atomic<Int>(0)
    private let lastErrorStorage = Mutex<LogError?>(nil)

    init(capacity: Int) {
        self.capacity = capacity
        let wakeEvents = max(1, min(capacity / 2, Self.wakeEvents))
        self.wakeEvents = wakeEvents
        state = Mutex(State(chunks: EventChunks(capacity: capacity, spareEvents: 4 * wakeEvents)))
    }

    deinit {
        state.withLock { $0.chunks.release() }
    }

    // MARK: Recording side

    /// Queues one event; counts it as dropped when the queue is full or closed.
    func enqueue(_ event: APICallMetric) {
        let outcome: Int = state.withLock { state in
            guard !state.closing, state.chunks.append(event) else { return 0 }
            state.accepted &+= 1
            guard state.writerWaiting, state.chunks.count >= wakeEvents else { return 1 }
            state.writerWaiting = false
            return 2
        }
        if outcome == 0 {
            eventsDropped.add(1, ordering: .relaxed)
        } else if outcome == 2 {
            writerWakeup.signal()
        }
    }

    /// Blocks until every event accepted before the call has been handed to the kernel (or dropped
    /// by a failed write).
    func flush() {
        let (waiter, wake): (DispatchSemaphore?, Bool) = state.withLock { state in
            guard state.completed < state.accepted else { return (nil, false) }
            let semaphore = DispatchSemaphore(value: 0)
            state.flushWaiters.append((state.accepted, semaphore))
            state.flushRequested = true
            let wake = state.writerWaiting
            state.writerWaiting = false
            return (semaphore, wake)
        }
        if wake { writerWakeup.signal() }
        waiter?.wait()
    }

    /// Stops accepting events and asks the writer to write what is queued and stop.
    /// Returns false when closing had already begun.
    func beginClosing() -> Bool {
        let (first, wake): (Bool, Bool) = state.withLock { state in
            guard !state.closing else { return (false, false) }
            state.closing = true
            let wake = state.writerWaiting
            state.writerWaiting = false
            return (true, wake)
        }
        if wake { writerWakeup.signal() }
        return first
    }

    var isClosing: Bool { state.withLock { $0.closing } }

    // MARK: Writer side

    /// Moves the queued chunks into `batch` (which must be empty) when they are due: when `force`,
    /// when a flush or close was asked for, or when enough is queued. Returns nil (and marks the
    /// writer as waiting) when nothing is due. Give the chunks back with ``recycle(_:)``.
    func take(into batch: inout EventChunks.Batch, force: Bool) -> Batch? {
        state.withLock { state in
            let due = force || state.closing || state.flushRequested || state.chunks.count >= wakeEvents
            guard due else {
                state.writerWaiting = true
                return nil
            }
            state.chunks.take(into: &batch)
            let taken = Batch(endSequence: state.accepted, isLast: state.closing)
            state.flushRequested = false
            state.writerWaiting = false
            return taken
        }
    }

    /// Destroys the events of `batch` (outside the lock) and keeps its chunks for reuse.
    func recycle(_ batch: inout EventChunks.Batch) {
        batch.destroyEvents()
        state.withLock { $0.chunks.recycle(&batch) }
    }

    /// Waits until signalled or until `seconds` have passed.
    func waitForWork(seconds: Double) {
        let nanoseconds = Int(min(max(seconds, 0.0005), 86_400) * 1e9)
        _ = writerWakeup.wait(timeout: .now() + .nanoseconds(nanoseconds))
    }

    /// Marks every event up to `sequence` as processed and releases the flushes waiting for them.
    func complete(through sequence: UInt64) {
        let released: [DispatchSemaphore] = state.withLock { state in
            state.completed = max(state.completed, sequence)
            guard !state.flushWaiters.isEmpty else { return [] }
            var released: [DispatchSemaphore] = []
            state.flushWaiters.removeAll { waiter in
                guard waiter.sequence <= sequence else { return false }
                released.append(waiter.semaphore)
                return true
            }
            return released
        }
        for semaphore in released { semaphore.signal() }
    }

    // MARK: Status

    var lastError: LogError? { lastErrorStorage.withLock { $0 } }

    func report(_ error: LogError) {
        lastErrorStorage.withLock { $0 = error }
    }
}

import Dispatch
import Synchronization

/// The bounded queue between recording threads and the writer thread, with the sink's counters.
///
/// Events are kept as encoded lines in one contiguous buffer; the writer swaps the whole buffer out
/// for an empty one, so neither side allocates per event. Recording never waits for the writer: it
/// takes the lock, appends, and signals the writer only when a batch is worth writing early.
final class LogEventQueue: Sendable {
    struct Batch {
        var events: Int
        /// Every event accepted up to this sequence number is in this batch or an earlier one.
        var endSequence: UInt64
        var isLast: Bool
    }

    private struct State: ~Copyable {
        var pending: [UInt8] = []
        var pendingEvents = 0
        var accepted: UInt64 = 0
        var completed: UInt64 = 0
        var writerWaiting = false
        var flushRequested = false
        var closing = false
        var flushWaiters: [(sequence: UInt64, semaphore: DispatchSemaphore)] = []
    }

    /// The writer is woken early once this many bytes are queued.
    static let wakeBytes = 64 << 10

    let capacity: Int
    private let wakeEvents: Int
    private let state = Mutex(State())
    private let writerWakeup = DispatchSemaphore(value: 0)

    let eventsWritten = Atomic<Int>(0)
    let eventsDropped = Atomic<Int>(0)
    let bytesWritten = Atomic<Int>(0)
    private let lastErrorStorage = Mutex<LogError?>(nil)

    init(capacity: Int) {
        self.capacity = capacity
        wakeEvents = max(1, capacity / 2)
    }

    // MARK: Recording side

    /// Queues one encoded line (with its newline); counts it as dropped when full or closed.
    func enqueue(_ line: [UInt8]) {
        let outcome: Int = state.withLock { state in
            guard !state.closing, state.pendingEvents < capacity else { return 0 }
            state.pending.append(contentsOf: line)
            state.pendingEvents += 1
            state.accepted &+= 1
            guard state.writerWaiting,
                state.pending.count >= Self.wakeBytes || state.pendingEvents >= wakeEvents
            else { return 1 }
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

    /// Swaps the queued lines into `buffer` (which must be empty) when they are due: when `force`,
    /// when a flush or close was asked for, or when enough is queued. Returns nil (and marks the
    /// writer as waiting) when nothing is due.
    func take(into buffer: inout [UInt8], force: Bool) -> Batch? {
        state.withLock { state in
            let due = force || state.closing || state.flushRequested
                || state.pending.count >= Self.wakeBytes || state.pendingEvents >= wakeEvents
            guard due else {
                state.writerWaiting = true
                return nil
            }
            swap(&state.pending, &buffer)
            let batch = Batch(events: state.pendingEvents, endSequence: state.accepted, isLast: state.closing)
            state.pendingEvents = 0
            state.flushRequested = false
            state.writerWaiting = false
            return batch
        }
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

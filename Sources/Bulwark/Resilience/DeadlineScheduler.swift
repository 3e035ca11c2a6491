import Foundation
import Synchronization

/// An action waiting for its time; ``cancel()`` stops it if it has not run yet.
public struct ScheduledTimer: Sendable {
    private let cancelAction: @Sendable () -> Void

    /// Creates a handle whose ``cancel()`` calls `cancel`.
    public init(cancel: @escaping @Sendable () -> Void) {
        self.cancelAction = cancel
    }

    /// Stops the action if it has not run yet; a no-op afterwards.
    public func cancel() { cancelAction() }
}

/// Runs actions at monotonic deadlines on one background thread.
///
/// The attempt timeouts of every request pass through here, so scheduling is a lock and a heap push, and
/// cancelling takes only the entry's own lock. The thread is woken only when a new deadline is earlier than the one it
/// sleeps towards (timeouts of equal length never are); cancelled entries stay in the heap and are dropped
/// when they reach its top, at the latest one second later, when the thread checks again.
final class DeadlineScheduler: @unchecked Sendable {
    /// The scheduler of ``SystemClock``.
    static let shared = DeadlineScheduler()

    /// One scheduled action; it runs at most once, and not after it was cancelled. Cancelling releases
    /// the action at once (and what it holds, such as a task and its result), though the entry waits in the
    /// heap until it reaches the top.
    private final class Pending: Sendable {
        private let action: Mutex<(@Sendable () -> Void)?>

        init(_ action: @escaping @Sendable () -> Void) {
            self.action = Mutex(action)
        }

        var isCancelled: Bool { action.withLock { $0 == nil } }

        func cancel() { action.withLock { $0 = nil } }

        func run() {
            action.withLock { action in
                defer { action = nil }
                return action
            }?()
        }
    }

    private struct Entry {
        let deadline: Double
        let id: UInt64
        let pending: Pending
    }

    // Everything below is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var heap = MinHeap<Entry> { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
    private var nextID: UInt64 = 0
    private var sleepingUntil = Double.infinity
    private var threadStarted = false

    /// Runs `action` on the scheduler's thread once ``SystemClock/now`` reaches `deadline`.
    func schedule(at deadline: Double, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let pending = Pending(action)
        condition.lock()
        nextID += 1
        heap.push(Entry(deadline: deadline, id: nextID, pending: pending))
        if !threadStarted {
            threadStarted = true
            let thread = Thread { [self] in run() }
            thread.name = "bulwark-deadlines"
            thread.start()
        } else if deadline < sleepingUntil {
            condition.signal()
        }
        condition.unlock()
        return ScheduledTimer { pending.cancel() }
    }

    /// Entries waiting in the heap, cancelled ones included (for tests).
    var pendingEntries: Int {
        condition.lock()
        defer { condition.unlock() }
        return heap.count
    }

    private func run() {
        let clock = SystemClock()
        condition.lock()
        while true {
            while let top = heap.top, top.pending.isCancelled { heap.pop() }
            guard let top = heap.top else {
                sleepingUntil = .infinity
                condition.wait()
                continue
            }
            let now = clock.now
            if top.deadline <= now {
                heap.pop()
                condition.unlock()
                top.pending.run()
                condition.lock()
                continue
            }
            sleepingUntil = top.deadline
            // NSCondition waits on the wall clock: waking at least every second keeps a clock step from
            // delaying a monotonic deadline, and drops cancelled entries.
            _ = condition.wait(until: Date(timeIntervalSinceNow: min(top.deadline - now, 1)))
        }
    }
}

/// A binary min-heap ordered by `less`.
struct MinHeap<Element> {
    private var storage: [Element] = []
    private let less: (Element, Element) -> Bool

    init(less: @escaping (Element, Element) -> Bool) {
        self.less = less
    }

    var count: Int { storage.count }
    var top: Element? { storage.first }

    mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(storage[child], storage[parent]) else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Element? {
        guard !storage.isEmpty else { return nil }
        storage.swapAt(0, storage.count - 1)
        let removed = storage.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < storage.count, less(storage[left], storage[smallest]) { smallest = left }
            if right < storage.count, less(storage[right], storage[smallest]) { smallest = right }
            if smallest == parent { break }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
        return removed
    }
}

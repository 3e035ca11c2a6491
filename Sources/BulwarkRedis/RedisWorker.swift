import Foundation
import Synchronization

/// One connection and the thread that owns it. Callers enqueue operations into a bounded queue and get
/// an error at once when the connection is down or the queue is full; the thread runs each operation
/// under what is left of its deadline, and after a failure drops the connection and reconnects in the
/// background with exponential backoff.
final class RedisWorker: Sendable {
    typealias Operation = @Sendable (RedisConnection) throws(RedisError) -> RedisReply

    private struct Job {
        let operation: Operation
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<RedisReply, any Error>
    }

    private struct Queue {
        var jobs: [Job] = []
        var stopping = false
    }

    let url: RedisURL
    let timeoutMs: Int
    let queueLimit: Int
    /// Whether the worker's connection is up (read lock-free by callers and the pool).
    let isUp = Atomic<Bool>(false)
    /// Whether the connection has been up at least once. Until then an operation waits for the first
    /// connection (within its own timeout), so a replica's first requests do not bypass the shared state.
    let hasConnected = Atomic<Bool>(false)
    /// Operations shed because the queue was full.
    let shed = Atomic<UInt64>(0)
    private let queue = Mutex(Queue())
    private let condition = NSCondition()
    private let onStateChange: @Sendable (Bool) -> Void

    init(url: RedisURL, timeoutMs: Int, queueLimit: Int, onStateChange: @escaping @Sendable (Bool) -> Void) {
        self.url = url
        self.timeoutMs = timeoutMs
        self.queueLimit = queueLimit
        self.onStateChange = onStateChange
    }

    /// Starts the thread; it connects at once.
    func start(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Fails queued operations and ends the thread.
    func stop() {
        condition.lock()
        let jobs = queue.withLock { queue -> [Job] in
            queue.stopping = true
            defer { queue.jobs.removeAll() }
            return queue.jobs
        }
        condition.signal()
        condition.unlock()
        for job in jobs { job.continuation.resume(throwing: RedisError(.shutdown, "the Redis client was shut down")) }
    }

    /// Runs `operation` on this worker's connection within `timeoutMs`.
    func perform(_ operation: @escaping Operation) async throws -> RedisReply {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        return try await withCheckedThrowingContinuation { continuation in
            let refusal: RedisError? = {
                guard isUp.load(ordering: .acquiring) || !hasConnected.load(ordering: .acquiring) else {
                    return RedisError(.unavailable, "no connection to \(url.host):\(url.port) (reconnecting)")
                }
                condition.lock()
                defer { condition.unlock() }
                let accepted = queue.withLock { queue -> RedisError? in
                    if queue.stopping { return RedisError(.shutdown, "the Redis client was shut down") }
                    guard queue.jobs.count < queueLimit else { return RedisError(.overloaded, "request queue full") }
                    queue.jobs.append(Job(operation: operation, deadline: deadline, continuation: continuation))
                    return nil
                }
                if accepted == nil { condition.signal() }
                return accepted
            }()
            if let refusal {
                if refusal.kind == .overloaded { shed.add(1, ordering: .relaxed) }
                continuation.resume(throwing: refusal)
            }
        }
    }

    // MARK: - The thread

    private func run() {
        var connection: RedisConnection?
        var backoffMs = 25
        var nextAttempt = ContinuousClock.now
        while true {
            condition.lock()
            var jobs: [Job] = []
            var stopping = false
            while true {
                (jobs, stopping) = queue.withLock { queue in
                    defer { queue.jobs.removeAll(keepingCapacity: true) }
                    return (queue.jobs, queue.stopping)
                }
                if stopping || !jobs.isEmpty { break }
                if connection == nil {
                    if ContinuousClock.now >= nextAttempt { break }
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(nextAttempt - ContinuousClock.now)))
                } else {
                    condition.wait()
                }
            }
            condition.unlock()
            if stopping {
                for job in jobs { job.continuation.resume(throwing: RedisError(.shutdown, "the Redis client was shut down")) }
                setUp(false)
                return
            }
            if connection == nil, ContinuousClock.now >= nextAttempt {
                do {
                    connection = try RedisConnection(url: url, timeoutMs: max(timeoutMs, 200))
                    try connection?.setTimeout(milliseconds: timeoutMs)
                    backoffMs = 25
                    setUp(true)
                } catch {
                    connection = nil
                    nextAttempt = ContinuousClock.now + .milliseconds(backoffMs)
                    backoffMs = min(backoffMs * 2, 2_000)
                }
            }
            for job in jobs {
                guard let current = connection else {
                    job.continuation.resume(throwing: RedisError(.unavailable, "no connection to \(url.host):\(url.port) (reconnecting)"))
                    continue
                }
                let left = job.deadline - ContinuousClock.now
                guard left > .zero else {
                    job.continuation.resume(throwing: RedisError(.timeout, "no answer within \(timeoutMs) ms (queued)"))
                    continue
                }
                do {
                    try current.setTimeout(milliseconds: Int((Self.seconds(left) * 1000).rounded(.up)))
                    let reply = try job.operation(current)
                    job.continuation.resume(returning: reply)
                } catch {
                    job.continuation.resume(throwing: error.kind == .timeout
                        ? RedisError(.timeout, "no answer within \(timeoutMs) ms") : error)
                    if error.kind != .reply {
                        // The connection's state is unknown (a late reply would answer the next command).
                        connection = nil
                        setUp(false)
                        nextAttempt = ContinuousClock.now + .milliseconds(backoffMs)
                        backoffMs = min(backoffMs * 2, 2_000)
                    }
                }
            }
        }
    }

    private func setUp(_ up: Bool) {
        if up { hasConnected.store(true, ordering: .releasing) }
        if isUp.exchange(up, ordering: .acquiringAndReleasing) != up { onStateChange(up) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}

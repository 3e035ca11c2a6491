import Synchronization

/// A small Redis client over hiredis: a fixed pool of connections, each owned by its own thread (blocking
/// I/O never runs on Swift's cooperative pool), behind an async API.
///
/// Every operation is bounded by ``timeoutMs``: the caller gets an answer or a ``RedisError`` within it,
/// and at once when no connection is up. A connection that fails or times out is dropped and
/// re-established in the background with exponential backoff (25 ms doubling to 2 s).
public final class RedisClient: Sendable {
    /// The server.
    public let url: RedisURL
    /// The bound on each operation, in milliseconds.
    public let timeoutMs: Int
    private let workers: [RedisWorker]
    private let next = Atomic<Int>(0)

    /// Connects `connections` connections in the background.
    ///
    /// - Parameters:
    ///   - queueLimit: operations waiting per connection before new ones are shed (counted in ``shedCount``).
    ///   - onAvailabilityChange: called (on a worker thread) when the pool goes from no connection up to
    ///     some, or back.
    public init(
        url: RedisURL, timeoutMs: Int = 20, connections: Int = 2, queueLimit: Int = 256,
        onAvailabilityChange: (@Sendable (Bool) -> Void)? = nil
    ) {
        self.url = url
        self.timeoutMs = max(1, timeoutMs)
        var workers: [RedisWorker] = []
        let counter = CounterBox()
        for _ in 0..<max(1, connections) {
            workers.append(RedisWorker(url: url, timeoutMs: max(1, timeoutMs), queueLimit: max(1, queueLimit)) { up in
                let now = counter.value.add(up ? 1 : -1, ordering: .acquiringAndReleasing).newValue
                if up, now == 1 { onAvailabilityChange?(true) }
                if !up, now == 0 { onAvailabilityChange?(false) }
            })
        }
        self.workers = workers
        for (index, worker) in workers.enumerated() { worker.start(name: "bulwark-redis-\(index)") }
    }

    /// Whether at least one connection is up now.
    public var isAvailable: Bool { workers.contains { $0.isUp.load(ordering: .acquiring) } }

    /// Operations shed because every queue was full.
    public var shedCount: UInt64 { workers.reduce(0) { $0 + $1.shed.load(ordering: .relaxed) } }

    /// Sends one command (`["SET", "key", "value"]`).
    public func command(_ arguments: [String]) async throws -> RedisReply {
        try await perform { connection throws(RedisError) in try connection.command(arguments) }
    }

    /// Runs `script` with `EVALSHA` (loading it on `NOSCRIPT`).
    public func run(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisReply {
        try await perform { connection throws(RedisError) in try script.run(on: connection, keys: keys, arguments: arguments) }
    }

    /// Stops the threads; queued operations fail with ``RedisError/Kind/shutdown``.
    public func shutdown() {
        for worker in workers { worker.stop() }
    }

    private func perform(_ operation: @escaping RedisWorker.Operation) async throws -> RedisReply {
        let start = next.add(1, ordering: .relaxed).oldValue
        for offset in 0..<workers.count {
            let worker = workers[((start &+ offset) & Int.max) % workers.count]
            if worker.isUp.load(ordering: .acquiring) { return try await worker.perform(operation) }
        }
        // Right after start: wait (within the timeout) for the first connection rather than fail.
        if let fresh = workers.first(where: { !$0.hasConnected.load(ordering: .acquiring) }) {
            return try await fresh.perform(operation)
        }
        throw RedisError(.unavailable, "no connection to \(url.host):\(url.port) (reconnecting)")
    }
}

/// The pool's count of connections up, shared with the workers' callbacks.
private final class CounterBox: Sendable {
    let value = Atomic<Int>(0)
}

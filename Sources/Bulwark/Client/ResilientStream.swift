import Synchronization

/// The updates of one streamed answer (``ResilientClient/stream(_:options:)``), with backpressure: at
/// most ``capacity`` updates wait for the consumer, and the producer (the attempt reading the provider's
/// stream) waits while they do, so a slow consumer slows the read instead of buffering the whole answer.
///
/// The request starts when iteration starts. A consumer that stops (breaks out of its loop, drops the
/// iterator, or whose task is cancelled) cancels the request at once: the attempt in flight ends
/// `cancelled` and its HTTP request is cancelled.
public struct ResilientStream: AsyncSequence, Sendable {
    public typealias Element = ResilientClient.StreamUpdate
    public typealias Failure = any Error

    /// Updates buffered for a slow consumer before the producer waits.
    public static let capacity = 16

    private let start: @Sendable (StreamChannel) async -> Void

    init(start: @escaping @Sendable (StreamChannel) async -> Void) {
        self.start = start
    }

    /// Starts the request and returns the iterator that reads its updates.
    public func makeAsyncIterator() -> Iterator {
        let channel = StreamChannel(capacity: Self.capacity)
        let start = self.start
        channel.adopt(Task { await start(channel) })
        return Iterator(owner: IteratorOwner(channel: channel))
    }

    /// Reads the updates in order; dropping it cancels the request.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let owner: IteratorOwner

        /// The next update, `nil` after the last; throws the ``ResilientClientError`` that ended the request.
        public mutating func next() async throws -> Element? {
            try await owner.channel.receive()
        }
    }
}

/// Cancels the request when the consumer drops its iterator.
private final class IteratorOwner: Sendable {
    let channel: StreamChannel

    init(channel: StreamChannel) {
        self.channel = channel
    }

    deinit {
        channel.close()
    }
}

/// A bounded single-producer, single-consumer hand-over of stream updates.
final class StreamChannel: Sendable {
    private struct State {
        var buffer: [ResilientClient.StreamUpdate] = []
        /// How the producer ended; `nil` while it runs.
        var end: Result<Void, any Error>?
        var isClosed = false
        var producer: Task<Void, Never>?
        var consumerWaiter: CheckedContinuation<ResilientClient.StreamUpdate?, any Error>?
        var producerWaiter: CheckedContinuation<Bool, Never>?
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    func adopt(_ task: Task<Void, Never>) {
        let cancelNow = state.withLock { state -> Bool in
            if state.isClosed { return true }
            state.producer = task
            return false
        }
        if cancelNow { task.cancel() }
    }

    /// Hands `update` to the consumer, waiting while ``capacity`` updates are unread; `false` once the
    /// consumer is gone.
    func send(_ update: ResilientClient.StreamUpdate) async -> Bool {
        enum Step { case delivered(CheckedContinuation<ResilientClient.StreamUpdate?, any Error>?), gone, full }
        let step = state.withLock { state -> Step in
            if state.isClosed { return .gone }
            if let waiter = state.consumerWaiter {
                state.consumerWaiter = nil
                return .delivered(waiter)
            }
            state.buffer.append(update)
            return state.buffer.count >= capacity ? .full : .delivered(nil)
        }
        switch step {
        case .gone:
            return false
        case .delivered(let waiter):
            waiter?.resume(returning: update)
            return true
        case .full:
            return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeWith = state.withLock { state -> Bool? in
                    if state.isClosed { return false }
                    if state.buffer.count < capacity { return true }
                    state.producerWaiter = continuation
                    return nil
                }
                if let resumeWith { continuation.resume(returning: resumeWith) }
            }
        }
    }

    /// The producer ended, normally or with `error`.
    func finish(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { state -> CheckedContinuation<ResilientClient.StreamUpdate?, any Error>? in
            guard state.end == nil else { return nil }
            if let waiter = state.consumerWaiter {
                // A waiting consumer has read everything: it gets the end now, later reads get `nil`.
                state.consumerWaiter = nil
                state.end = .success(())
                return waiter
            }
            state.end = error.map { .failure($0) } ?? .success(())
            return nil
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    /// The next update; `nil` at the end. Cancelling the consumer's task ends the stream and cancels
    /// the request.
    func receive() async throws -> ResilientClient.StreamUpdate? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ResilientClient.StreamUpdate?, any Error>) in
                enum Step { case value(ResilientClient.StreamUpdate, CheckedContinuation<Bool, Never>?), end(Result<Void, any Error>), wait }
                let step = state.withLock { state -> Step in
                    if !state.buffer.isEmpty {
                        let update = state.buffer.removeFirst()
                        defer { state.producerWaiter = nil }
                        return .value(update, state.producerWaiter)
                    }
                    if state.isClosed { return .end(.success(())) }
                    if let end = state.end {
                        state.end = .success(())
                        return .end(end)
                    }
                    state.consumerWaiter = continuation
                    return .wait
                }
                switch step {
                case .value(let update, let producer):
                    producer?.resume(returning: true)
                    continuation.resume(returning: update)
                case .end(.success):
                    continuation.resume(returning: nil)
                case .end(.failure(let error)):
                    continuation.resume(throwing: error)
                case .wait:
                    break
                }
            }
        } onCancel: {
            close()
        }
    }

    /// The consumer is gone: cancels the producer and releases both sides.
    func close() {
        let (producer, consumer, waiter) = state.withLock { state in
            state.isClosed = true
            state.buffer = []
            defer {
                state.producer = nil
                state.consumerWaiter = nil
                state.producerWaiter = nil
            }
            return (state.producer, state.consumerWaiter, state.producerWaiter)
        }
        producer?.cancel()
        waiter?.resume(returning: false)
        consumer?.resume(returning: nil)
    }
}

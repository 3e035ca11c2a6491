import BulwarkCore

/// The storage of ``LogEventQueue``: events in fixed-size chunks of slots, at most `capacity` of them.
///
/// Appending copies the event into the next free slot (a new chunk every ``chunkSize`` events, taken
/// from the spares the writer handed back, allocated only when there are none), so recording never
/// grows or copies an array. Guarded by the queue's lock; the events of a taken ``Batch`` belong to
/// the writer alone.
struct EventChunks: ~Copyable {
    typealias Chunk = UnsafeMutablePointer<APICallMetric>

    /// Chunks taken by the writer, oldest first; every chunk but the last is full.
    ///
    /// `@unchecked Sendable`: its chunks pass between the recording threads and the writer only
    /// under the queue's lock, and only one side uses a chunk at a time.
    struct Batch: @unchecked Sendable {
        fileprivate(set) var chunks: [Chunk] = []
        fileprivate(set) var lastCount = 0
        fileprivate(set) var chunkSize = 1

        init() {}

        var isEmpty: Bool { chunks.isEmpty }

        /// The events of chunk `index`.
        func events(inChunk index: Int) -> UnsafeBufferPointer<APICallMetric> {
            UnsafeBufferPointer(start: chunks[index], count: index == chunks.count - 1 ? lastCount : chunkSize)
        }

        /// Destroys every event; the chunks stay allocated until ``EventChunks/recycle(_:)``.
        func destroyEvents() {
            for index in chunks.indices {
                chunks[index].deinitialize(count: index == chunks.count - 1 ? lastCount : chunkSize)
            }
        }
    }

    /// Events per chunk.
    let chunkSize: Int
    private let capacity: Int
    private let maxSpares: Int
    /// Full chunks not taken yet, oldest first.
    private var full: [Chunk] = []
    /// The chunk being filled.
    private var tail: Chunk?
    private var tailCount = 0
    private var spares: [Chunk] = []
    /// Events held (not yet taken).
    private(set) var count = 0

    /// Storage for up to `capacity` events, keeping chunks for about `spareEvents` events for reuse.
    init(capacity: Int, spareEvents: Int) {
        self.capacity = capacity
        chunkSize = max(1, min(capacity, 256))
        maxSpares = max(2, spareEvents / chunkSize)
    }

    /// Copies `event` into the next slot; false when `capacity` events are held.
    @inline(__always)
    mutating func append(_ event: APICallMetric) -> Bool {
        guard count < capacity else { return false }
        if tail == nil || tailCount == chunkSize { startChunk() }
        (tail.unsafelyUnwrapped + tailCount).initialize(to: event)
        tailCount &+= 1
        count &+= 1
        return true
    }

    private mutating func startChunk() {
        if let tail { full.append(tail) }
        tail = spares.popLast() ?? Chunk.allocate(capacity: chunkSize)
        tailCount = 0
    }

    /// Moves every held event into `batch`, which must be empty.
    mutating func take(into batch: inout Batch) {
        precondition(batch.isEmpty, "the previous batch was not recycled")
        guard let tail else { return }
        swap(&batch.chunks, &full)
        batch.chunks.append(tail)
        batch.lastCount = tailCount
        batch.chunkSize = chunkSize
        self.tail = nil
        tailCount = 0
        count = 0
    }

    /// Takes back the chunks of `batch`, whose events were destroyed, and empties it.
    mutating func recycle(_ batch: inout Batch) {
        for chunk in batch.chunks {
            if spares.count < maxSpares { spares.append(chunk) } else { chunk.deallocate() }
        }
        batch.chunks.removeAll(keepingCapacity: true)
        batch.lastCount = 0
    }

    /// Destroys the held events and frees every chunk.
    mutating func release() {
        for chunk in full { chunk.deinitialize(count: chunkSize).deallocate() }
        tail?.deinitialize(count: tailCount).deallocate()
        for chunk in spares { chunk.deallocate() }
        full = []
        tail = nil
        tailCount = 0
        spares = []
        count = 0
    }
}

public import BulwarkCore
import Dispatch
import Foundation
import Synchronization

/// Writes every recorded event as one JSON line to `<directory>/api-calls.jsonl`, seals segments by
/// size or age into `api-calls-<UTC time>.jsonl.gz`, and deletes old ones.
///
/// ``record(_:)`` never waits for I/O: it appends the event to a bounded in-memory queue; when the
/// queue is full the event is dropped and counted in ``eventsDropped``. A background thread encodes
/// queued events and writes them at least every ``LogSinkConfiguration/flushInterval`` (so tailers
/// such as Promtail or Alloy see them within that time), and a second one compresses sealed
/// segments and applies retention.
///
/// After a crash, every line that had been flushed is in the files; a line torn by the crash is cut
/// off when the sink next opens the directory (and skipped by ``LogReader`` until then), and a seal
/// the crash interrupted is finished. Only one sink may write a directory at a time.
///
/// Call ``close()`` on shutdown (it writes everything queued); ``flush()`` when you need the lines
/// on disk now.
public final class JSONLinesLogSink: MetricsRecorder, Sendable {
    /// The configuration the sink was opened with.
    public let configuration: LogSinkConfiguration
    private let queue: LogEventQueue
    private let threadsFinished = DispatchGroup()
    /// The descriptor holding the directory lock; -1 once released by `close()`.
    private let lockDescriptor: Mutex<Int32>

    /// Opens (creating if needed) the log directory and starts the writer.
    ///
    /// - Throws: ``LogError`` naming the path: `invalidConfiguration`, `directoryUnavailable` when
    ///   the directory cannot be created, `directoryInUse` when another sink writes it, `io` when
    ///   the active segment cannot be opened.
    public init(configuration: LogSinkConfiguration) throws(LogError) {
        try configuration.validate()
        self.configuration = configuration
        let directory = configuration.directory
        do {
            try FileIO.makeDirectories(directory)
        } catch {
            throw LogError(
                code: .directoryUnavailable, path: error.path,
                message: "cannot create the log directory: \(error.message)")
        }
        let lock = try Self.lockDirectory(directory)
        lockDescriptor = Mutex(lock)
        let wallClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
        let queue = LogEventQueue(capacity: configuration.queueCapacity)
        let compressor = SegmentCompressor(configuration: configuration, queue: queue, wallClock: wallClock)
        let segment: SegmentWriter
        do {
            let listing = try LogDirectoryListing.scan(directory)
            segment = try SegmentWriter(
                configuration: configuration, newestKey: listing.newestKey, queue: queue, wallClock: wallClock,
                onSeal: compressor.requestPass)
        } catch let error as LogError {
            FileIO.close(lock)
            throw error
        } catch {
            FileIO.close(lock)
            let failure = error as? FileIOFailure
            throw LogError(code: .directoryUnavailable, path: directory, message: failure?.message ?? "\(error)")
        }
        self.queue = queue
        let writer = LogWriterLoop(queue: queue, segment: segment, flushInterval: configuration.flushInterval)
        compressor.requestPass()
        startThread(named: "bulwark-log-compressor") { compressor.run() }
        startThread(named: "bulwark-log-writer") {
            writer.run()
            compressor.stop()
        }
    }

    deinit {
        close()
    }

    /// Queues `metric` to be written as one JSON line; never blocks on I/O (one short lock and a
    /// copy; encoding happens on the writer thread). Dropped and counted when the queue is full or
    /// the sink is closed.
    public func record(_ metric: APICallMetric) {
        queue.enqueue(metric)
    }

    /// State events are not logged: the log holds attempts, one per line, and the registry holds state.
    public func record(_ event: ClientEvent) {}

    /// Blocks until every event recorded before the call has been written to the active segment
    /// (handed to the kernel, so readers and tailers see it). For shutdown paths and tests, not
    /// for the hot path.
    public func flush() {
        queue.flush()
    }

    /// Writes everything queued, stops the writer, waits for pending compressions and retention,
    /// and releases the directory for another sink. Idempotent; events recorded afterwards are
    /// dropped and counted.
    public func close() {
        _ = queue.beginClosing()
        threadsFinished.wait()
        lockDescriptor.withLock { descriptor in
            if descriptor >= 0 { FileIO.close(descriptor) }
            descriptor = -1
        }
    }

    /// Events written to the active segment (`llm_api_log_events_written_total`).
    public var eventsWritten: Int { queue.eventsWritten.load(ordering: .relaxed) }

    /// Events dropped: queue full, sink closed, or a failed write (`llm_api_log_events_dropped_total`).
    public var eventsDropped: Int { queue.eventsDropped.load(ordering: .relaxed) }

    /// Bytes written to active segments, before compression (`llm_api_log_bytes_written_total`).
    public var bytesWritten: Int { queue.bytesWritten.load(ordering: .relaxed) }

    /// The most recent I/O problem (a failed write, seal, compression or deletion), if any.
    public var lastError: LogError? { queue.lastError }

    private func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
        threadsFinished.enter()
        let group = threadsFinished
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.start()
    }

    /// Takes `<directory>/.api-calls.lock`, so that two sinks never interleave writes. The lock is
    /// advisory and dies with the process, so a crash never leaves the directory locked.
    private static func lockDirectory(_ directory: String) throws(LogError) -> Int32 {
        let path = LogSegmentNaming.path(directory, LogSegmentNaming.lockName)
        do {
            let fd = try FileIO.open(path, flags: FileIO.appendFlags)
            guard try FileIO.tryLock(fd, path: path) else {
                FileIO.close(fd)
                throw LogError(
                    code: .directoryInUse, path: directory,
                    message: "another log sink (in this or another process) is writing this directory")
            }
            try FileIO.truncate(fd, to: 0, path: path)
            _ = Array("\(FileIO.processID)\n".utf8).withUnsafeBytes { FileIO.writeAll(fd, $0) }
            return fd
        } catch let error as LogError {
            throw error
        } catch {
            throw LogError(error as! FileIOFailure, code: .directoryUnavailable)
        }
    }
}

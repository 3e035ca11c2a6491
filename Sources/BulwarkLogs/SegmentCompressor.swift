import BulwarkCore
import Dispatch
import Synchronization

/// Compresses sealed segments and applies retention, on a thread of its own.
///
/// Each pass scans the directory, so the same code finishes seals interrupted by a crash: a plain
/// sealed segment is (re)compressed to `.jsonl.gz.tmp`, synced, renamed to `.jsonl.gz`, and only
/// then deleted; a stray `.tmp` is deleted and redone. A failed compression leaves the plain
/// segment in place (readers read it) and is retried on the next pass.
final class SegmentCompressor: Sendable {
    private struct State {
        var passRequested = false
        var stopping = false
    }

    private let configuration: LogSinkConfiguration
    private let queue: LogEventQueue
    private let wallClock: @Sendable () -> Double
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    init(configuration: LogSinkConfiguration, queue: LogEventQueue, wallClock: @escaping @Sendable () -> Double) {
        self.configuration = configuration
        self.queue = queue
        self.wallClock = wallClock
    }

    /// Asks for a pass (after a seal, and once at start).
    func requestPass() {
        state.withLock { $0.passRequested = true }
        wakeup.signal()
    }

    /// Asks the thread to finish the work at hand, make a last pass, and return.
    func stop() {
        state.withLock {
            $0.passRequested = true
            $0.stopping = true
        }
        wakeup.signal()
    }

    /// The thread's body.
    func run() {
        while true {
            let (pass, stopping) = state.withLock { state in
                defer { state.passRequested = false }
                return (state.passRequested, state.stopping)
            }
            if pass { runPass() }
            if stopping { return }
            if !pass { wakeup.wait() }
        }
    }

    private func runPass() {
        let directory = configuration.directory
        let listing: LogDirectoryListing
        do {
            listing = try LogDirectoryListing.scan(directory)
        } catch {
            queue.report(LogError(error, code: .directoryUnavailable))
            return
        }
        for (key, files) in listing.sealed.sorted(by: { $0.key < $1.key }) {
            if files.partial {
                remove(LogSegmentNaming.path(directory, key.partialName))
            }
            if files.plain { compress(key) }
        }
        applyRetention()
    }

    private func compress(_ key: SegmentKey) {
        let directory = configuration.directory
        let plain = LogSegmentNaming.path(directory, key.plainName)
        let partial = LogSegmentNaming.path(directory, key.partialName)
        let compressed = LogSegmentNaming.path(directory, key.compressedName)
        do {
            try Gzip.compressFile(
                atPath: plain, toPath: partial, level: configuration.compressionLevel,
                synchronize: configuration.fsyncOnSeal)
            try FileIO.rename(partial, to: compressed)
            if configuration.fsyncOnSeal { try FileIO.syncDirectory(directory) }
            try FileIO.remove(plain)
        } catch let error as GzipError where error.path == plain && !FileIO.exists(plain) {
            remove(partial)  // Deleted meanwhile (by retention or by hand): nothing to do.
        } catch let error as GzipError {
            remove(partial)
            queue.report(
                LogError(code: .io, path: error.path ?? plain, message: "compressing failed: \(error.message)"))
        } catch let error as FileIOFailure {
            remove(partial)
            queue.report(LogError(error))
        } catch {
            remove(partial)
            queue.report(LogError(code: .io, path: plain, message: "compressing failed: \(error)"))
        }
    }

    /// Deletes the oldest sealed segments beyond `maxSealedSegments` and those sealed before
    /// `maxSealedAge` ago.
    private func applyRetention() {
        guard let listing = try? LogDirectoryListing.scan(configuration.directory) else { return }
        let keys = listing.sealedKeys
        let oldestAllowed = wallClock() - configuration.maxSealedAge
        let excess = max(0, keys.count - configuration.maxSealedSegments)
        for (index, key) in keys.enumerated() where index < excess || key.time < oldestAllowed {
            for name in [key.compressedName, key.plainName, key.partialName] {
                remove(LogSegmentNaming.path(configuration.directory, name))
            }
        }
    }

    private func remove(_ path: String) {
        do {
            try FileIO.remove(path)
        } catch {
            queue.report(LogError(error))
        }
    }
}

import BulwarkCore
/// The active segment: appends batches of lines to `api-calls.jsonl` and seals it by size or age.
///
/// Used only by the writer thread once created. Sealing renames the active file to its sealed name
/// and opens a fresh one; compression happens later, on the compressor thread.
final class SegmentWriter {
    private let configuration: LogSinkConfiguration
    private let activePath: String
    private let queue: LogEventQueue
    private let onSeal: () -> Void
    private let wallClock: @Sendable () -> Double

    private var descriptor: Int32 = -1
    private var identity: FileIdentity?
    /// Bytes in the active segment.
    private var size = 0
    /// Unix time of the active segment's first line; nil while it is empty.
    private var firstLineTime: Double?
    private var lastKey: SegmentKey?
    /// After a failed seal, the next attempt waits until this time.
    private var sealRetryTime = -Double.infinity
    private static let sealRetryDelay = 60.0

    /// Opens (or creates) the active segment, cutting a torn last line left by a crash.
    init(
        configuration: LogSinkConfiguration, newestKey: SegmentKey?, queue: LogEventQueue,
        wallClock: @escaping @Sendable () -> Double, onSeal: @escaping () -> Void
    ) throws(LogError) {
        self.configuration = configuration
        activePath = LogSegmentNaming.path(configuration.directory, LogSegmentNaming.activeName)
        self.queue = queue
        self.wallClock = wallClock
        self.onSeal = onSeal
        lastKey = newestKey
        do {
            try openActive(recovering: true)
        } catch {
            throw LogError(error)
        }
    }

    deinit {
        if descriptor >= 0 { FileIO.close(descriptor) }
    }

    // MARK: Appending

    /// Appends `batch` (`events` complete lines), sealing between lines whenever the segment is full.
    func append(_ batch: [UInt8], events: Int) {
        batch.withUnsafeBytes { all in
            var rest = all[...]
            var restEvents = events
            while !rest.isEmpty {
                if descriptor < 0 {
                    do throws(FileIOFailure) {
                        try openActive(recovering: false)
                    } catch {
                        queue.report(LogError(error))
                        queue.eventsDropped.add(restEvents, ordering: .relaxed)
                        return
                    }
                }
                let cut = prefixLength(of: rest)
                if cut == 0 {
                    seal()
                    continue
                }
                let chunk = UnsafeRawBufferPointer(rebasing: rest.prefix(cut))
                let chunkEvents = cut == rest.count ? restEvents : Self.countLines(chunk)
                guard write(chunk, events: chunkEvents) else {
                    queue.eventsDropped.add(restEvents - chunkEvents, ordering: .relaxed)
                    return
                }
                rest = rest.dropFirst(cut)
                restEvents -= chunkEvents
                if size >= configuration.maxSegmentBytes, canSeal { seal() }
            }
        }
    }

    /// How much of `rest` goes into the active segment: whole lines that fit, or 0 to seal first.
    private func prefixLength(of rest: Slice<UnsafeRawBufferPointer>) -> Int {
        let room = configuration.maxSegmentBytes - size
        guard rest.count > room, canSeal else { return rest.count }
        if room > 0, let newline = rest.prefix(room).lastIndex(of: 0x0A) {
            return newline - rest.startIndex + 1
        }
        if size > 0 { return 0 }
        // A single line longer than a whole segment gets a segment of its own.
        if let newline = rest.firstIndex(of: 0x0A) { return newline - rest.startIndex + 1 }
        return rest.count
    }

    /// Writes complete lines; on failure cuts the file back to its last complete line, counts the
    /// lines that did not make it as dropped, and returns false.
    private func write(_ chunk: UnsafeRawBufferPointer, events: Int) -> Bool {
        if size == 0 { firstLineTime = wallClock() }
        let result = FileIO.writeAll(descriptor, chunk)
        if let code = result.error {
            let kept = UnsafeRawBufferPointer(rebasing: chunk.prefix(result.written))
            let keptBytes = kept.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let keptEvents = Self.countLines(UnsafeRawBufferPointer(rebasing: kept.prefix(keptBytes)))
            try? FileIO.truncate(descriptor, to: size + keptBytes, path: activePath)
            size += keptBytes
            if size == 0 { firstLineTime = nil }
            record(written: keptEvents, bytes: keptBytes)
            queue.eventsDropped.add(events - keptEvents, ordering: .relaxed)
            queue.report(LogError(code: .io, path: activePath, message: "write failed: \(FileIO.describe(code))"))
            if !FileIO.isOutOfSpace(code) { closeActive(sync: false) }
            return false
        }
        size += chunk.count
        record(written: events, bytes: chunk.count)
        return true
    }

    private func record(written events: Int, bytes: Int) {
        if events > 0 { queue.eventsWritten.add(events, ordering: .relaxed) }
        if bytes > 0 { queue.bytesWritten.add(bytes, ordering: .relaxed) }
    }

    static func countLines(_ bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        for byte in bytes where byte == 0x0A { count += 1 }
        return count
    }

    // MARK: Sealing

    private var canSeal: Bool { wallClock() >= sealRetryTime }

    /// Seconds until the active segment is due for sealing by age; nil when it is empty.
    func secondsUntilSealDue() -> Double? {
        guard let firstLineTime, size > 0 else { return nil }
        let due = max(firstLineTime + configuration.maxSegmentAge, sealRetryTime)
        return due - wallClock()
    }

    /// Seals the active segment when it is older than `maxSegmentAge`.
    func sealIfAged() {
        if let remaining = secondsUntilSealDue(), remaining <= 0 { seal() }
    }

    /// Renames the active segment to its sealed name and opens a fresh one.
    ///
    /// The order keeps every line readable at every instant: the renamed file is complete, and
    /// until the compressed copy is renamed into place the plain one stays.
    private func seal() {
        guard descriptor >= 0, size > 0 else { return }
        let now = wallClock()
        if configuration.fsyncOnSeal {
            do { try FileIO.sync(descriptor, path: activePath) } catch { queue.report(LogError(error)) }
        }
        var key = SegmentKey.next(at: now, after: lastKey)
        while sealedNameIsTaken(key) { key.milliseconds += 1 }
        let sealedPath = LogSegmentNaming.path(configuration.directory, key.plainName)
        do {
            try FileIO.rename(activePath, to: sealedPath)
        } catch {
            queue.report(LogError(error))
            sealRetryTime = now + Self.sealRetryDelay
            return
        }
        lastKey = key
        closeActive(sync: false)
        do {
            try openActive(recovering: false)
            if configuration.fsyncOnSeal { try FileIO.syncDirectory(configuration.directory) }
        } catch {
            queue.report(LogError(error))
        }
        onSeal()
    }

    private func sealedNameIsTaken(_ key: SegmentKey) -> Bool {
        [key.plainName, key.compressedName, key.partialName].contains {
            FileIO.exists(LogSegmentNaming.path(configuration.directory, $0))
        }
    }

    // MARK: The active file

    /// Reopens the active segment when someone deleted or renamed it under us (say, by hand to free
    /// space), so that lines keep landing where tailers look.
    func reopenIfReplaced() {
        guard descriptor >= 0, FileIO.identity(path: activePath) != identity else { return }
        closeActive(sync: false)
        do {
            try openActive(recovering: true)
        } catch {
            queue.report(LogError(error))
        }
    }

    private func openActive(recovering: Bool) throws(FileIOFailure) {
        let operation = "open the active log segment"
        let fd: Int32
        do {
            fd = try FileIO.open(activePath, flags: FileIO.appendFlags, operation: operation)
        } catch {
            guard error.isNotFound else { throw error }
            // The directory was deleted under a running sink: recreate it rather than stop logging.
            try FileIO.makeDirectories(configuration.directory)
            fd = try FileIO.open(activePath, flags: FileIO.appendFlags, operation: operation)
        }
        do {
            size = try FileIO.size(fd, path: activePath)
            firstLineTime = nil
            if recovering, size > 0 { size = try Self.cutTornTail(fd, size: size, path: activePath) }
            if size > 0 { firstLineTime = Self.firstLineTime(fd, path: activePath, now: wallClock()) }
        } catch {
            FileIO.close(fd)
            throw error
        }
        descriptor = fd
        identity = FileIO.identity(fd)
    }

    /// Closes the active segment, syncing it first when asked.
    func closeActive(sync: Bool) {
        guard descriptor >= 0 else { return }
        if sync, configuration.fsyncOnSeal {
            do { try FileIO.sync(descriptor, path: activePath) } catch { queue.report(LogError(error)) }
        }
        FileIO.close(descriptor)
        descriptor = -1
        identity = nil
        size = 0
        firstLineTime = nil
    }

    /// Truncates the file after its last newline, so a line torn by a crash is never continued by
    /// the next one. Returns the new size.
    static func cutTornTail(_ fd: Int32, size: Int, path: String) throws(FileIOFailure) -> Int {
        let block = 64 << 10
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: block, alignment: 16)
        defer { buffer.deallocate() }
        var end = size
        while end > 0 {
            let start = max(0, end - block)
            let window = UnsafeMutableRawBufferPointer(rebasing: buffer[..<(end - start)])
            let count = try FileIO.read(fd, into: window, at: start, path: path)
            guard count == end - start else { return size }
            if let newline = UnsafeRawBufferPointer(buffer).prefix(count).lastIndex(of: 0x0A) {
                let keep = start + newline + 1
                if keep < size { try FileIO.truncate(fd, to: keep, path: path) }
                return keep
            }
            end = start
        }
        try FileIO.truncate(fd, to: 0, path: path)
        return 0
    }

    /// The `timestamp` of the first line, or the file's modification time when it has none.
    static func firstLineTime(_ fd: Int32, path: String, now: Double) -> Double {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
        defer { buffer.deallocate() }
        if let count = try? FileIO.read(fd, into: buffer, at: 0, path: path),
            let newline = UnsafeRawBufferPointer(buffer).prefix(count).firstIndex(of: 0x0A),
            let event = try? APICallMetric(jsonBytes: UnsafeRawBufferPointer(rebasing: buffer[..<newline]))
        {
            return min(event.timestamp, now)
        }
        return min(FileIO.modificationTime(fd) ?? now, now)
    }
}

public import BulwarkCore
/// Reads a log directory written by ``JSONLinesLogSink``, oldest line first.
///
/// Sealed segments are read in the order they were sealed (compressed or not; for a seal a crash
/// interrupted, the plain file is read and its partial `.gz` ignored), then the active segment.
/// Memory stays bounded whatever the directory's size: files are streamed 64 KiB at a time.
///
/// Nothing in a damaged directory is fatal except a missing or unreadable directory: torn and
/// unparseable lines are skipped and counted, and a segment that cannot be read to its end is
/// reported in ``LogReadSummary/damagedSegments`` after the lines before the damage.
///
/// While a sink is writing the directory, a pass sees a consistent prefix of each file; a segment
/// sealed during the pass may be missed.
public struct LogReader: Sendable {
    /// The log directory.
    public let directory: String

    /// Creates a reader of `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// Hands every valid line (a JSON object, without its newline) to `body`, oldest first.
    ///
    /// Lines are checked as JSON, not as events, so lines written by newer versions (say, with an
    /// error type this version does not know) are still printed by `bulwark logs cat`.
    public func forEachLine(_ body: ([UInt8]) throws -> Void) throws -> LogReadSummary {
        try readLines(sealedSince: nil) { line in
            guard case .object? = try? JSONParser.parse(line) else { return false }
            try body(Array(line))
            return true
        }
    }

    /// Hands every event to `body`, oldest first; lines that do not decode as events are skipped.
    ///
    /// - Parameters:
    ///   - since: when given, only events with `timestamp >= since` are handed over, and sealed
    ///     segments sealed more than `margin` seconds before `since` are not read at all.
    ///   - margin: how far behind a segment's seal time its events' timestamps may lie and
    ///     still be wanted; covers producers whose clocks run ahead. Default 3600.
    public func forEachEvent(
        since: Double? = nil, margin: Double = 3600, _ body: (APICallMetric) throws -> Void
    ) throws -> LogReadSummary {
        try readLines(sealedSince: since.map { $0 - margin }) { line in
            guard let event = try? APICallMetric(jsonBytes: line) else { return false }
            if let since, event.timestamp < since { return true }
            try body(event)
            return true
        }
    }

    /// Every event in the directory, oldest first.
    public func events() throws -> ([APICallMetric], LogReadSummary) {
        var events: [APICallMetric] = []
        let summary = try forEachEvent { events.append($0) }
        return (events, summary)
    }

    /// The events with `timestamp >= since`, oldest first: what the exporter replays on start so
    /// that alert windows survive a restart. See ``forEachEvent(since:margin:_:)``.
    public func events(since: Double, margin: Double = 3600) throws -> ([APICallMetric], LogReadSummary) {
        var events: [APICallMetric] = []
        let summary = try forEachEvent(since: since, margin: margin) { events.append($0) }
        return (events, summary)
    }

    // MARK: Reading

    /// Wraps errors thrown by the caller's body, to tell them from read errors.
    private struct BodyError: Error {
        var error: any Error
    }

    /// `accept` returns whether a line was valid; invalid ones are counted as skipped.
    private func readLines(
        sealedSince cutoff: Double?, _ accept: (UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws -> LogReadSummary {
        let listing: LogDirectoryListing
        do {
            listing = try LogDirectoryListing.scan(directory)
        } catch {
            let message = "cannot read the log directory: \(error.message)"
            throw LogError(code: .directoryUnavailable, path: directory, message: message)
        }
        var summary = LogReadSummary()
        do {
            for key in listing.sealedKeys {
                if let cutoff, key.time < cutoff { continue }
                let files = listing.sealed[key] ?? .init()
                let plain = LogSegmentNaming.path(directory, key.plainName)
                let compressed = LogSegmentNaming.path(directory, key.compressedName)
                // A plain file is complete; it is deleted only once its compressed copy is.
                if files.plain, try readSegment(plain, compressed: false, &summary, accept) { continue }
                _ = try readSegment(compressed, compressed: true, &summary, accept)
            }
            _ = try readSegment(
                LogSegmentNaming.path(directory, LogSegmentNaming.activeName), compressed: false, &summary, accept)
        } catch let error as BodyError {
            throw error.error
        }
        return summary
    }

    /// Reads one segment; returns false when the file does not exist (any more).
    private func readSegment(
        _ path: String, compressed: Bool, _ summary: inout LogReadSummary,
        _ accept: (UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws -> Bool {
        var splitter = LineSplitter()
        var lines = 0
        var skipped = 0
        let deliver: (UnsafeBufferPointer<UInt8>) throws -> Void = { piece in
            try splitter.feed(piece) { line in
                let valid: Bool
                do {
                    valid = try accept(line)
                } catch {
                    throw BodyError(error: error)
                }
                if valid { lines += 1 } else { skipped += 1 }
            }
        }
        do {
            if compressed {
                try Gzip.decompressFile(atPath: path, deliver)
            } else {
                try Self.readPlainFile(path, deliver)
            }
        } catch let error as BodyError {
            throw error
        } catch {
            if lines == 0, skipped == 0, !FileIO.exists(path) { return false }
            let message = (error as? GzipError)?.description ?? (error as? FileIOFailure)?.message ?? "\(error)"
            summary.damagedSegments.append(LogError(code: .damagedSegment, path: path, message: message))
        }
        if splitter.finish() { skipped += 1 }
        summary.lines += lines
        summary.skipped += skipped + splitter.overlongLines
        summary.segments += 1
        return true
    }

    private static func readPlainFile(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let fd = try FileIO.open(path, flags: FileIO.readOnly)
        defer { FileIO.close(fd) }
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Gzip.chunkSize)
        defer { buffer.deallocate() }
        while true {
            let count = try FileIO.read(fd, into: UnsafeMutableRawBufferPointer(buffer), path: path)
            if count == 0 { return }
            try body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }
}

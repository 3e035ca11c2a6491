import BulwarkCore
/// gzip (RFC 1952) compression over zlib, in memory and file to file in bounded memory.
///
/// Output is a single gzip member that `gzip -d`, `zcat`, HTTP clients (`Content-Encoding: gzip`) and
/// Loki's tooling read. Decompression accepts several concatenated members, as `gzip -d` does.
public enum Gzip {
    /// The compression level used when none is given: zlib's default balance of speed and size.
    public static let defaultLevel = 6
    /// The size of the pieces files are read, compressed and written in.
    static let chunkSize = 64 << 10

    /// Compresses `bytes` into one gzip member.
    ///
    /// - Parameter level: 0 (store) to 9 (smallest); values outside are clamped, and a negative
    ///   value means zlib's default (6).
    public static func compress(_ bytes: [UInt8], level: Int = defaultLevel) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count / 4 + 64)
        let deflater = GzipDeflater(level: level, outputChunkSize: min(max(bytes.count / 2, 4096), chunkSize))
        bytes.withUnsafeBufferPointer { input in
            deflater.compress(input) { result.append(contentsOf: $0) }
            deflater.finish { result.append(contentsOf: $0) }
        }
        return result
    }

    /// Decompresses gzip data of one or more concatenated members.
    ///
    /// - Parameter maxOutputBytes: the most decompressed bytes accepted (a guard against
    ///   decompression bombs in request bodies).
    /// - Throws: ``GzipError`` with code `truncated`, `corrupt` or `outputLimitExceeded`.
    public static func decompress(_ bytes: [UInt8], maxOutputBytes: Int = .max) throws(GzipError) -> [UInt8] {
        var result: [UInt8] = []
        let inflater = GzipInflater()
        do {
            try bytes.withUnsafeBufferPointer { input in
                try inflater.decompress(input) { piece in
                    guard result.count + piece.count <= maxOutputBytes else {
                        throw GzipError(
                            code: .outputLimitExceeded,
                            message: "decompressed data exceeds the limit of \(maxOutputBytes) bytes",
                            offset: inflater.consumed)
                    }
                    result.append(contentsOf: piece)
                }
            }
        } catch {
            throw error as? GzipError ?? GzipError(code: .corrupt, message: "\(error)")
        }
        try inflater.finish()
        return result
    }

    /// Compresses the file at `source` into a new gzip file at `destination`, 64 KiB at a time.
    ///
    /// `destination` is created or truncated. With `synchronize`, its data is flushed to the disk
    /// (`fsync`) before the call returns, so that a following rename is crash-safe.
    public static func compressFile(
        atPath source: String, toPath destination: String, level: Int = defaultLevel, synchronize: Bool = false
    ) throws(GzipError) {
        let input: Int32
        do {
            input = try FileIO.open(source, flags: FileIO.readOnly)
        } catch {
            throw GzipError(error)
        }
        defer { FileIO.close(input) }
        let writer = try GzipFileWriter(path: destination, level: level)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { buffer.deallocate() }
        while true {
            let count: Int
            do {
                count = try FileIO.read(input, into: UnsafeMutableRawBufferPointer(buffer), path: source)
            } catch {
                throw GzipError(error)
            }
            if count == 0 { break }
            try writer.write(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
        try writer.finish(synchronize: synchronize)
    }

    /// Decompresses the gzip file at `path` 64 KiB at a time, handing each piece to `body`.
    ///
    /// Everything that decodes before a problem is handed to `body` first; then a ``GzipError``
    /// (`truncated`, `corrupt`, `io`) naming the file is thrown. Errors from `body` pass through.
    static func decompressFile(atPath path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let input: Int32
        do {
            input = try FileIO.open(path, flags: FileIO.readOnly)
        } catch {
            throw GzipError(error)
        }
        defer { FileIO.close(input) }
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { buffer.deallocate() }
        let inflater = GzipInflater()
        do {
            while true {
                let count = try FileIO.read(input, into: UnsafeMutableRawBufferPointer(buffer), path: path)
                if count == 0 { break }
                try inflater.decompress(UnsafeBufferPointer(rebasing: buffer[..<count]), emit: body)
            }
            try inflater.finish()
        } catch var error as GzipError {
            error.path = path
            throw error
        } catch let error as FileIOFailure {
            throw GzipError(error)
        }
    }

    static func clampedLevel(_ level: Int) -> Int {
        level < 0 ? defaultLevel : min(level, 9)
    }
}

/// Writes a gzip file from pieces of bytes, in bounded memory.
///
/// Create it, ``write(_:)`` any number of times, then ``finish(synchronize:)``. A writer that is
/// released without `finish` closes its file, leaving an incomplete gzip file behind.
public final class GzipFileWriter {
    /// The file being written.
    public let path: String
    private var descriptor: Int32
    private let deflater: GzipDeflater

    /// Creates (or truncates) the file at `path`.
    ///
    /// - Parameter level: 0 (store) to 9 (smallest), clamped; negative means the default (6).
    public init(path: String, level: Int = Gzip.defaultLevel) throws(GzipError) {
        self.path = path
        do {
            descriptor = try FileIO.open(path, flags: FileIO.createFlags)
        } catch {
            throw GzipError(error)
        }
        deflater = GzipDeflater(level: level)
    }

    deinit {
        if descriptor >= 0 { FileIO.close(descriptor) }
    }

    /// Compresses and writes `bytes`.
    public func write(_ bytes: [UInt8]) throws(GzipError) {
        try bytes.withUnsafeBufferPointer { (input) throws(GzipError) in try write(input) }
    }

    /// Compresses and writes `bytes`.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(GzipError) {
        guard descriptor >= 0 else {
            throw GzipError(code: .io, message: "the gzip file is already finished", path: path)
        }
        guard !bytes.isEmpty else { return }
        try deflater.compress(bytes, emit: writeOut)
    }

    /// Ends the gzip member, optionally flushes the file to the disk (`fsync`), and closes it.
    public func finish(synchronize: Bool = false) throws(GzipError) {
        guard descriptor >= 0 else { return }
        defer {
            FileIO.close(descriptor)
            descriptor = -1
        }
        try deflater.finish(emit: writeOut)
        if synchronize {
            do {
                try FileIO.sync(descriptor, path: path)
            } catch {
                throw GzipError(error)
            }
        }
    }

    private func writeOut(_ piece: UnsafeBufferPointer<UInt8>) throws(GzipError) {
        let result = FileIO.writeAll(descriptor, UnsafeRawBufferPointer(piece))
        if let code = result.error {
            throw GzipError(code: .io, message: "write failed: \(FileIO.describe(code))", path: path)
        }
    }
}

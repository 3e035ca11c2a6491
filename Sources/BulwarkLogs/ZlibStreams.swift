import BulwarkCore
import CZlib

/// zlib's `windowBits` for the gzip wrapper (RFC 1952) with the largest window.
private let gzipWindowBits: Int32 = 15 + 16
/// The most input handed to zlib at once (its counters are 32-bit).
private let maxZlibPiece = 1 << 30

/// A deflate stream that writes one gzip member.
///
/// The `z_stream` lives on the heap because zlib keeps a pointer back to it and rejects a moved stream.
final class GzipDeflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let output: UnsafeMutableBufferPointer<UInt8>

    /// Creates a stream; `level` is clamped to 0...9 (negative means zlib's default, 6).
    init(level: Int, outputChunkSize: Int = Gzip.chunkSize) {
        stream.initialize(to: z_stream())
        output = .allocate(capacity: max(outputChunkSize, 64))
        let status = bulwark_deflateInit2(
            stream, Int32(Gzip.clampedLevel(level)), Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY)
        // With valid parameters zlib fails only when it cannot allocate its state.
        guard status == Z_OK else { fatalError("zlib deflateInit2 failed with status \(status)") }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Compresses `input`; `emit` receives each piece of output as zlib produces it.
    func compress<E: Error>(
        _ input: UnsafeBufferPointer<UInt8>, emit: (UnsafeBufferPointer<UInt8>) throws(E) -> Void
    ) throws(E) {
        try run(input, flush: Z_NO_FLUSH, emit)
    }

    /// Ends the member: emits the remaining output and the CRC-32 and length trailer.
    func finish<E: Error>(emit: (UnsafeBufferPointer<UInt8>) throws(E) -> Void) throws(E) {
        try run(UnsafeBufferPointer(start: nil, count: 0), flush: Z_FINISH, emit)
    }

    private func run<E: Error>(
        _ input: UnsafeBufferPointer<UInt8>, flush: Int32, _ emit: (UnsafeBufferPointer<UInt8>) throws(E) -> Void
    ) throws(E) {
        var offset = 0
        repeat {
            let piece = min(input.count - offset, maxZlibPiece)
            stream.pointee.next_in = piece > 0 ? UnsafeMutablePointer(mutating: input.baseAddress! + offset) : nil
            stream.pointee.avail_in = UInt32(piece)
            offset += piece
            let mode = offset == input.count ? flush : Z_NO_FLUSH
            while true {
                stream.pointee.next_out = output.baseAddress
                stream.pointee.avail_out = UInt32(output.count)
                let status = deflate(stream, mode)
                precondition(
                    status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR,
                    "zlib deflate failed with status \(status)")
                let produced = output.count - Int(stream.pointee.avail_out)
                if produced > 0 { try emit(UnsafeBufferPointer(rebasing: output[..<produced])) }
                if mode == Z_FINISH {
                    if status == Z_STREAM_END { break }
                } else if stream.pointee.avail_out != 0 {
                    break
                }
            }
        } while offset < input.count
    }
}

/// An inflate stream that reads gzip data of one or more concatenated members.
final class GzipInflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let output: UnsafeMutableBufferPointer<UInt8>
    /// Compressed bytes consumed so far.
    private(set) var consumed = 0
    /// Members read to their end.
    private(set) var members = 0
    private var insideMember = false

    init(outputChunkSize: Int = Gzip.chunkSize) {
        stream.initialize(to: z_stream())
        output = .allocate(capacity: max(outputChunkSize, 64))
        let status = bulwark_inflateInit2(stream, gzipWindowBits)
        guard status == Z_OK else { fatalError("zlib inflateInit2 failed with status \(status)") }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Decompresses the next piece of gzip data; `emit` receives each piece of output.
    ///
    /// Throws ``GzipError`` (`corrupt`) for data that is not valid gzip, after emitting everything
    /// that decoded before it; errors from `emit` pass through.
    func decompress(_ input: UnsafeBufferPointer<UInt8>, emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var offset = 0
        while offset < input.count {
            let piece = min(input.count - offset, maxZlibPiece)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
            stream.pointee.avail_in = UInt32(piece)
            offset += piece
            try drain(emit)
            consumed += piece
        }
    }

    private func drain(_ emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let fed = Int(stream.pointee.avail_in)
        while true {
            if stream.pointee.avail_in > 0 { insideMember = true }
            stream.pointee.next_out = output.baseAddress
            stream.pointee.avail_out = UInt32(output.count)
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try emit(UnsafeBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case Z_STREAM_END:
                members += 1
                insideMember = false
                inflateReset(stream)
                if stream.pointee.avail_in == 0 { return }
            case Z_OK:
                if stream.pointee.avail_out != 0, stream.pointee.avail_in == 0 { return }
            case Z_BUF_ERROR:
                return
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                let position = consumed + fed - Int(stream.pointee.avail_in)
                throw GzipError(
                    code: .corrupt, message: "gzip member \(members + 1) is corrupt: \(reason)", offset: position)
            }
        }
    }

    /// Checks that the input ended at the end of a member.
    func finish() throws(GzipError) {
        if members == 0 && !insideMember {
            throw GzipError(code: .truncated, message: "no gzip data (empty input)", offset: consumed)
        }
        if insideMember {
            throw GzipError(
                code: .truncated, message: "gzip data ends inside member \(members + 1) (truncated)", offset: consumed)
        }
    }
}

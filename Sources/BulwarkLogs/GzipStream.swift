import BulwarkCore
/// Compresses bytes handed over piece by piece into one in-memory gzip member, so a producer that
/// writes in chunks (a streaming `/metrics` render) is compressed as it goes and its whole output is
/// never held uncompressed.
public final class GzipStream {
    private let deflater: GzipDeflater
    private var output: [UInt8] = []

    /// Creates a stream at `level` (0–9; 1 is the fastest that still compresses).
    public init(level: Int = Gzip.defaultLevel, outputChunkSize: Int = 64 << 10) {
        deflater = GzipDeflater(level: level, outputChunkSize: outputChunkSize)
    }

    /// Compresses the next piece.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        deflater.compress(bytes.assumingMemoryBound(to: UInt8.self)) { output.append(contentsOf: $0) }
    }

    /// Ends the member and returns the compressed bytes.
    public func finish() -> [UInt8] {
        deflater.finish { output.append(contentsOf: $0) }
        return output
    }
}

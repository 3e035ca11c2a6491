import BulwarkCore
/// Where and how ``JSONLinesLogSink`` writes, seals, compresses and deletes log segments.
///
/// Durations are in seconds. The defaults keep about a week of hourly segments.
public struct LogSinkConfiguration: Sendable, Hashable {
    /// The log directory; created with its parents when missing.
    public var directory: String
    /// The active segment is sealed once it holds this many bytes. Default 64 MiB.
    ///
    /// Segments are split between lines, so a segment exceeds this only when a single line does.
    public var maxSegmentBytes: Int
    /// The active segment is sealed this long after its first line was written. Default 3600 (1 hour).
    public var maxSegmentAge: Double
    /// The most sealed segments kept; the oldest beyond it are deleted. Default 168 (a week of hours).
    public var maxSealedSegments: Int
    /// Sealed segments sealed longer ago than this are deleted. Default 604 800 (7 days).
    public var maxSealedAge: Double
    /// The most events waiting to be written; events recorded while it is full are dropped and
    /// counted. Default 65 536.
    public var queueCapacity: Int
    /// Queued events reach the kernel (are visible to tailers) at most this long after being
    /// recorded. Default 1.
    public var flushInterval: Double
    /// gzip level of sealed segments, 0 (store) to 9 (smallest). Default 6.
    public var compressionLevel: Int
    /// `fsync` each segment before it is renamed and each compressed segment before it replaces the
    /// plain one, and the active segment on close, so that seals survive power loss. Default true.
    public var fsyncOnSeal: Bool

    /// Creates a configuration; every setting but the directory has a default.
    public init(
        directory: String,
        maxSegmentBytes: Int = 64 << 20,
        maxSegmentAge: Double = 3600,
        maxSealedSegments: Int = 168,
        maxSealedAge: Double = 7 * 86_400,
        queueCapacity: Int = 65_536,
        flushInterval: Double = 1,
        compressionLevel: Int = Gzip.defaultLevel,
        fsyncOnSeal: Bool = true
    ) {
        self.directory = directory
        self.maxSegmentBytes = maxSegmentBytes
        self.maxSegmentAge = maxSegmentAge
        self.maxSealedSegments = maxSealedSegments
        self.maxSealedAge = maxSealedAge
        self.queueCapacity = queueCapacity
        self.flushInterval = flushInterval
        self.compressionLevel = compressionLevel
        self.fsyncOnSeal = fsyncOnSeal
    }

    /// Throws ``LogError`` (`invalidConfiguration`) naming the first setting that is out of range.
    public func validate() throws(LogError) {
        func fail(_ message: String) -> LogError {
            LogError(code: .invalidConfiguration, path: directory, message: message)
        }
        if directory.isEmpty { throw fail("the log directory must not be empty") }
        if maxSegmentBytes < 1 { throw fail("maxSegmentBytes must be at least 1, got \(maxSegmentBytes)") }
        if !(maxSegmentAge > 0) { throw fail("maxSegmentAge must be positive, got \(maxSegmentAge)") }
        if maxSealedSegments < 0 { throw fail("maxSealedSegments must not be negative, got \(maxSealedSegments)") }
        if !(maxSealedAge > 0) { throw fail("maxSealedAge must be positive, got \(maxSealedAge)") }
        if queueCapacity < 1 { throw fail("queueCapacity must be at least 1, got \(queueCapacity)") }
        if !(flushInterval > 0) || flushInterval > 86_400 {
            throw fail("flushInterval must be between 0 and 86400 seconds, got \(flushInterval)")
        }
        if !(0...9).contains(compressionLevel) {
            throw fail("compressionLevel must be 0...9, got \(compressionLevel)")
        }
    }
}

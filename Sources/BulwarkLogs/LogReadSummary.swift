import BulwarkCore
/// What a ``LogReader`` pass found.
public struct LogReadSummary: Sendable, Hashable {
    /// Valid lines read.
    public var lines = 0
    /// Lines skipped: torn by a crash (no newline at the end of a segment), not valid JSON, not an
    /// event (for the event readers), or longer than 1 MiB.
    public var skipped = 0
    /// Segment files read.
    public var segments = 0
    /// Segments that could not be read to their end (truncated or corrupt gzip, read errors); the
    /// lines before the damage were read.
    public var damagedSegments: [LogError] = []

    /// Creates an empty summary.
    public init() {}
}

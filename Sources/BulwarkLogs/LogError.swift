import BulwarkCore
/// Why the log sink or reader could not do something, naming the file or directory involved.
public struct LogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// A ``LogSinkConfiguration`` value is out of range.
        case invalidConfiguration
        /// The log directory does not exist, cannot be created, or cannot be listed.
        case directoryUnavailable
        /// Another sink (in this or another process) is writing to the directory.
        case directoryInUse
        /// Opening, writing, syncing, renaming or deleting a file failed.
        case io
        /// A segment could not be read to its end (truncated or corrupt gzip); the lines before the
        /// damage were read.
        case damagedSegment
    }

    /// The kind of failure.
    public var code: Code
    /// The file or directory involved, if any.
    public var path: String?
    /// What went wrong, for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, path: String?, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String {
        guard let path else { return message }
        return "\(path): \(message)"
    }

    init(_ failure: FileIOFailure, code: Code = .io) {
        self.init(code: code, path: failure.path, message: failure.message)
    }
}

import BulwarkCore
/// Why gzip data could not be compressed or decompressed.
public struct GzipError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The data ends inside a gzip member: the file or body was cut short.
        case truncated
        /// The data is not gzip, or a member's structure or CRC-32 is wrong.
        case corrupt
        /// The decompressed data would exceed the caller's limit.
        case outputLimitExceeded
        /// Reading or writing a file failed.
        case io
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The file involved, if any.
    public var path: String?
    /// How many compressed bytes were consumed when the problem was found.
    public var offset: Int?

    /// Creates an error.
    public init(code: Code, message: String, path: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
    }

    public var description: String {
        var text = path.map { "\($0): " } ?? ""
        text += message
        if let offset { text += " (at compressed byte \(offset))" }
        return text
    }

    init(_ failure: FileIOFailure) {
        self.init(code: .io, message: failure.message, path: failure.path)
    }
}

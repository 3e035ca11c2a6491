/// A Redis operation that did not produce an answer, or an error reply.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        /// The URL or an option is wrong.
        case configuration
        /// No connection is up (it is being re-established in the background).
        case unavailable
        /// No answer within the operation's timeout.
        case timeout
        /// The connection broke during the operation.
        case connection
        /// The server answered with an error reply (`-ERR …`).
        case reply
        /// The request queue of every connection is full; the operation was shed.
        case overloaded
        /// The client was shut down.
        case shutdown
    }

    /// What went wrong.
    public var kind: Kind
    /// A description that never contains the password.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "redis \(kind.rawValue): \(message)" }
}

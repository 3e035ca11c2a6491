/// A Redis reply, copied out of hiredis.
public enum RedisReply: Sendable, Hashable {
    /// A bulk string.
    case string([UInt8])
    /// A status reply (`+OK`).
    case status(String)
    /// An error reply (`-ERR …`).
    case error(String)
    /// An integer.
    case integer(Int64)
    /// The null reply.
    case null
    /// An array.
    case array([RedisReply])

    /// The integer, or a bulk string holding one.
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .string(let bytes): return Int64(String(decoding: bytes, as: UTF8.self))
        default: return nil
        }
    }

    /// The text of a bulk string or status.
    public var text: String? {
        switch self {
        case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }

    /// The elements of an array.
    public var elements: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}

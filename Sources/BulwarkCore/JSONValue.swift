/// A parsed JSON value, as produced by ``JSONParser``.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number with its source text, so integers stay exact and `1` is distinguishable from `1.5`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the value's JSON type, for error messages.
    package var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Why a JSON text could not be parsed, with the byte offset where it went wrong.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the input.
    package var offset: Int
    /// What was wrong.
    package var reason: String

    package var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

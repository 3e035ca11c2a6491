import BulwarkCore

/// Lenient reading of provider bodies, parsed with CallMetrics' byte-level ``JSONParser``.
///
/// Provider bodies are loosely typed (OpenAI's `error.code` is a string in one response and an integer
/// in the next), so the adapters read them through these optional accessors instead of rigid
/// `Decodable` structs, which also kept Foundation's `JSONDecoder` (three quarters of the client's own
/// time per call) off the hot path.
extension JSONValue {
    /// Parses one JSON text; `nil` when the bytes are not JSON.
    static func parseLeniently(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? JSONParser.parse(bytes)
    }

    /// Parses one JSON text; `nil` when the string is not JSON.
    static func parseLeniently(_ text: String) -> JSONValue? {
        parseLeniently(Array(text.utf8))
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as an integer: an integer, an integral floating-point number or a decimal string.
    var int: Int? {
        switch self {
        case .number(let text):
            if let value = Int(text) { return value }
            guard let value = Double(text), value.isFinite, value.rounded() == value, abs(value) < 1e18 else {
                return nil
            }
            return Int(value)
        case .string(let value): return Int(value)
        default: return nil
        }
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A string or number rendered as text (OpenAI's `code` is sometimes an integer).
    var scalarText: String? {
        switch self {
        case .string(let value): return value
        case .number(let text): return text
        case .bool(let value): return String(value)
        default: return nil
        }
    }

    /// A non-empty string, or `nil`.
    var nonEmptyString: String? {
        guard let value = string, !value.isEmpty else { return nil }
        return value
    }
}

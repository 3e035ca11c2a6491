import Foundation

/// A JSON value decoded leniently from a provider body.
///
/// Provider bodies are loosely typed (OpenAI's `error.code` is a string in one response and an integer
/// in the next), so the adapters read them through this enum instead of rigid `Decodable` structs.
enum WireJSON: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([WireJSON])
    case object([String: WireJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([WireJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: WireJSON].self))
        }
    }

    /// Parses one JSON text; `nil` when the bytes are not JSON.
    static func parse(_ bytes: some Sequence<UInt8>) -> WireJSON? {
        try? JSONDecoder().decode(WireJSON.self, from: Data(bytes))
    }

    /// Parses one JSON text; `nil` when the string is not JSON.
    static func parse(_ text: String) -> WireJSON? {
        parse(Array(text.utf8))
    }

    subscript(key: String) -> WireJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> WireJSON? {
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
        case .int(let value): return value
        case .double(let value) where value.isFinite && value.rounded() == value && abs(value) < 1e18:
            return Int(value)
        case .string(let value): return Int(value)
        default: return nil
        }
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [WireJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var object: [String: WireJSON]? {
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
        case .int(let value): return String(value)
        case .double(let value): return String(value)
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

/// A coding key for any name, used to list and check the keys of a mapping.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) {
        stringValue = string
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Strict, snake_case reading of scenario mappings: an unknown key is an error naming it, so a typo
/// such as `probabilty` fails loudly instead of silently scripting nothing.
struct ScenarioMapping {
    let container: KeyedDecodingContainer<AnyCodingKey>

    init(_ decoder: any Decoder, allowed: [String]) throws {
        container = try decoder.container(keyedBy: AnyCodingKey.self)
        let known = Set(allowed)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: container,
                debugDescription: "unknown key '\(key.stringValue)'; expected one of \(allowed.joined(separator: ", "))"
            )
        }
    }

    func has(_ key: String) -> Bool {
        container.contains(AnyCodingKey(key))
    }

    func value<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
        try container.decodeIfPresent(type, forKey: AnyCodingKey(key))
    }

    /// The value of the first of `keys` present (aliases such as `statuses` / `sequence`).
    func value<T: Decodable>(_ type: T.Type, _ keys: [String]) throws -> T? {
        for key in keys where has(key) {
            return try value(type, key)
        }
        return nil
    }

    func fail(_ key: String, _ message: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: AnyCodingKey(key), in: container, debugDescription: message)
    }
}

/// A scenario that could not be read or does not make sense, with where and why.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    /// The file, when the scenario came from one.
    public var file: String?
    /// The key path of the offending value, e.g. `providers.openai.faults[2].probability`.
    public var path: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String? = nil, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        let location = [file, path.isEmpty ? nil : path].compactMap { $0 }.joined(separator: ": ")
        return location.isEmpty ? "invalid scenario: \(message)" : "invalid scenario: \(location): \(message)"
    }

    init(decoding error: DecodingError, file: String?) {
        func render(_ path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            self.init(file: file, path: render(context.codingPath), message: context.debugDescription)
        case .keyNotFound(let key, let context):
            self.init(
                file: file,
                path: render(context.codingPath),
                message: "missing key '\(key.stringValue)'"
            )
        @unknown default:
            self.init(file: file, path: "", message: "\(error)")
        }
    }
}

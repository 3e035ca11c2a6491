import BulwarkCore

/// An API key read from the environment: stripped, format-checked, and never printed.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key itself; send it, never log it.
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { APIKeyRedactor.placeholder }
    public var debugDescription: String { APIKeyRedactor.placeholder }
}

/// Strips and format-checks API keys at start-up, per provider kind (the guide's rules).
public enum APIKeyValidator {
    /// Why a key was refused; the message never includes the key.
    public static func problem(withKey key: String, kind: String) -> String? {
        switch kind {
        case ProviderKind.openai.rawValue:
            if key.hasPrefix("sk-ant-") { return "looks like an Anthropic key (sk-ant-…); OpenAI keys start with sk- but not sk-ant-" }
            if !key.hasPrefix("sk-") { return "does not start with sk-, as OpenAI keys do" }
        case ProviderKind.anthropic.rawValue:
            if !key.hasPrefix("sk-ant-") { return "does not start with sk-ant-, as Anthropic keys do" }
        case ProviderKind.google.rawValue:
            if !key.hasPrefix("AIza") { return "does not start with AIza, as Google API keys do" }
            if key.count != 39 { return "has \(key.count) characters; Google API keys have 39" }
            let allowed = key.unicodeScalars.allSatisfy { scalar in
                (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))) || scalar == "-" || scalar == "_"
            }
            if !allowed { return "contains characters other than letters, digits, - and _" }
        default:
            return nil
        }
        if key.unicodeScalars.contains(where: { $0.properties.isWhitespace }) { return "contains whitespace inside the key" }
        return nil
    }

    /// Reads every provider's key from `environment` (or from its `api_key_file`), stripping surrounding
    /// whitespace, and reports every missing, unreadable or malformed key at once.
    public static func resolveKeys(
        for providers: [ProviderConfiguration], environment: [String: String]
    ) throws(ConfigurationError) -> [String: APIKey] {
        var keys: [String: APIKey] = [:]
        var problems: [ConfigurationError.Problem] = []
        for provider in providers where !provider.keyless {
            if provider.kind == .vertex {
                keys[provider.name] = vertexAccessToken(for: provider, environment: environment, problems: &problems)
                continue
            }
            if let path = provider.apiKeyFile {
                switch readKeyFile(path, kind: provider.kind) {
                case .success(let read): keys[provider.name] = read.key
                case .failure(let problem):
                    problems.append(.init(path: "providers.\(provider.name).api_key_file", message: problem.message))
                }
                continue
            }
            let variable = provider.apiKeyEnvironmentVariable
            let path = "providers.\(provider.name).api_key_env"
            guard isVariableName(variable) else {
                problems.append(.init(path: path, message: "is not an environment variable name (letters, digits and _); "
                    + "if a key was pasted here, put it in a variable and name that variable instead"))
                continue
            }
            guard let raw = environment[variable] else {
                problems.append(.init(path: path, message: "environment variable \(variable) is not set"))
                continue
            }
            let key = raw.trimmingASCIIWhitespace()
            guard !key.isEmpty else {
                problems.append(.init(path: path, message: "environment variable \(variable) is empty"))
                continue
            }
            if let problem = problem(withKey: key, kind: provider.kind.rawValue) {
                problems.append(.init(path: path, message: "the key in \(variable) \(problem)"))
                continue
            }
            keys[provider.name] = APIKey(key)
        }
        if !problems.isEmpty { throw ConfigurationError(source: nil, problems: problems) }
        return keys
    }

    /// Whether `name` can be an environment variable's name and does not look like a key; only such
    /// names are ever quoted in an error.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        let isPortable = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
        return isPortable && name.utf8.count <= 128 && !APIKeyRedactor.containsKey(name)
    }
}

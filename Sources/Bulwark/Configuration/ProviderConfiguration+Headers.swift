import BulwarkCore

/// The rules for `organization`, `project` and `headers`: checked when the configuration is loaded (with
/// the line) and again by ``BulwarkConfiguration/problems()`` for a configuration built in code. Messages
/// name the header, never its value, since a value may be a secret (an aggregator's token).
enum ProviderHeaderRules {
    /// Headers the adapters set themselves and that `headers` may not replace: authentication (a key
    /// there would bypass the key checks and reach errors unredacted) and message framing.
    static let reserved: Set<String> = [
        "authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "host", "content-length",
        "transfer-encoding", "connection", "content-type",
    ]

    /// The prefix of a value read from an environment variable.
    static let environmentPrefix = "env:"

    /// What is wrong with the header `name`, or `nil`.
    static func nameProblem(_ name: String, kind: ProviderKind) -> String? {
        if name.isEmpty { return "a header name is empty" }
        // RFC 9110 §5.6.2 token characters; names are printed only once they pass, so nothing odd is echoed.
        let isToken = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
        guard isToken, name.utf8.count <= 256 else {
            return "a header name is not valid (letters, digits and !#$%&'*+-.^_`|~ only)"
        }
        let lowered = name.lowercased()
        if reserved.contains(lowered) {
            return "\(name) is set by Bulwark (authentication or framing) and cannot be replaced; "
                + "keys come from api_key_env or api_key_file"
        }
        if kind == .openai, lowered == "openai-organization" || lowered == "openai-project" {
            return "set \(name) with the provider's \(lowered == "openai-project" ? "project" : "organization") key instead"
        }
        return nil
    }

    /// What is wrong with a header value as configured (an `env:` reference is checked for its variable
    /// name only), or `nil`.
    static func valueProblem(_ value: String) -> String? {
        if value.hasPrefix(environmentPrefix) {
            let variable = String(value.dropFirst(environmentPrefix.count))
            guard APIKeyValidator.isVariableName(variable) else {
                return "the value env:… does not name an environment variable (letters, digits and _)"
            }
            return nil
        }
        return resolvedValueProblem(value)
    }

    /// What is wrong with a value about to be sent: CR, LF and other control characters would split or
    /// corrupt the request head.
    static func resolvedValueProblem(_ value: String) -> String? {
        if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) { return "the value contains CR or LF" }
        if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return "the value contains control characters"
        }
        if value.utf8.count > 8_192 { return "the value is longer than 8192 bytes" }
        return nil
    }
}

extension ProviderConfiguration {
    /// Every problem of `organization`, `project`, `headers` and `api_key_file`, with paths under `path`
    /// (`providers[0]`). Values are never quoted.
    func headerProblems(path: String) -> [ConfigurationError.Problem] {
        var problems: [ConfigurationError.Problem] = []
        for (key, value) in [("organization", organization), ("project", project)] {
            guard let value else { continue }
            if value.isEmpty {
                problems.append(.init(path: "\(path).\(key)", message: "is empty"))
            } else if let problem = ProviderHeaderRules.resolvedValueProblem(value) {
                problems.append(.init(path: "\(path).\(key)", message: problem))
            }
        }
        if organization != nil, kind != .openai {
            problems.append(.init(path: "\(path).organization", message: "is the OpenAI-Organization header of openai providers only"))
        }
        if project != nil, kind == .anthropic || kind == .google {
            problems.append(.init(path: "\(path).project", message: "is the OpenAI-Project header of openai providers only"))
        }
        var seen: Set<String> = []
        for field in headers {
            if let problem = ProviderHeaderRules.nameProblem(field.name, kind: kind) {
                problems.append(.init(path: "\(path).headers", message: problem))
                continue
            }
            if !seen.insert(field.name.lowercased()).inserted {
                problems.append(.init(path: "\(path).headers.\(field.name)", message: "is given twice"))
            }
            if let problem = ProviderHeaderRules.valueProblem(field.value) {
                problems.append(.init(path: "\(path).headers.\(field.name)", message: problem))
            }
        }
        if let file = apiKeyFile {
            if file.isEmpty {
                problems.append(.init(path: "\(path).api_key_file", message: "is empty"))
            } else if keyless {
                problems.append(.init(path: "\(path).api_key_file", message: "is set on a keyless provider; remove one of them"))
            }
        }
        return problems
    }

    /// The headers sent to this provider besides the adapter's own: `OpenAI-Organization`,
    /// `OpenAI-Project`, then ``headers`` with `env:VAR` values read from `environment` (surrounding
    /// whitespace stripped).
    ///
    /// - Throws: ``ConfigurationError`` naming each unset or empty variable and each value with CR, LF or
    ///   other control characters (the value itself is never quoted).
    public func resolvedHeaders(environment: [String: String]) throws(ConfigurationError) -> HTTPHeaderFields {
        var resolved = HTTPHeaderFields()
        var problems: [ConfigurationError.Problem] = []
        let path = "providers.\(name)"
        if kind == .openai {
            if let organization { resolved.add(name: "OpenAI-Organization", value: organization) }
            if let project { resolved.add(name: "OpenAI-Project", value: project) }
        }
        for field in headers {
            guard field.value.hasPrefix(ProviderHeaderRules.environmentPrefix) else {
                resolved.add(name: field.name, value: field.value)
                continue
            }
            let variable = String(field.value.dropFirst(ProviderHeaderRules.environmentPrefix.count))
            guard APIKeyValidator.isVariableName(variable) else {
                problems.append(.init(
                    path: "\(path).headers.\(field.name)",
                    message: "the value env:… does not name an environment variable (letters, digits and _)"))
                continue
            }
            guard let raw = environment[variable] else {
                problems.append(.init(
                    path: "\(path).headers.\(field.name)", message: "environment variable \(variable) is not set"))
                continue
            }
            let value = raw.trimmingASCIIWhitespace()
            if value.isEmpty {
                problems.append(.init(path: "\(path).headers.\(field.name)", message: "environment variable \(variable) is empty"))
            } else if let problem = ProviderHeaderRules.resolvedValueProblem(value) {
                problems.append(.init(
                    path: "\(path).headers.\(field.name)", message: "environment variable \(variable): \(problem)"))
            } else {
                resolved.add(name: field.name, value: value)
            }
        }
        if !problems.isEmpty { throw ConfigurationError(source: nil, problems: problems) }
        return resolved
    }
}

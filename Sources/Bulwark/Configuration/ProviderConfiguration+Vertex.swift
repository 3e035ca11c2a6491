import Foundation

extension ProviderConfiguration {
    /// The problems of the `vertex` keys (`project`, `location`, `credentials_file`, `access_token_env`)
    /// and of `safety_settings`, each as the key it concerns and what is wrong. The loader reports them
    /// with their line, ``BulwarkConfiguration/problems()`` without. A credentials file is read and
    /// checked here (named in the message, its key never shown).
    func googleCloudProblems() -> [(key: String, message: String)] {
        var problems: [(key: String, message: String)] = []
        var seen: Set<GeminiHarmCategory> = []
        for setting in safetySettings where !seen.insert(setting.category).inserted {
            problems.append(("safety_settings", "category \(setting.category.rawValue) is set twice"))
        }
        if !safetySettings.isEmpty, kind != .google, kind != .vertex {
            problems.append(("safety_settings", "only google and vertex providers take safety_settings"))
        }
        guard kind == .vertex else {
            for (key, value) in [("location", location), ("credentials_file", credentialsFile), ("access_token_env", accessTokenEnvironmentVariable)]
            where value != nil {
                problems.append((key, "only vertex providers take \(key)"))
            }
            return problems
        }
        if let project, !project.isEmpty {
            if !project.utf8.allSatisfy(Self.isProjectByte) {
                problems.append(("project", "is not a Google Cloud project id (lowercase letters, digits, -, . and :)"))
            }
        } else {
            problems.append(("project", "is required for vertex providers (the Google Cloud project id)"))
        }
        if let location, !location.isEmpty {
            if !location.utf8.allSatisfy(Self.isLocationByte) {
                problems.append(("location", "is not a Google Cloud location (such as europe-west4, us-central1 or global)"))
            }
        } else {
            problems.append(("location", "is required for vertex providers (a region such as europe-west4, or global)"))
        }
        if !apiKeyEnvironmentVariable.isEmpty {
            problems.append((
                "api_key_env", "vertex providers authenticate with OAuth2 access tokens: set credentials_file or access_token_env instead"
            ))
        }
        switch (credentialsFile, accessTokenEnvironmentVariable) {
        case (nil, nil):
            problems.append((
                "credentials_file",
                "vertex providers need credentials_file (a service-account key file) or access_token_env (a variable holding an access token)"
            ))
        case (.some, .some):
            problems.append(("credentials_file", "set credentials_file or access_token_env, not both"))
        case (let file?, nil):
            do {
                _ = try ServiceAccountKey.load(path: file)
            } catch {
                problems.append(("credentials_file", error.description))
            }
        case (nil, let variable?):
            if !APIKeyValidator.isVariableName(variable) {
                problems.append((
                    "access_token_env",
                    "is not an environment variable name (letters, digits and _); put the token in a variable and name that variable"
                ))
            }
        }
        return problems
    }

    private static func isProjectByte(_ byte: UInt8) -> Bool {
        isLocationByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    private static func isLocationByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-")
    }
}

extension APIKeyValidator {
    /// The access token of a `vertex` provider with `access_token_env`, stripped of surrounding
    /// whitespace; `nil` (with a problem) when the variable is unset or empty, and `nil` without one for a
    /// provider using `credentials_file`, whose tokens come from the token endpoint.
    static func vertexAccessToken(
        for provider: ProviderConfiguration, environment: [String: String], problems: inout [ConfigurationError.Problem]
    ) -> APIKey? {
        guard let variable = provider.accessTokenEnvironmentVariable, isVariableName(variable) else { return nil }
        let path = "providers.\(provider.name).access_token_env"
        guard let raw = environment[variable] else {
            problems.append(.init(path: path, message: "environment variable \(variable) is not set"))
            return nil
        }
        let token = raw.trimmingASCIIWhitespace()
        guard !token.isEmpty else {
            problems.append(.init(path: path, message: "environment variable \(variable) is empty"))
            return nil
        }
        if token.unicodeScalars.contains(where: { $0.properties.isWhitespace }) {
            problems.append(.init(path: path, message: "the access token in \(variable) contains whitespace"))
            return nil
        }
        return APIKey(token)
    }
}

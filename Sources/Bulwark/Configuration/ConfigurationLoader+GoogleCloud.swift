import Yams

extension NodeReader {
    /// The provider keys of Gemini on Vertex AI and of Gemini's safety settings.
    static let googleCloudKeys = ["project", "location", "credentials_file", "access_token_env", "safety_settings"]

    /// Reads `project`, `location`, `credentials_file`, `access_token_env` and `safety_settings` into
    /// `provider` and reports their problems with the line of the key (or of the entry when it is missing).
    mutating func readGoogleCloudKeys(_ entry: Node.Mapping, _ node: Node, _ path: String, into provider: inout ProviderConfiguration) {
        provider.project = string(entry, "project", path)
        provider.location = string(entry, "location", path)
        provider.credentialsFile = string(entry, "credentials_file", path)
        provider.accessTokenEnvironmentVariable = string(entry, "access_token_env", path)
        if let list = entry["safety_settings"] {
            provider.safetySettings = safetySettings(list, "\(path).safety_settings")
        }
        for problem in provider.googleCloudProblems() {
            self.problem("\(path).\(problem.key)", entry[problem.key] ?? node, problem.message)
        }
    }

    /// `safety_settings: [{category: HARM_CATEGORY_…, threshold: BLOCK_…}]`; every unknown category or
    /// threshold is reported, naming the ones Gemini knows.
    mutating func safetySettings(_ node: Node, _ path: String) -> [GeminiSafetySetting] {
        let expected = "expected a list of {category: HARM_CATEGORY_…, threshold: BLOCK_…}"
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" { return [] }
        guard let sequence = node.sequence else {
            problem(path, node, expected)
            return []
        }
        var settings: [GeminiSafetySetting] = []
        for (index, item) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard item.mapping != nil, let map = mapping(item, itemPath, allowed: ["category", "threshold"]) else {
                problem(itemPath, item, "expected {category: HARM_CATEGORY_…, threshold: BLOCK_…}")
                continue
            }
            let category = value(
                GeminiHarmCategory.self, string(map, "category", itemPath), map["category"] ?? item, "\(itemPath).category")
            let threshold = value(
                GeminiHarmBlockThreshold.self, string(map, "threshold", itemPath), map["threshold"] ?? item,
                "\(itemPath).threshold")
            if let category, let threshold { settings.append(GeminiSafetySetting(category: category, threshold: threshold)) }
        }
        return settings
    }

    private mutating func value<Value: RawRepresentable & CaseIterable>(
        _ type: Value.Type, _ text: String?, _ node: Node, _ path: String
    ) -> Value? where Value.RawValue == String {
        guard let text, !text.isEmpty else {
            problem(path, node, "is required")
            return nil
        }
        if let value = Value(rawValue: text) { return value }
        let known = Value.allCases.map(\.rawValue).joined(separator: ", ")
        problem(path, node, "unknown value \"\(text.prefix(60))\"; expected one of: \(known)")
        return nil
    }
}

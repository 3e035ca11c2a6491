import BulwarkCore
import Yams

/// `api_key_file`, `organization`, `project` and `headers` of a provider entry.
struct ProviderExtras {
    var apiKeyFile: String?
    var organization: String?
    var project: String?
    var headers = HTTPHeaderFields()
}

extension NodeReader {
    /// Reads the entry's key file, organization, project and extra headers, reporting each problem with
    /// its line; only valid values are kept, so ``BulwarkConfiguration/problems()`` does not repeat them.
    mutating func providerExtras(_ entry: Node.Mapping, path: String, kind: ProviderKind?, keyless: Bool) -> ProviderExtras {
        var extras = ProviderExtras()
        if let file = string(entry, "api_key_file", path) {
            let node = entry["api_key_file"]
            if file.isEmpty {
                problem("\(path).api_key_file", node, "is empty")
            } else if entry["api_key_env"] != nil {
                problem("\(path).api_key_file", node, "give either api_key_env or api_key_file, not both")
            } else if keyless {
                problem("\(path).api_key_file", node, "is set on a keyless provider; remove one of them")
            } else {
                extras.apiKeyFile = file
            }
        }
        for key in ["organization", "project"] {
            guard let value = string(entry, key, path) else { continue }
            let node = entry[key]
            if value.isEmpty {
                problem("\(path).\(key)", node, "is empty")
            } else if let problem = ProviderHeaderRules.resolvedValueProblem(value) {
                self.problem("\(path).\(key)", node, problem)
            } else if key == "organization", let kind, kind != .openai {
                problem("\(path).organization", node, "is the OpenAI-Organization header of openai providers only")
            } else if key == "project", kind == .anthropic || kind == .google {
                problem("\(path).project", node, "is the OpenAI-Project header of openai providers only")
            } else if key == "organization" {
                extras.organization = value
            } else {
                extras.project = value
            }
        }
        if let node = entry["headers"] {
            extras.headers = headers(node, path: "\(path).headers", kind: kind)
        }
        return extras
    }

    /// The `headers:` mapping, in file order; names and values are checked, values never quoted.
    private mutating func headers(_ node: Node, path: String, kind: ProviderKind?) -> HTTPHeaderFields {
        guard let mapping = node.mapping else {
            problem(path, node, "expected a mapping of header names to values")
            return [:]
        }
        var headers = HTTPHeaderFields()
        var seen: Set<String> = []
        for (key, value) in mapping {
            guard case .scalar(let name) = key else {
                problem(path, key, "expected a header name")
                continue
            }
            if let problem = ProviderHeaderRules.nameProblem(name.string, kind: kind ?? .google) {
                self.problem(path, key, problem)
                continue
            }
            let fieldPath = "\(path).\(name.string)"
            guard case .scalar(let scalar) = value else {
                problem(fieldPath, value, "expected a string value")
                continue
            }
            if !seen.insert(name.string.lowercased()).inserted {
                problem(fieldPath, key, "is given twice")
                continue
            }
            if let problem = ProviderHeaderRules.valueProblem(scalar.string) {
                self.problem(fieldPath, value, problem)
                continue
            }
            headers.add(name: name.string, value: scalar.string)
        }
        return headers
    }
}

extension ConfigurationError {
    /// These problems with their lines in `yaml` filled in where a path names a provider's key
    /// (`providers.openai.api_key_file`, `providers.openai.headers.X-Title`), as the key and credential
    /// checks report them; a key absent from the file (a default `api_key_env`) gets the provider's line.
    public func locating(in yaml: String) -> ConfigurationError {
        guard let root = try? Yams.compose(yaml: yaml), let providers = root.mapping?["providers"]?.sequence else { return self }
        var lines: [String: Int] = [:]
        for entry in providers {
            guard let mapping = entry.mapping, let name = mapping["name"]?.string else { continue }
            let base = "providers.\(name)"
            lines[base] = entry.mark?.line
            for (key, value) in mapping {
                guard let keyName = key.string else { continue }
                lines["\(base).\(keyName)"] = key.mark?.line
                guard keyName == "headers", let headers = value.mapping else { continue }
                for (header, _) in headers {
                    if let headerName = header.string { lines["\(base).headers.\(headerName)"] = header.mark?.line }
                }
            }
        }
        var located = self
        for index in located.problems.indices where located.problems[index].line == nil {
            let path = located.problems[index].path
            let provider = path.split(separator: ".").prefix(2).joined(separator: ".")
            located.problems[index].line = lines[path] ?? lines[provider]
        }
        return located
    }
}

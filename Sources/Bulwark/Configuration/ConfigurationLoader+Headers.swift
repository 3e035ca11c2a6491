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

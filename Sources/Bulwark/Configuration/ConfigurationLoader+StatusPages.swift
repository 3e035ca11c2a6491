import Foundation
import Yams

extension NodeReader {
    /// Most status pages one exporter polls (the registry keeps 32 provider label values).
    static let maxStatusPages = 32

    /// `exporter.status_pages`: `{provider: URL}`, each URL http(s) with a host.
    mutating func statusPages(_ node: Node?) -> [String: String] {
        let path = "exporter.status_pages"
        guard let node else { return [:] }
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" { return [:] }
        guard let mapping = node.mapping else {
            problem(path, node, "expected a mapping of provider name to the URL of its status page's summary.json")
            return [:]
        }
        if mapping.count > Self.maxStatusPages {
            problem(path, node, "at most \(Self.maxStatusPages) status pages, got \(mapping.count)")
            return [:]
        }
        var pages: [String: String] = [:]
        for (key, value) in mapping {
            guard let provider = key.string, !provider.isEmpty, provider.count <= 64 else {
                problem(path, key, "a provider name must be a non-empty string of at most 64 characters")
                continue
            }
            guard let text = string(mapping, provider, path) else { continue }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host?.isEmpty == false
            else {
                problem("\(path).\(provider)", value, "expected an http(s) URL such as https://status.openai.com/api/v2/summary.json, got \"\(text.prefix(100))\"")
                continue
            }
            pages[provider] = text
        }
        return pages
    }
}

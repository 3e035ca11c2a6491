/// The wire protocol a provider speaks.
public enum ProviderKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// OpenAI Chat Completions (and compatible servers).
    case openai
    /// Anthropic Messages.
    case anthropic
    /// Google Gemini API (`generateContent`).
    case google
    /// Gemini on Vertex AI: the Gemini API's bodies under a Google Cloud project and location, with
    /// OAuth2 access tokens instead of an API key.
    case vertex
}

/// Where and how to reach one configured provider.
public struct ProviderEndpoint: Sendable, Hashable {
    /// Configured name (`openai`, `anthropic`, `google`, or the user's own name); the `provider` label.
    public var name: String
    /// Wire protocol.
    public var kind: ProviderKind
    /// Base URL. OpenAI: up to and including `/v1` (a bare host gets `/v1`); Anthropic: the host
    /// (a trailing `/v1` is tolerated); Gemini: the host, or the host with a version segment
    /// (`…/v1beta`, `…/v1`), which then wins over ``geminiAPIVersion``.
    public var baseURL: String
    /// Model requested unless ``ChatRequest/model`` overrides it.
    public var model: String
    /// Gemini API version path segment, used when ``baseURL`` has none.
    public var geminiAPIVersion: String
    /// Value of the `anthropic-version` header.
    public var anthropicVersion: String
    /// Extra request headers (`OpenAI-Organization`, `anthropic-beta`, …), sent after the adapter's own.
    public var extraHeaders: HTTPHeaderFields
    /// Vertex AI: the Google Cloud project in the request path.
    public var vertexProject: String?
    /// Vertex AI: the location (`europe-west4`, `global`) in the request path, which also picks the host
    /// unless ``baseURL`` overrides it (see ``vertexRoot``).
    public var vertexLocation: String?
    /// Gemini and Vertex AI: the `safetySettings` sent with every request (none: the model's defaults).
    public var safetySettings: [GeminiSafetySetting]

    /// Gemini's default API version path segment.
    public static let defaultGeminiAPIVersion = "v1beta"
    /// The documented `anthropic-version`.
    public static let defaultAnthropicVersion = "2023-06-01"

    /// The public base URL of each provider.
    public static func defaultBaseURL(for kind: ProviderKind) -> String {
        switch kind {
        case .openai: return "https://api.openai.com/v1"
        case .anthropic: return "https://api.anthropic.com"
        case .google: return "https://generativelanguage.googleapis.com"
        case .vertex: return vertexGlobalHost
        }
    }

    /// Creates an endpoint; `baseURL` defaults to the provider's public API and `name` to the kind.
    public init(
        name: String? = nil,
        kind: ProviderKind,
        baseURL: String? = nil,
        model: String,
        geminiAPIVersion: String = ProviderEndpoint.defaultGeminiAPIVersion,
        anthropicVersion: String = ProviderEndpoint.defaultAnthropicVersion,
        extraHeaders: HTTPHeaderFields = [:],
        vertexProject: String? = nil,
        vertexLocation: String? = nil,
        safetySettings: [GeminiSafetySetting] = []
    ) {
        self.name = name ?? kind.rawValue
        self.kind = kind
        self.baseURL = baseURL ?? Self.defaultBaseURL(for: kind)
        self.model = model
        self.geminiAPIVersion = geminiAPIVersion
        self.anthropicVersion = anthropicVersion
        self.extraHeaders = extraHeaders
        self.vertexProject = vertexProject
        self.vertexLocation = vertexLocation
        self.safetySettings = safetySettings
    }

    /// The adapter for this endpoint's ``kind``.
    public func makeAdapter() -> any ProviderAdapter {
        switch kind {
        case .openai: return OpenAIAdapter(endpoint: self)
        case .anthropic: return AnthropicAdapter(endpoint: self)
        case .google, .vertex: return GeminiAdapter(endpoint: self)
        }
    }

    /// ``baseURL`` without trailing slashes.
    var trimmedBaseURL: String {
        var url = Substring(baseURL.trimmingASCIIWhitespace())
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let range = HeaderValueBytes.trimmedRange(utf8.span)
        if range.count == utf8.count { return self }
        return String(decoding: utf8.dropFirst(range.lowerBound).prefix(range.count), as: UTF8.self)
    }

    /// The path part of an absolute URL (`""` for `https://host`).
    var urlPath: Substring {
        guard let schemeEnd = range(of: "://") else { return Substring(self) }
        let afterScheme = self[schemeEnd.upperBound...]
        guard let slash = afterScheme.firstIndex(of: "/") else { return "" }
        let path = afterScheme[slash...]
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { return path[..<query] }
        return path
    }
}

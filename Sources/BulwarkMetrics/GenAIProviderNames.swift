import BulwarkCore

/// Maps Bulwark's configured provider names to the `gen_ai.provider.name` values of the OpenTelemetry GenAI
/// semantic conventions.
///
/// An ``APICallMetric`` carries the configured name only (`openai`, `anthropic`, `google`, or a name of the
/// user's own such as `openai-eu`), so names that are not well known must be mapped by their provider kind
/// when the recorder is created, for example from the client's configuration:
///
/// ```swift
/// let names = GenAIProviderNames(["openai-eu": "openai", "claude": "anthropic", "gemini-eu": "vertex"])
/// ```
///
/// Gemini through the Gemini API (kind `google`) is `gcp.gemini`; Gemini on Vertex AI (kind `vertex`) is
/// `gcp.vertex_ai`.
public struct GenAIProviderNames: Sendable, Hashable {
    /// The explicit mapping, configured name → OTel provider name; it wins over the well-known names.
    public var mapping: [String: String]

    /// The conventions' names for Bulwark's well-known provider names and kinds.
    public static let wellKnown: [String: String] = GenAIProviderName.wellKnown

    /// Creates a mapping; `mapping` values may themselves be kinds (`google` becomes `gcp.gemini`).
    public init(_ mapping: [String: String] = [:]) {
        self.mapping = mapping
    }

    /// The OTel name of `provider`: the explicit mapping (translated when it names a kind), else the
    /// well-known name, else the configured name unchanged.
    public func otelName(for provider: String) -> String {
        if let mapped = mapping[provider] { return Self.wellKnown[mapped] ?? mapped }
        return Self.wellKnown[provider] ?? provider
    }
}

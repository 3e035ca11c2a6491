/// The `gen_ai.provider.name` values of the OpenTelemetry GenAI semantic conventions, shared by the client's
/// spans and the swift-metrics recorder so that both name a provider alike.
public enum GenAIProviderName {
    /// The conventions' names for Bulwark's well-known provider names and kinds.
    public static let wellKnown: [String: String] = [
        "openai": "openai",
        "anthropic": "anthropic",
        "google": "gcp.gemini",
        "gemini": "gcp.gemini",
        "vertex": "gcp.vertex_ai",
        "vertex_ai": "gcp.vertex_ai",
    ]

    /// The conventions' name for a provider kind or well-known name (`google` → `gcp.gemini`); other names
    /// unchanged.
    public static func forKind(_ kind: String) -> String {
        wellKnown[kind] ?? kind
    }
}

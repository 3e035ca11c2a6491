/// How one logical request may be treated when every provider is down: cacheable, priority, deadline.
public typealias RequestOptions = DegradedRequestOptions

/// A successful answer and how it was obtained.
public struct ResilientResponse: Sendable {
    /// The provider's answer.
    public var result: ChatResult
    /// The configured name of the provider that answered.
    public var provider: String
    /// Attempts made across all providers, this one included.
    public var attempts: Int
    /// The answer came from a provider other than the first one tried.
    public var usedFallback: Bool
    /// The answer came from the degraded-mode cache, not from a provider.
    public var fromCache: Bool
    /// The logical request id shared by this request's events.
    public var requestID: String
}

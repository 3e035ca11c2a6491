extension ProviderEndpoint {
    /// Vertex AI's global host, the default ``baseURL`` of `vertex` endpoints.
    public static let vertexGlobalHost = "https://aiplatform.googleapis.com"
    /// Vertex AI's default API version path segment.
    public static let defaultVertexAPIVersion = "v1"

    /// The host of a Vertex AI location: `https://{location}-aiplatform.googleapis.com`, or
    /// ``vertexGlobalHost`` for `global`.
    public static func vertexHost(location: String) -> String {
        location.isEmpty || location == "global" ? vertexGlobalHost : "https://\(location)-aiplatform.googleapis.com"
    }

    /// What a `vertex` endpoint's paths go under: ``baseURL`` when it was set to anything but the default
    /// (a proxy, the simulator), else the host of ``vertexLocation``.
    public var vertexRoot: String {
        let base = trimmedBaseURL
        if base == Self.vertexGlobalHost, let vertexLocation { return Self.vertexHost(location: vertexLocation) }
        return base
    }
}

/// Where a provider is reached: the `server.address` and `server.port` attributes of the GenAI metrics.
public struct ServerAddress: Sendable, Hashable {
    /// Host name or IP address (`api.openai.com`).
    public var host: String
    /// TCP port, when known.
    public var port: Int?

    /// Creates an address.
    public init(host: String, port: Int? = nil) {
        self.host = host
        self.port = port
    }
}

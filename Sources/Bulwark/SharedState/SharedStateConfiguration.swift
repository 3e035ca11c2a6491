/// `shared_state:` — the store that replicas share their rate-limit budget and breaker state through.
public struct SharedStateConfiguration: Sendable, Equatable {
    /// `redis://[user:password@]host:port/db`.
    public var redisURL: String
    /// Prefix of every key the client writes (`bulwark:`), so several deployments can share one Redis.
    public var keyPrefix: String
    /// Bound on each operation, in milliseconds; past it the replica uses its local state.
    public var timeoutMs: Int

    /// Creates a configuration.
    public init(redisURL: String, keyPrefix: String = "bulwark:", timeoutMs: Int = 20) {
        self.redisURL = redisURL
        self.keyPrefix = keyPrefix
        self.timeoutMs = timeoutMs
    }
}

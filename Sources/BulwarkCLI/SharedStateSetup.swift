import Bulwark
import BulwarkRedis

/// Builds the Redis store of `shared_state:` for the commands that create a client.
enum SharedStateSetup {
    /// The store, or `nil` when the configuration has no `shared_state`; throws a message (never the
    /// password) for a malformed or `rediss://` URL.
    static func store(for settings: BulwarkConfiguration) throws(RedisError) -> RedisSharedStateStore? {
        guard let shared = settings.sharedState else { return nil }
        return try RedisSharedStateStore(configuration: shared)
    }
}

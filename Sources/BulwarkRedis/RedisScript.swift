import Synchronization

/// A Lua script run with `EVALSHA`; its SHA-1 comes from `SCRIPT LOAD`, which is repeated when the server
/// answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
public final class RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    private let sha = Mutex<String?>(nil)

    /// Creates a script.
    public init(_ source: String) {
        self.source = source
    }

    /// Runs the script on `connection` (on a worker's thread).
    func run(on connection: RedisConnection, keys: [String], arguments: [String]) throws(RedisError) -> RedisReply {
        let tail = [String(keys.count)] + keys + arguments
        if let known = sha.withLock({ $0 }) {
            let reply = try connection.command(["EVALSHA", known] + tail)
            guard case .error(let message) = reply, message.hasPrefix("NOSCRIPT") else { return reply }
        }
        let loaded = try connection.command(["SCRIPT", "LOAD", source])
        guard let digest = loaded.text else {
            if case .error(let message) = loaded { throw RedisError(.reply, "SCRIPT LOAD: \(message)") }
            throw RedisError(.reply, "SCRIPT LOAD answered no digest")
        }
        sha.withLock { $0 = digest }
        return try connection.command(["EVALSHA", digest] + tail)
    }
}

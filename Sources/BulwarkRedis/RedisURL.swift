/// Where the Redis server is and how to log in: `redis://[user:password@]host:port/db`.
///
/// `rediss://` (TLS) is refused: Debian's hiredis 0.14 has no TLS support. The password is kept out of
/// ``description``.
public struct RedisURL: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// TCP port (6379 when the URL names none).
    public var port: Int
    /// ACL user name (`AUTH user password`), or `nil` for `AUTH password`.
    public var user: String?
    /// Password, or `nil` for no `AUTH`.
    public var password: String?
    /// Database number selected with `SELECT` (0 when the URL names none).
    public var database: Int

    /// Parses `text`; throws ``RedisError`` with a message that never repeats the password.
    public init(parsing text: String) throws(RedisError) {
        let schemeEnd = text.range(of: "://")
        guard let schemeEnd else { throw RedisError(.configuration, "redis_url must start with redis://") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        if scheme == "rediss" {
            throw RedisError(
                .configuration,
                "rediss:// (TLS) is not supported: the system hiredis (0.14) has no TLS; use redis:// on a trusted network or a TLS tunnel")
        }
        guard scheme == "redis" else { throw RedisError(.configuration, "redis_url scheme must be redis://, not \(scheme)://") }
        var rest = Substring(text[schemeEnd.upperBound...])
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let name = String(credentials[..<colon])
                user = name.isEmpty ? nil : Self.percentDecoded(name)
                password = Self.percentDecoded(String(credentials[credentials.index(after: colon)...]))
            } else if !credentials.isEmpty {
                password = Self.percentDecoded(String(credentials))
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else {
                    throw RedisError(.configuration, "redis_url database must be a number, got \"\(path)\"")
                }
                database = number
            }
        }
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = String(rest[..<colon])
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(number) else {
                throw RedisError(.configuration, "redis_url port must be 1…65535")
            }
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw RedisError(.configuration, "redis_url names no host") }
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        let credentials: String
        switch (user, password) {
        case (let user?, _?): credentials = "\(user):***@"
        case (nil, _?): credentials = ":***@"
        case (let user?, nil): credentials = "\(user)@"
        case (nil, nil): credentials = ""
        }
        return "redis://\(credentials)\(host):\(port)/\(database)"
    }

    private static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

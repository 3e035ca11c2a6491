import CHiredis

/// One hiredis connection, used by one thread only (the worker that owns it): blocking I/O, bounded by
/// socket timeouts, never on the cooperative pool.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>
    private var currentTimeoutMs = -1

    /// Connects within `timeoutMs`, then logs in (`AUTH`) and selects the database.
    init(url: RedisURL, timeoutMs: Int) throws(RedisError) {
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), bulwark_redis_timeval(timeoutMs)) else {
            throw RedisError(.connection, "cannot allocate a hiredis context")
        }
        // From here a throw runs `deinit`, which frees the context.
        self.context = context
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            throw RedisError(.unavailable, "connect to \(url.host):\(url.port): \(message)")
        }
        try setTimeout(milliseconds: timeoutMs)
        if let password = url.password {
            let reply = try command(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password])
            if case .error = reply {
                // The server's message never contains the password, but say nothing more than needed.
                throw RedisError(.configuration, "AUTH refused by \(url.host):\(url.port)")
            }
        }
        if url.database != 0 {
            if case .error(let message) = try command(["SELECT", String(url.database)]) {
                throw RedisError(.configuration, "SELECT \(url.database): \(message)")
            }
        }
    }

    deinit { redisFree(context) }

    /// Bounds the next reads and writes (no-op when unchanged).
    func setTimeout(milliseconds: Int) throws(RedisError) {
        let milliseconds = max(1, milliseconds)
        guard milliseconds != currentTimeoutMs else { return }
        guard redisSetTimeout(context, bulwark_redis_timeval(milliseconds)) == REDIS_OK else {
            throw RedisError(.connection, "cannot set the socket timeout: \(Self.errorText(context))")
        }
        currentTimeoutMs = milliseconds
    }

    /// Sends one command and reads its reply. A thrown error leaves the connection unusable.
    func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        let raw: UnsafeMutableRawPointer? = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else {
            let message = Self.errorText(context)
            let timedOut = context.pointee.err == REDIS_ERR_IO && message.contains("temporarily unavailable")
                || message.lowercased().contains("timed out")
            throw RedisError(timedOut ? .timeout : .connection, message)
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.convert(reply)
    }

    private static func withArgv<R>(
        _ arguments: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        let buffers = arguments.map { Array($0.utf8) }
        let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(1, buffers.count))
        defer { pointers.deallocate() }
        var storage: [UnsafeMutablePointer<CChar>] = []
        storage.reserveCapacity(buffers.count)
        defer { storage.forEach { $0.deallocate() } }
        for (index, bytes) in buffers.enumerated() {
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { copy.update(from: base, count: bytes.count) }
                }
            }
            storage.append(copy)
            pointers[index] = UnsafePointer(copy)
        }
        let lengths = buffers.map(\.count)
        return lengths.withUnsafeBufferPointer { lengths in
            body(Int32(buffers.count), pointers, lengths.baseAddress!)
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .string(bytes(value.str, count: value.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(value.str, count: value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(value.str, count: value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(value.integer)
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] { elements.append(convert(element)) } else { elements.append(.null) }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

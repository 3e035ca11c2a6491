public import Bulwark

/// ``SharedStateStore`` on Redis: one rate-limit budget (a sliding 60 s window of requests and tokens,
/// concurrency as expiring leases) and one circuit breaker per provider for every replica that uses the
/// same Redis and key prefix. Each call is one `EVALSHA` of a Lua script (``SharedStateScripts``), bounded
/// by the client's `timeout_ms`.
public final class RedisSharedStateStore: SharedStateStore {
    /// The connection pool.
    public let client: RedisClient
    /// The prefix of every key.
    public let keyPrefix: String
    /// The sliding window, in milliseconds.
    let windowMs: Int

    /// Creates a store over `client`.
    public init(client: RedisClient, keyPrefix: String = "bulwark:", windowSeconds: Double = 60) {
        self.client = client
        self.keyPrefix = keyPrefix
        windowMs = Int((windowSeconds * 1000).rounded())
    }

    /// Creates a store from `shared_state:`; throws ``RedisError`` for a malformed or `rediss://` URL.
    public convenience init(configuration: SharedStateConfiguration, connections: Int = 2) throws(RedisError) {
        let url = try RedisURL(parsing: configuration.redisURL)
        self.init(
            client: RedisClient(url: url, timeoutMs: configuration.timeoutMs, connections: connections),
            keyPrefix: configuration.keyPrefix)
    }

    public func admit(_ request: SharedAdmissionRequest) async throws -> SharedAdmission {
        let limits = request.limits
        let tokens = max(0, request.estimatedTokens)
        let keys = ["req", "tok", "toksum", "conc", "cb", "trials", "pvreq", "pvtok", "seq", "outage"].map { key(request.provider, $0) }
        let arguments = [
            limits.requestsPerMinute ?? 0, limits.tokensPerMinute ?? 0, limits.maxConcurrent ?? 0, tokens,
            Int(request.leaseSeconds * 1000), max(1, request.halfOpenMaxCalls), windowMs,
            Int(request.outageWindowSeconds * 1000),
        ].map(String.init)
        let reply = try await client.run(SharedStateScripts.admit, keys: keys, arguments: arguments)
        guard let values = reply.elements?.compactMap(\.integer), let code = values.first else {
            throw RedisError(.reply, "admit: unexpected reply \(reply)")
        }
        switch code {
        case 0 where values.count >= 5:
            return .granted(SharedGrant(
                id: values[1], estimatedTokens: tokens, isTrial: values[2] == 1, holdsLease: values[3] == 1,
                reservedTokens: (limits.tokensPerMinute ?? 0) > 0, outageFailures: Int(values[4])))
        case 1 where values.count >= 3:
            let reason: RateLimitReason
            switch values[2] {
            case 1: reason = .requestsPerMinute
            case 2: reason = .tokensPerMinute
            case 3: reason = .providerReported(.requests)
            default: reason = .providerReported(.tokens)
            }
            return .wait(seconds: Double(values[1]) / 1000, reason: reason)
        case 2 where values.count >= 2:
            return .circuitOpen(
                retryAfter: values[1] < 0 ? nil : Double(values[1]) / 1000, outageFailures: values.count > 2 ? Int(values[2]) : 0)
        case 3:
            return .concurrencyLimited
        default:
            throw RedisError(.reply, "admit: unexpected reply \(reply)")
        }
    }

    public func complete(_ completion: SharedCompletion) async throws {
        let provider = completion.provider
        let trial: Int
        switch completion.trial {
        case .none: trial = 0
        case .succeeded: trial = 1
        case .failed: trial = 2
        }
        let actual = completion.grant.reservedTokens ? (completion.actualTokens ?? -1) : -1
        let outage: Int
        switch completion.outage {
        case .none: outage = 0
        case .failed: outage = 1
        case .succeeded: outage = 2
        }
        try check(await client.run(
            SharedStateScripts.complete, keys: ["tok", "toksum", "conc", "cb", "trials", "outage"].map { key(provider, $0) },
            arguments: [
                String(completion.grant.id), String(completion.grant.estimatedTokens), String(actual), String(trial),
                String(completion.successThreshold), String(Int(completion.recoverySeconds * 1000)), String(outage),
                String(Int(completion.outageWindowSeconds * 1000)),
            ]))
    }

    public func publishCircuit(provider: String, open: Bool, recoverySeconds: Double) async throws {
        try check(await client.run(
            SharedStateScripts.circuit, keys: [key(provider, "cb"), key(provider, "trials")],
            arguments: [open ? "1" : "0", String(Int(recoverySeconds * 1000))]))
    }

    public func publishProviderLimits(_ limits: SharedProviderLimits) async throws {
        func milliseconds(_ seconds: Double) -> String { String(Int((seconds * 1000).rounded(.up))) }
        try check(await client.run(
            SharedStateScripts.limits, keys: [key(limits.provider, "pvreq"), key(limits.provider, "pvtok")],
            arguments: [
                String(limits.requestsRemaining ?? -1), milliseconds(limits.requestsResetAfter),
                String(limits.tokensRemaining ?? -1), milliseconds(limits.tokensResetAfter),
            ]))
    }

    /// Stops the connection threads.
    public func shutdown() { client.shutdown() }

    /// `bulwark:{openai}:req`: the provider is the hash tag, so one script's keys share a cluster slot.
    func key(_ provider: String, _ name: String) -> String { "\(keyPrefix){\(provider)}:\(name)" }

    private func check(_ reply: RedisReply) throws {
        if case .error(let message) = reply { throw RedisError(.reply, message) }
    }
}

public import Foundation

/// Access tokens for a service account: a JWT signed with its key (RS256) is exchanged at its
/// `token_uri`; the token is cached and refreshed `refreshMargin` before it expires, by one exchange at
/// a time however many requests need it. While a refresh fails, a cached token that has not expired yet
/// is still used; once none is left, the failure is an error naming the key file and the reason, and
/// that error is given again without a new exchange for `failureCooldown` seconds, so that a refused key
/// costs the token endpoint one request per cooldown however much traffic there is. A cached token the
/// provider refused (``tokenRejected(_:)``) is dropped, so the next request exchanges for a new one.
public actor ServiceAccountTokenSource: AccessTokenSource {
    private struct Token {
        var value: String
        var expires: Date
    }

    private let key: ServiceAccountKey
    private let file: String
    private let transport: any HTTPTransport
    private let now: @Sendable () -> Date
    private let refreshMargin: TimeInterval
    private var cached: Token?
    private var refreshing: Task<Token, any Error>?
    private let failureCooldown: TimeInterval
    /// The last failed refresh and until when it is given again instead of a new exchange.
    private var lastFailure: (error: VertexCredentialError, until: Date)?

    /// Longest wait for the token endpoint.
    static let exchangeTimeout = Duration.seconds(10)

    /// A source for `key`, read from `file` (named in errors), exchanging over `transport`.
    public init(
        key: ServiceAccountKey, file: String, transport: any HTTPTransport, refreshMargin: TimeInterval = 300,
        failureCooldown: TimeInterval = 5, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.failureCooldown = failureCooldown
        self.key = key
        self.file = file
        self.transport = transport
        self.refreshMargin = refreshMargin
        self.now = now
    }

    public func accessToken() async throws(VertexCredentialError) -> String {
        let current = now()
        if let cached, cached.expires.timeIntervalSince(current) > refreshMargin { return cached.value }
        if let lastFailure, current < lastFailure.until {
            if let cached, cached.expires > current { return cached.value }
            throw lastFailure.error
        }
        let task: Task<Token, any Error>
        if let refreshing {
            task = refreshing
        } else {
            let exchange = self.exchange
            task = Task { try await exchange() }
            refreshing = task
        }
        do {
            let token = try await task.value
            cached = token
            refreshing = nil
            lastFailure = nil
            return token.value
        } catch {
            refreshing = nil
            let failure = error as? VertexCredentialError ?? VertexCredentialError(source: file, reason: "token refresh failed: \(error)")
            let failedAt = now()
            lastFailure = (failure, failedAt.addingTimeInterval(failureCooldown))
            if let cached, cached.expires > failedAt { return cached.value }
            throw failure
        }
    }

    public func tokenRejected(_ token: String) {
        if cached?.value == token { cached = nil }
    }

    /// One JWT-bearer exchange (RFC 7523) at the key's `token_uri`.
    private func exchange() async throws -> Token {
        let issued = now()
        let assertion = try ServiceAccountJWT.assertion(for: key, now: issued)
        let body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion
        let request = ProviderHTTPRequest(
            method: "POST", url: key.tokenURI,
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
            body: Array(body.utf8), expectsEventStream: false)
        let response: TransportResponse
        let bytes: [UInt8]
        do {
            response = try await transport.send(request, timeouts: TransportTimeouts(request: Self.exchangeTimeout))
            bytes = try await response.body.collect(upTo: 64 << 10)
        } catch {
            throw VertexCredentialError(source: file, reason: "token exchange at \(key.tokenURI) failed: \(error.message)")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        guard response.status == 200 else {
            let detail = [object["error"] as? String, object["error_description"] as? String].compactMap { $0 }
                .joined(separator: ": ")
            throw VertexCredentialError(
                source: file,
                reason: "token exchange at \(key.tokenURI) refused: HTTP \(response.status)\(detail.isEmpty ? "" : " \(detail.prefix(120))")")
        }
        guard let token = object["access_token"] as? String, !token.isEmpty else {
            throw VertexCredentialError(source: file, reason: "the token endpoint's answer has no access_token")
        }
        let lifetime = (object["expires_in"] as? NSNumber)?.doubleValue ?? 3_600
        return Token(value: token, expires: issued.addingTimeInterval(max(0, lifetime)))
    }
}

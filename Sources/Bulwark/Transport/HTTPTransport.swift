/// Sends provider requests over HTTP. The resilient client owns retries, timeouts and metrics; a
/// transport only moves bytes, so tests and benchmarks can swap it.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns once the response head has arrived; the body is read from
    /// ``TransportResponse/body``. Throws ``TransportError`` when no response arrives, of kind `timeout`
    /// when the head has not arrived within `timeouts.request` (the client bounds the body itself).
    func send(_ request: ProviderHTTPRequest, timeouts: TransportTimeouts) async throws(TransportError) -> TransportResponse
}

/// Time limits of one attempt.
public struct TransportTimeouts: Sendable, Hashable {
    /// Limit for establishing the connection.
    public var connect: Duration
    /// Limit for the response head to arrive (the client bounds the body itself; streams use a long one
    /// and their own first-token timer).
    public var request: Duration

    public init(connect: Duration = .seconds(10), request: Duration = .seconds(60)) {
        self.connect = connect
        self.request = request
    }
}

/// A response head with its body still to be read.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaderFields
    public var body: TransportBody

    public init(status: Int, headers: HTTPHeaderFields, body: TransportBody) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The body of a response as chunks of bytes, read once, in order.
public struct TransportBody: Sendable {
    private let nextChunk: @Sendable () async throws(TransportError) -> [UInt8]?

    /// A body read by calling `next` until it returns `nil`.
    public init(next: @escaping @Sendable () async throws(TransportError) -> [UInt8]?) {
        self.nextChunk = next
    }

    /// The next chunk, or `nil` at the end of the body.
    public func next() async throws(TransportError) -> [UInt8]? { try await nextChunk() }

    /// Reads the whole body, refusing more than `limit` bytes.
    public func collect(upTo limit: Int) async throws(TransportError) -> [UInt8] {
        var bytes: [UInt8] = []
        while let chunk = try await next() {
            // A body of one chunk (the usual answer) is that chunk, not a copy of it.
            if bytes.isEmpty { bytes = chunk } else { bytes.append(contentsOf: chunk) }
            if bytes.count > limit {
                throw TransportError(kind: .responseTooLarge, message: "response body larger than \(limit) bytes")
            }
        }
        return bytes
    }
}

/// Why no (complete) response arrived.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The connection could not be established or broke.
        case connection
        /// A time limit passed.
        case timeout
        /// The body exceeded the size limit.
        case responseTooLarge
        /// The request was cancelled by the caller.
        case cancelled
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

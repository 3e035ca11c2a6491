public import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// The production transport: AsyncHTTPClient with a pooled connection per host.
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient
    private let ownsClient: Bool
    private let isShutDown = Atomic<Bool>(false)

    /// Creates a transport with its own `HTTPClient` (shut down by ``shutdown()``).
    public init(connectTimeout: Duration = .seconds(10), maxConnectionsPerHost: Int = 64) {
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: Self.configuration(connectTimeout: connectTimeout, maxConnectionsPerHost: maxConnectionsPerHost))
        ownsClient = true
    }

    /// The configuration of the transport's own client: connect timeout, pool size, and decompression of
    /// gzip/deflate answers (at most 50 times the compressed size).
    public static func configuration(connectTimeout: Duration = .seconds(10), maxConnectionsPerHost: Int = 64)
        -> HTTPClient.Configuration
    {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .nanoseconds(nanoseconds(connectTimeout))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxConnectionsPerHost
        configuration.decompression = .enabled(limit: .ratio(50))
        return configuration
    }

    /// Uses an existing client, which the caller keeps and shuts down.
    public init(client: HTTPClient) {
        self.client = client
        ownsClient = false
    }

    /// Releases the client's connections; calling it again does nothing.
    public func shutdown() async {
        guard ownsClient, !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? await client.shutdown()
    }

    public func send(_ request: ProviderHTTPRequest, timeouts: TransportTimeouts) async throws(TransportError) -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        outgoing.headers.reserveCapacity(request.headers.fields.count)
        for field in request.headers { outgoing.headers.add(name: field.name, value: field.value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: .nanoseconds(Self.nanoseconds(timeouts.request)))
        } catch {
            throw Self.translate(error)
        }
        let headers = HTTPHeaderFields(response.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) })
        let iterator = BodyIterator(response.body)
        return TransportResponse(status: Int(response.status.code), headers: headers, body: TransportBody { () async throws(TransportError) -> [UInt8]? in
            try await iterator.next()
        })
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    static func translate(_ error: any Error) -> TransportError {
        if error is CancellationError { return TransportError(kind: .cancelled, message: "the request was cancelled") }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .connectTimeout: return TransportError(kind: .timeout, message: "connect timed out")
            case .deadlineExceeded, .readTimeout: return TransportError(kind: .timeout, message: "the request timed out")
            case .cancelled: return TransportError(kind: .cancelled, message: "the request was cancelled")
            default: return TransportError(kind: .connection, message: "HTTP client error: \(clientError)")
            }
        }
        return TransportError(kind: .connection, message: "connection error: \(error)")
    }
}

/// Holds AsyncHTTPClient's body iterator; a ``TransportBody`` has one consumer, which reads in order.
private final class BodyIterator: @unchecked Sendable {
    /// Kept as long as its iterator: with the sequence released early, reading a body's end had to wait in
    /// a fifth of the client benchmark's calls instead of one in a hundred (measured, cause not traced).
    private let body: HTTPClientResponse.Body
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ body: HTTPClientResponse.Body) {
        self.body = body
        self.iterator = body.makeAsyncIterator()
    }

    func next() async throws(TransportError) -> [UInt8]? {
        do {
            guard var buffer = try await iterator.next() else { return nil }
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw AsyncHTTPClientTransport.translate(error)
        }
    }
}

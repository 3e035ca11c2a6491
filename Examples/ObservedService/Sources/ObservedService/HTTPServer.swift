import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The service's HTTP/1.1 server on SwiftNIO: `POST /chat`, `GET /metrics`, `GET /healthz`. Each connection
/// is served by a task reading whole requests (bodies up to ``maxBodyBytes``) and answering them in order.
struct HTTPServer: Sendable {
    typealias Route = @Sendable (_ method: HTTPMethod, _ path: String, _ body: [UInt8]) async -> HTTPResponse

    static let maxBodyBytes = 64 * 1_024

    let host: String
    let port: Int
    let logger: Logger
    let route: Route

    /// Binds, calls `onListening` with the bound port, and serves until the process ends.
    func run(onListening: @Sendable (Int) -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        onListening(server.channel.localAddress?.port ?? port)
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                var tooLarge = false
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body.removeAll(keepingCapacity: true)
                        tooLarge = false
                    case .body(let buffer):
                        if body.count + buffer.readableBytes > Self.maxBodyBytes {
                            tooLarge = true
                        } else {
                            body.append(contentsOf: buffer.readableBytesView)
                        }
                    case .end:
                        guard let request = head else { continue }
                        let response = tooLarge
                            ? HTTPResponse.text(.payloadTooLarge, "body over \(Self.maxBodyBytes) bytes\n")
                            : await route(request.method, String(request.uri.split(separator: "?").first ?? ""), body)
                        try await write(response, keepAlive: request.isKeepAlive, version: request.version, to: outbound)
                        if !request.isKeepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func write(
        _ response: HTTPResponse, keepAlive: Bool, version: HTTPVersion,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        try await outbound.write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        try await outbound.write(.end(nil))
    }
}

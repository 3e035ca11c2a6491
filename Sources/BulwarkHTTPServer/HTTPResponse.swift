/// An HTTP response: status, header fields and a body held in memory or produced over time.
///
/// The server adds only what HTTP/1.1 framing needs (`Content-Length` or chunked
/// `Transfer-Encoding`, `Date`, and `Connection: close` while shutting down); everything else,
/// including `Content-Type`, comes from the handler.
public struct HTTPResponse: Sendable {
    /// Produces a streamed body by writing to the given writer; returning ends the body, throwing
    /// aborts the connection.
    public typealias BodyProducer = @Sendable (ResponseBodyWriter) async throws -> Void

    /// Where the body comes from.
    public enum Body: Sendable {
        /// A body held in memory, sent with `Content-Length`.
        case bytes([UInt8])
        /// A body of unknown length, sent with chunked transfer encoding while the producer runs.
        case stream(BodyProducer)
    }

    /// The status code, 100...999; anything else is sent as 500.
    public var status: Int
    /// The header fields to send.
    public var headers: HTTPHeaders
    /// The body.
    public var body: Body

    /// Creates a response.
    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: ["Content-Type": "text/plain; charset=utf-8"],
            body: .bytes(Array(text.utf8))
        )
    }

    /// A `text/html; charset=utf-8` response.
    public static func html(_ html: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: ["Content-Type": "text/html; charset=utf-8"],
            body: .bytes(Array(html.utf8))
        )
    }

    /// An `application/json` response from already encoded bytes.
    public static func json(_ bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: .bytes(bytes))
    }

    /// An `application/json` response from an already encoded string.
    public static func json(_ json: String, status: Int = 200) -> HTTPResponse {
        .json(Array(json.utf8), status: status)
    }

    /// A response with the given status and an empty body.
    public static func status(_ status: Int) -> HTTPResponse {
        HTTPResponse(status: status)
    }

    /// A streamed response of the given content type; see ``ResponseBodyWriter``.
    public static func stream(
        status: Int = 200,
        contentType: String,
        headers: HTTPHeaders = HTTPHeaders(),
        _ producer: @escaping BodyProducer
    ) -> HTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        return HTTPResponse(status: status, headers: headers, body: .stream(producer))
    }

    /// A Server-Sent Events response (`text/event-stream`, `Cache-Control: no-cache`).
    public static func eventStream(
        status: Int = 200,
        headers: HTTPHeaders = HTTPHeaders(),
        _ producer: @escaping BodyProducer
    ) -> HTTPResponse {
        var headers = headers
        if !headers.contains("Cache-Control") {
            headers.add(name: "Cache-Control", value: "no-cache")
        }
        return .stream(status: status, contentType: "text/event-stream", headers: headers, producer)
    }
}

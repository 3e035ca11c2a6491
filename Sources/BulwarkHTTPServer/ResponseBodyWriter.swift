/// Feeds a streamed response body (``HTTPResponse/Body/stream(_:)``) to the client.
///
/// Each `write` becomes available to the connection at once and is normally sent as one HTTP chunk,
/// so Server-Sent Events reach the client as they are produced. While nothing is buffered the
/// connection is suspended rather than polled. A producer that writes far faster than the client reads
/// is held in `write` until the backlog drains.
///
/// When the client goes away or the server stops, ``isCancelled`` becomes `true`, `write` returns
/// `false` and the producer's task is cancelled (so `Task.sleep` throws); the producer should stop.
public final class ResponseBodyWriter: Sendable {
    private let context: RequestContext

    init(context: RequestContext) {
        self.context = context
    }

    /// Appends bytes to the body. Returns `false`, writing nothing, once the response can no longer be
    /// delivered (client gone, server stopping, or after ``abort()``).
    @discardableResult
    public func write(_ bytes: [UInt8]) async -> Bool {
        await context.writeStream(bytes)
    }

    /// Appends the UTF-8 bytes of `text` to the body; see the byte variant of `write`.
    @discardableResult
    public func write(_ text: String) async -> Bool {
        await context.writeStream(Array(text.utf8))
    }

    /// Ends the response abruptly: bytes already written are still sent, then the connection is closed
    /// without the terminating zero-length chunk, so the client sees a truncated body (as after a
    /// connection reset). Later writes return `false`.
    public func abort() {
        context.abortStream()
    }

    /// Whether the client has gone or the server is stopping, so further writes are pointless.
    public var isCancelled: Bool {
        context.isStreamCancelled
    }
}

public import BulwarkHTTPServer

#if canImport(Glibc)
    import Glibc
    private let streamSocketType = Int32(SOCK_STREAM.rawValue)
    private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
    import Darwin
    private let streamSocketType = SOCK_STREAM
    private let sendFlags: Int32 = 0
#endif

private func closeSocket(_ descriptor: Int32) {
    close(descriptor)
}

private func sendBytes(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    send(descriptor, bytes.baseAddress, bytes.count, sendFlags)
}

/// A blocking HTTP/1.1 client over one TCP connection, for asserting on exact bytes. Every read gives
/// up after `timeoutSeconds`, so a broken server fails a test instead of hanging it. Use it only from
/// a dedicated thread (see ``onThread(_:)``), never on the cooperative pool, and from one thread at a time.
public final class RawHTTPClient: @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case send(Int32)
        case timedOut
        case closed
        case malformed(String)

        public var description: String {
            switch self {
            case .connect(let code): "connect failed: \(String(cString: strerror(code)))"
            case .send(let code): "send failed: \(String(cString: strerror(code)))"
            case .timedOut: "timed out waiting for the server"
            case .closed: "connection closed by the server"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
        /// The chunks as framed by the server, for chunked responses.
        public var chunks: [[UInt8]]?
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The first value of the header `name` (any case).
        public func header(_ name: String) -> String? { headers[name] }
    }

    /// One request on a new connection (`Connection: close`), its response read to the end: for tests
    /// that talk to a server once (Prometheus, Alertmanager, the exporter binary).
    public static func request(
        port: Int, method: String = "GET", path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeoutSeconds: Int = 30
    ) throws -> Response {
        let client = try RawHTTPClient(port: port, timeoutSeconds: timeoutSeconds)
        defer { client.close() }
        var lines = ["Connection: close"] + headers.map { "\($0.0): \($0.1)" }
        if body.isEmpty, method == "POST" { lines.append("Content-Length: 0") }
        // The server may answer (401, 413) and close before reading the whole body.
        try client.send(client.request(method, path, headers: lines, body: body.isEmpty ? nil : body), toleratingEarlyClose: true)
        return try client.readResponse(isHead: method == "HEAD")
    }

    private let descriptor: Int32
    private var received: [UInt8] = []
    private var isClosed = false

    /// Connects to `127.0.0.1:port`; `sourceAddress` binds the client end first (e.g. `127.0.0.2`, to
    /// appear as another client).
    public init(port: Int, timeoutSeconds: Int = 15, sourceAddress: String? = nil) throws {
        descriptor = socket(AF_INET, streamSocketType, 0)
        if let sourceAddress {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(sourceAddress)
            _ = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if status != 0 {
            let code = errno
            close()  // deinit runs for a class whose init throws once it is fully initialized
            throw Failure.connect(code)
        }
    }

    deinit {
        if !isClosed { closeSocket(descriptor) }
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        closeSocket(descriptor)
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends `bytes`; with `toleratingEarlyClose`, a peer that closed (or reset) before reading them all
    /// ends the send quietly, so that the answer it sent first can still be read.
    public func send(_ bytes: [UInt8], toleratingEarlyClose: Bool = false) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { sendBytes(descriptor, $0) }
            if sent < 0 {
                if errno == EINTR { continue }
                if toleratingEarlyClose, errno == EPIPE || errno == ECONNRESET { return }
                throw Failure.send(errno)
            }
            offset += sent
        }
    }

    /// A streamed (chunked) response read to its end, however it ended.
    public struct StreamRead: Sendable {
        public var head: Response
        public var chunks: [[UInt8]]
        /// When each chunk arrived, measured from the end of the head.
        public var arrivals: [Duration]
        /// Whether the terminating zero-length chunk arrived (a clean end of the body).
        public var isComplete: Bool
        public var body: [UInt8] { chunks.flatMap { $0 } }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Reads a head and then chunks until the terminating chunk or until the connection closes.
    public func readStream() throws -> StreamRead {
        var head = try readHead()
        let clock = ContinuousClock()
        let start = clock.now
        if head.headers["Transfer-Encoding"]?.lowercased() != "chunked" {
            let length = head.headers["Content-Length"].flatMap { Int($0) } ?? 0
            head.body = try readExactly(length)
            return StreamRead(head: head, chunks: [head.body], arrivals: [clock.now - start], isComplete: true)
        }
        var read = StreamRead(head: head, chunks: [], arrivals: [], isComplete: false)
        while true {
            do {
                guard let chunk = try readChunk() else {
                    read.isComplete = true
                    return read
                }
                read.chunks.append(chunk)
                read.arrivals.append(clock.now - start)
            } catch Failure.closed {
                return read
            }
        }
    }

    /// Sends `POST path` with a body and reads the response.
    public func post(_ path: String, headers: [String], body: [UInt8]) throws -> Response {
        try send(request("POST", path, headers: headers, body: body))
        return try readResponse()
    }

    /// Sends `GET path` (keep-alive) and reads the response.
    public func get(_ path: String, headers: [String] = []) throws -> Response {
        try send(request("GET", path, headers: headers))
        return try readResponse()
    }

    public func request(_ method: String, _ path: String, headers: [String] = [], body: [UInt8]? = nil) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for header in headers { head += header + "\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    /// Reads one response; `isHead` for responses to HEAD, which have no body.
    public func readResponse(isHead: Bool = false) throws -> Response {
        var response = try readHead()
        if isHead { return response }
        if response.headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            var chunks: [[UInt8]] = []
            while let chunk = try readChunk() { chunks.append(chunk) }
            response.chunks = chunks
            response.body = chunks.flatMap { $0 }
        } else if let length = response.headers["Content-Length"].flatMap({ Int($0) }) {
            response.body = try readExactly(length)
        } else {
            response.body = try readToEnd()
        }
        return response
    }

    /// Reads a status line and header fields.
    public func readHead() throws -> Response {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure.malformed("status line \(statusLine)")
        }
        var headers = HTTPHeaders()
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed("header \(line)") }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers.add(name: String(line[..<colon]), value: String(value))
        }
        return Response(status: status, headers: headers, body: [])
    }

    /// The next chunk of a chunked body, or `nil` after the terminating zero-length chunk.
    public func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.prefix { $0 != ";" }, radix: 16) else {
            throw Failure.malformed("chunk size \(sizeLine)")
        }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let chunk = try readExactly(size)
        guard try readLine().isEmpty else { throw Failure.malformed("chunk terminator") }
        return chunk
    }

    /// Everything until the server closes the connection (a reset counts as closing).
    public func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { received = [] }
        return received
    }

    private func readLine() throws -> String {
        while true {
            if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(received[..<newline])
                received.removeFirst(newline + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw Failure.closed }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while received.count < count {
            guard try fill() else { throw Failure.closed }
        }
        defer { received.removeFirst(count) }
        return Array(received[..<count])
    }

    /// Receives more bytes; `false` once the peer has closed.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received.append(contentsOf: buffer[..<count])
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw Failure.timedOut
            case ECONNRESET: return false
            default: throw Failure.malformed("recv: \(String(cString: strerror(errno)))")
            }
        }
    }
}

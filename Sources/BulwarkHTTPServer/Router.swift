/// Maps a request's method and path to a handler.
///
/// A route matches either an exact path or every path starting with a prefix. Exact routes win over
/// prefix routes, and longer prefixes over shorter ones; if the most specific match has no handler for
/// the method, less specific ones are tried. A path nothing matches gets `404`; a path that matches
/// but not for this method gets `405` with an `Allow` header. `HEAD` falls back to the `GET` handler
/// (libmicrohttpd sends the headers without the body). `404`, `405` and the answers of ``admission``
/// are given from the headers alone, before any body is read.
///
/// Synchronous handlers run inline on a libmicrohttpd thread and must not block; use them for fast
/// answers such as `/metrics`. Asynchronous handlers run in a task while the connection is suspended,
/// so they may sleep or await I/O without holding a server thread.
public struct Router: Sendable {
    /// A handler that answers at once, on the server thread.
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    /// A handler that may suspend; it runs in its own task.
    public typealias AsyncHandler = @Sendable (HTTPRequest) async -> HTTPResponse

    enum Responder: Sendable {
        case sync(Handler)
        case async(AsyncHandler)
    }

    enum Resolution: Sendable {
        case found(Responder)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private struct Route: Sendable {
        var path: String
        var isPrefix: Bool
        var methods: [String: Responder]

        func responder(for method: String) -> Responder? {
            methods[method] ?? (method == "HEAD" ? methods["GET"] : nil)
        }

        var allowedMethods: [String] {
            var names = methods.keys.sorted()
            if methods["GET"] != nil && methods["HEAD"] == nil { names.append("HEAD") }
            return names
        }
    }

    private var routes: [Route] = []

    /// Answers requests no route matches; the default is a plain-text `404`.
    public var notFoundHandler: Handler = { request in
        .text("Not Found: no route for \(request.method) \(request.path)\n", status: 404)
    }

    /// Sees each request's method, path, headers and client address before any body byte is read, and
    /// may answer at once (`401`, `503`, ...); `nil` lets the request go on. The request's `body` is
    /// always empty here. For a request that declares a body, an answer given here is sent before any
    /// of it is read (without `100 Continue`) and the connection is closed after it; a request without a
    /// body gets it as its ordinary answer and keeps its connection. It runs on a server thread and must
    /// not block.
    public var admission: (@Sendable (HTTPRequest) -> HTTPResponse?)?

    /// Creates an empty router.
    public init() {}

    /// Registers a synchronous handler for `method` on the exact `path`, replacing any earlier one.
    public mutating func on(_ method: String, _ path: String, use handler: @escaping Handler) {
        add(method, path, isPrefix: false, .sync(handler))
    }

    /// Registers an asynchronous handler for `method` on the exact `path`, replacing any earlier one.
    public mutating func on(_ method: String, _ path: String, use handler: @escaping AsyncHandler) {
        add(method, path, isPrefix: false, .async(handler))
    }

    /// Registers a synchronous handler for `method` on every path starting with `prefix`.
    public mutating func on(_ method: String, prefix: String, use handler: @escaping Handler) {
        add(method, prefix, isPrefix: true, .sync(handler))
    }

    /// Registers an asynchronous handler for `method` on every path starting with `prefix`.
    public mutating func on(_ method: String, prefix: String, use handler: @escaping AsyncHandler) {
        add(method, prefix, isPrefix: true, .async(handler))
    }

    /// Registers a synchronous `GET` handler on the exact `path`.
    public mutating func get(_ path: String, _ handler: @escaping Handler) { on("GET", path, use: handler) }
    /// Registers an asynchronous `GET` handler on the exact `path`.
    public mutating func get(_ path: String, _ handler: @escaping AsyncHandler) { on("GET", path, use: handler) }
    /// Registers a synchronous `GET` handler on every path starting with `prefix`.
    public mutating func get(prefix: String, _ handler: @escaping Handler) { on("GET", prefix: prefix, use: handler) }
    /// Registers an asynchronous `GET` handler on every path starting with `prefix`.
    public mutating func get(prefix: String, _ handler: @escaping AsyncHandler) {
        on("GET", prefix: prefix, use: handler)
    }

    /// Registers a synchronous `POST` handler on the exact `path`.
    public mutating func post(_ path: String, _ handler: @escaping Handler) { on("POST", path, use: handler) }
    /// Registers an asynchronous `POST` handler on the exact `path`.
    public mutating func post(_ path: String, _ handler: @escaping AsyncHandler) { on("POST", path, use: handler) }
    /// Registers a synchronous `POST` handler on every path starting with `prefix`.
    public mutating func post(prefix: String, _ handler: @escaping Handler) {
        on("POST", prefix: prefix, use: handler)
    }
    /// Registers an asynchronous `POST` handler on every path starting with `prefix`.
    public mutating func post(prefix: String, _ handler: @escaping AsyncHandler) {
        on("POST", prefix: prefix, use: handler)
    }

    /// Registers a synchronous `PUT` handler on the exact `path`.
    public mutating func put(_ path: String, _ handler: @escaping Handler) { on("PUT", path, use: handler) }
    /// Registers an asynchronous `PUT` handler on the exact `path`.
    public mutating func put(_ path: String, _ handler: @escaping AsyncHandler) { on("PUT", path, use: handler) }

    /// Registers a synchronous `DELETE` handler on the exact `path`.
    public mutating func delete(_ path: String, _ handler: @escaping Handler) { on("DELETE", path, use: handler) }
    /// Registers an asynchronous `DELETE` handler on the exact `path`.
    public mutating func delete(_ path: String, _ handler: @escaping AsyncHandler) {
        on("DELETE", path, use: handler)
    }

    /// Answers `request` as the server would, without a network: runs the matching handler, or
    /// produces the `404`/`405` response.
    public func response(for request: HTTPRequest) async -> HTTPResponse {
        if let admission {
            var head = request
            head.body = []
            if let early = admission(head) { return early }
        }
        return switch resolve(method: request.method, path: request.path) {
        case .found(.sync(let handler)): handler(request)
        case .found(.async(let handler)): await handler(request)
        case .methodNotAllowed(let allowed): Self.methodNotAllowed(request, allowed: allowed)
        case .notFound: notFoundHandler(request)
        }
    }

    func resolve(method: String, path: String) -> Resolution {
        var allowed: [String] = []
        for route in routes where route.path == path && !route.isPrefix {
            if let responder = route.responder(for: method) { return .found(responder) }
            allowed += route.allowedMethods
        }
        let prefixes = routes.filter { $0.isPrefix && path.hasPrefix($0.path) }
            .sorted { $0.path.utf8.count > $1.path.utf8.count }
        for route in prefixes {
            if let responder = route.responder(for: method) { return .found(responder) }
            allowed += route.allowedMethods
        }
        if allowed.isEmpty { return .notFound }
        var seen = Set<String>()
        return .methodNotAllowed(allowed: allowed.filter { seen.insert($0).inserted })
    }

    static func methodNotAllowed(_ request: HTTPRequest, allowed: [String]) -> HTTPResponse {
        var response = HTTPResponse.text(
            "Method Not Allowed: \(request.method) \(request.path) allows \(allowed.joined(separator: ", "))\n",
            status: 405
        )
        response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
        return response
    }

    private mutating func add(_ method: String, _ path: String, isPrefix: Bool, _ responder: Responder) {
        let method = method.uppercased()
        if let index = routes.firstIndex(where: { $0.path == path && $0.isPrefix == isPrefix }) {
            routes[index].methods[method] = responder
        } else {
            routes.append(Route(path: path, isPrefix: isPrefix, methods: [method: responder]))
        }
    }
}

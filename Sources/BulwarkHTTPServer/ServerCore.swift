import Synchronization

/// What the libmicrohttpd callbacks share for one running daemon: the router, the limits and the set of
/// requests in flight, which shutdown drains and then cuts off.
final class ServerCore: Sendable {
    let router: Router
    let maxBodyBytes: Int
    /// Bytes past `maxBodyBytes` that are read and dropped so a `413` can still be sent to a client whose
    /// body had no declared length; beyond this the connection is closed without an answer.
    let overflowDiscardLimit: Int
    let errorLog: (@Sendable (String) -> Void)?
    /// The memory budget of all request bodies in flight.
    let bodyBudget: BodyBudget
    /// The header and request deadlines.
    let watchdog: ConnectionWatchdog
    private let registry = Mutex(Registry())
    private let lastDiagnostic = Mutex<String?>(nil)

    private struct Registry {
        var requests: [ObjectIdentifier: RequestContext] = [:]
        var isDraining = false
        var isForcing = false
    }

    init(router: Router, configuration: HTTPServer.Configuration) {
        self.router = router
        self.maxBodyBytes = max(0, configuration.maxBodyBytes)
        self.overflowDiscardLimit = max(configuration.maxBodyBytes, 1024 * 1024)
        self.errorLog = configuration.errorLog
        self.bodyBudget = BodyBudget(limit: configuration.bodyBudgetBytes)
        self.watchdog = ConnectionWatchdog(
            headersTimeout: configuration.headersTimeout, requestTimeout: configuration.requestTimeout)
    }

    var activeRequestCount: Int {
        registry.withLock { $0.requests.count }
    }

    var isDraining: Bool {
        registry.withLock { $0.isDraining }
    }

    func register(_ context: RequestContext) {
        let isForcing = registry.withLock { registry in
            registry.requests[ObjectIdentifier(context)] = context
            return registry.isForcing
        }
        if isForcing { context.force() }
    }

    func unregister(_ context: RequestContext) {
        registry.withLock { _ = $0.requests.removeValue(forKey: ObjectIdentifier(context)) }
    }

    /// From now on every response carries `Connection: close`.
    func beginDraining() {
        registry.withLock { $0.isDraining = true }
    }

    /// Resumes every suspended connection and cancels every handler and producer, so that no connection
    /// is suspended when the daemon stops; requests that start later are refused the same way.
    func forceAll() {
        let requests = registry.withLock { registry in
            registry.isDraining = true
            registry.isForcing = true
            return Array(registry.requests.values)
        }
        for request in requests { request.force() }
    }

    func payloadTooLargeResponse() -> HTTPResponse {
        var response = HTTPResponse.text(
            "Payload Too Large: the request body exceeds the limit of \(maxBodyBytes) bytes\n",
            status: 413
        )
        response.headers.add(name: "Connection", value: "close")
        return response
    }

    /// `503` with `Retry-After`: the bodies in flight use the whole budget.
    func overBudgetResponse() -> HTTPResponse {
        var response = HTTPResponse.text(
            "Service Unavailable: request bodies in flight use the server's memory budget; retry shortly\n",
            status: 503
        )
        response.headers.add(name: "Retry-After", value: "1")
        response.headers.add(name: "Connection", value: "close")
        return response
    }

    /// An answer to a request whose framing is refused; the connection is closed after it.
    func framingResponse(status: Int, reason: String) -> HTTPResponse {
        let title = status == 501 ? "Not Implemented" : status == 413 ? "Payload Too Large" : "Bad Request"
        var response = HTTPResponse.text("\(title): \(reason)\n", status: status)
        response.headers.add(name: "Connection", value: "close")
        return response
    }

    func log(_ message: String) {
        lastDiagnostic.withLock { $0 = message }
        errorLog?(message)
    }

    /// libmicrohttpd's last diagnostic message, to explain a failed start.
    var lastLoggedMessage: String? { lastDiagnostic.withLock { $0 } }
}

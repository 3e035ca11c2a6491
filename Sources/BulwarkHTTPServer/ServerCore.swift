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
    private let registry = Mutex(Registry())

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

    func log(_ message: String) {
        errorLog?(message)
    }
}

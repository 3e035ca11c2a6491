import CMicroHTTPD
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on libmicrohttpd: a pool of worker threads, each polling its own connections,
/// answering through a ``Router``.
///
/// ```swift
/// var router = Router()
/// router.get("/healthz") { _ in .text("ok\n") }
/// let server = HTTPServer(configuration: .init(port: 9464), router: router)
/// try server.start()
/// // ...
/// await server.stop()
/// ```
///
/// Connections are kept alive between requests. Synchronous handlers answer on the worker thread;
/// asynchronous handlers and streamed bodies run in tasks while their connection is suspended, so
/// slow work never holds a worker.
public final class HTTPServer: Sendable {
    /// The configuration the server was created with.
    public let configuration: Configuration
    /// The routes the server answers.
    public let router: Router
    private let lifecycle = Mutex(Lifecycle.idle)

    private enum Lifecycle {
        case idle
        case running(Daemon)
        case stopping(Daemon)
        case stopped
    }

    private struct Daemon: @unchecked Sendable {
        let pointer: OpaquePointer
        let core: ServerCore
        let port: Int
        let watchdog: Task<Void, Never>
    }

    /// Creates a server; nothing listens until ``start()``.
    public init(configuration: Configuration = Configuration(), router: Router) {
        self.configuration = configuration
        self.router = router
    }

    deinit {
        if case .running(let daemon) = lifecycle.withLock({ $0 }) {
            daemon.watchdog.cancel()
            daemon.core.forceAll()
            MHD_stop_daemon(daemon.pointer)
        }
    }

    /// The bound port while running or stopping (the real one when ``Configuration/port`` is `0`);
    /// otherwise the configured port.
    public var port: Int {
        lifecycle.withLock { state in
            switch state {
            case .running(let daemon), .stopping(let daemon): daemon.port
            case .idle, .stopped: configuration.port
            }
        }
    }

    /// Whether the server is accepting connections.
    public var isRunning: Bool {
        lifecycle.withLock { state in
            if case .running = state { return true }
            return false
        }
    }

    /// Binds the configured address and starts serving. A stopped server may be started again.
    ///
    /// - Throws: ``HTTPServerError`` naming the address, e.g. `cannot bind 127.0.0.1:9464: address in use`.
    public func start() throws(HTTPServerError) {
        try lifecycle.withLock { (state: inout Lifecycle) throws(HTTPServerError) in
            switch state {
            case .running(let daemon), .stopping(let daemon):
                throw HTTPServerError(
                    code: .alreadyRunning,
                    message: "the server is already running on port \(daemon.port)"
                )
            case .idle, .stopped:
                state = .running(try startDaemon())
            }
        }
    }

    /// Stops gracefully within ``Configuration/shutdownGracePeriod``; see ``stop(gracePeriod:)``.
    public func stop() async {
        await stop(gracePeriod: configuration.shutdownGracePeriod)
    }

    /// Stops the server: stops accepting connections, lets requests and streams in flight finish for
    /// up to `gracePeriod` (answering with `Connection: close`), then resumes anything suspended,
    /// cancels remaining handlers and producers, and closes every connection.
    ///
    /// Calling it again, or on a server that is not running, returns once the server is stopped.
    /// Cancelling the calling task skips the rest of the grace period.
    public func stop(gracePeriod: Duration) async {
        let daemon: Daemon? = lifecycle.withLock { state in
            guard case .running(let daemon) = state else { return nil }
            state = .stopping(daemon)
            return daemon
        }
        guard let daemon else {
            await waitWhileStopping()
            return
        }
        daemon.core.beginDraining()
        let listenSocket = MHD_quiesce_daemon(daemon.pointer)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        while daemon.core.activeRequestCount > 0, clock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                break
            }
        }
        daemon.watchdog.cancel()
        daemon.core.forceAll()
        MHD_stop_daemon(daemon.pointer)
        if listenSocket >= 0 { close(listenSocket) }
        lifecycle.withLock { $0 = .stopped }
    }

    private func waitWhileStopping() async {
        while lifecycle.withLock({ if case .stopping = $0 { true } else { false } }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func startDaemon() throws(HTTPServerError) -> Daemon {
        if let tls = configuration.tls {
            guard bulwark_mhd_supports_tls() != 0 else {
                throw HTTPServerError(code: .invalidTLS, message: "this libmicrohttpd was built without TLS support")
            }
            if let problem = tls.problem { throw HTTPServerError(code: .invalidTLS, message: problem) }
        }
        let socket = try ListeningSocket.make(host: configuration.host, port: configuration.port)
        let core = ServerCore(router: router, configuration: configuration)
        // poll(), not epoll: `stop` quiesces the daemon, and libmicrohttpd 0.9.75 (Debian 12) aborts the
        // process when MHD_quiesce_daemon races an epoll worker that removes the listen socket itself
        // ("Failed to remove listen FD from epoll set", an open upstream defect; it hit our CI). The
        // poll() side of quiescing only signals the workers.
        var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue | MHD_USE_POLL.rawValue
        if socket.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        flags |= MHD_USE_ERROR_LOG.rawValue  // kept to explain a failed start; forwarded only to `errorLog`

        // The core is passed unretained: `Daemon` owns it for as long as libmicrohttpd runs. The PEM
        // strings only need to live through MHD_start_daemon (GnuTLS copies them).
        let certificate = configuration.tls?.certificatePEM ?? ""
        let key = configuration.tls?.privateKeyPEM ?? ""
        let hasTLS = configuration.tls != nil
        let pointer: OpaquePointer? = certificate.withCString { certificatePointer in
            key.withCString { keyPointer in
                var settings = bulwark_mhd_settings(
                    flags: flags,
                    listen_socket: socket.descriptor,
                    thread_pool_size: UInt32(clamping: max(2, configuration.threadPoolSize)),
                    connection_limit: UInt32(clamping: max(1, configuration.connectionLimit)),
                    per_ip_connection_limit: UInt32(clamping: max(0, configuration.perIPConnectionLimit ?? 0)),
                    connection_timeout_seconds: UInt32(clamping: max(0, configuration.connectionTimeout)),
                    connection_memory_limit: 0,
                    strict_for_client: configuration.isStrict ? 1 : 0,
                    tls_certificate_pem: hasTLS ? certificatePointer : nil,
                    tls_key_pem: hasTLS ? keyPointer : nil,
                    logger: errorLogCallback,
                    access_handler: accessHandlerCallback,
                    request_completed: requestCompletedCallback,
                    uri_logger: uriLogCallback,
                    notify_connection: notifyConnectionCallback,
                    cls: Unmanaged.passUnretained(core).toOpaque()
                )
                return bulwark_mhd_start_daemon(&settings)
            }
        }
        guard let pointer else {
            if fcntl(socket.descriptor, F_GETFD) >= 0 { close(socket.descriptor) }
            let display = SocketAddress.display(host: configuration.host, port: socket.port)
            let detail = core.lastLoggedMessage.map { ": \($0)" } ?? ""
            if hasTLS {
                throw HTTPServerError(
                    code: .invalidTLS,
                    message: "cannot start HTTPS on \(display): the TLS certificate or key was refused\(detail)")
            }
            throw HTTPServerError(code: .daemonStartFailed, message: "cannot start the HTTP daemon on \(display)\(detail)")
        }
        let reported = Int(bulwark_mhd_bind_port(pointer))
        let watchdog = core.watchdog
        let sweeper = Task.detached {
            let interval = watchdog.sweepInterval
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                watchdog.sweep()
            }
        }
        return Daemon(pointer: pointer, core: core, port: reported != 0 ? reported : socket.port, watchdog: sweeper)
    }

    /// Counters of what the server refused or cut, for monitoring.
    public struct Statistics: Sendable, Equatable {
        /// Request-body bytes held right now.
        public var bodyBytesInFlight: Int
        /// Requests answered `503` because the body budget was used up.
        public var bodyBudgetRefusals: Int
        /// Connections cut for missing the header or request deadline.
        public var deadlineCuts: Int
        /// Connections open right now.
        public var openConnections: Int
    }

    /// What the running server has refused and cut so far; zeros when it is not running.
    public var statistics: Statistics {
        lifecycle.withLock { state in
            switch state {
            case .running(let daemon), .stopping(let daemon):
                Statistics(
                    bodyBytesInFlight: daemon.core.bodyBudget.inFlight,
                    bodyBudgetRefusals: daemon.core.bodyBudget.refusedCount,
                    deadlineCuts: daemon.core.watchdog.cutCount,
                    openConnections: daemon.core.watchdog.openCount)
            case .idle, .stopped:
                Statistics(bodyBytesInFlight: 0, bodyBudgetRefusals: 0, deadlineCuts: 0, openConnections: 0)
            }
        }
    }
}

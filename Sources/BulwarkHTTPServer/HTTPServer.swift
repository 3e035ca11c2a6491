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
    }

    /// Creates a server; nothing listens until ``start()``.
    public init(configuration: Configuration = Configuration(), router: Router) {
        self.configuration = configuration
        self.router = router
    }

    deinit {
        if case .running(let daemon) = lifecycle.withLock({ $0 }) {
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
        let socket = try ListeningSocket.make(host: configuration.host, port: configuration.port)
        let core = ServerCore(router: router, configuration: configuration)
        // poll(), not epoll: `stop` quiesces the daemon, and libmicrohttpd 0.9.75 (Debian 12) aborts the
        // process when MHD_quiesce_daemon races an epoll worker that removes the listen socket itself
        // ("Failed to remove listen FD from epoll set", an open upstream defect; it hit our CI). The
        // poll() side of quiescing only signals the workers.
        var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue | MHD_USE_POLL.rawValue
        if socket.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        if configuration.errorLog != nil { flags |= MHD_USE_ERROR_LOG.rawValue }

        // The core is passed unretained: `Daemon` owns it for as long as libmicrohttpd runs.
        let pointer = bulwark_mhd_start_daemon(
            flags,
            socket.descriptor,
            UInt32(clamping: max(2, configuration.threadPoolSize)),
            UInt32(clamping: max(1, configuration.connectionLimit)),
            UInt32(clamping: max(0, configuration.perIPConnectionLimit ?? 0)),
            UInt32(clamping: max(0, configuration.connectionTimeout)),
            errorLogCallback,
            accessHandlerCallback,
            requestCompletedCallback,
            uriLogCallback,
            Unmanaged.passUnretained(core).toOpaque()
        )
        guard let pointer else {
            if fcntl(socket.descriptor, F_GETFD) >= 0 { close(socket.descriptor) }
            let display = SocketAddress.display(host: configuration.host, port: socket.port)
            throw HTTPServerError(code: .daemonStartFailed, message: "cannot start the HTTP daemon on \(display)")
        }
        let reported = Int(bulwark_mhd_bind_port(pointer))
        return Daemon(pointer: pointer, core: core, port: reported != 0 ? reported : socket.port)
    }
}

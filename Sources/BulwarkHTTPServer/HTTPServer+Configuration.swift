#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension HTTPServer {
    /// How the server listens and what it accepts. Every property has a documented default.
    public struct Configuration: Sendable {
        /// The address to bind: an IPv4 or IPv6 literal or a resolvable name. Default `127.0.0.1`.
        public var host: String
        /// The TCP port; `0` picks a free one, reported by ``HTTPServer/port`` after start. Default `0`.
        public var port: Int
        /// The largest request body accepted, in bytes; larger requests get `413` and their body is not
        /// buffered past the limit. A declared `Content-Length` over the limit is answered before the body
        /// is read; a chunked body is read and dropped until it ends, unless it runs more than
        /// `max(maxBodyBytes, 1 MiB)` past the limit, when the connection is closed unanswered. Default 8 MiB.
        public var maxBodyBytes: Int
        /// The number of libmicrohttpd worker threads (each polling its own connections); at least 2.
        /// Default: the number of online processors, at least 2.
        public var threadPoolSize: Int
        /// The most connections open at once across all workers. Default 1024.
        public var connectionLimit: Int
        /// The most connections open at once from one IP address; `nil` for no limit. Default 256, so
        /// that one client cannot take every connection of ``connectionLimit``.
        public var perIPConnectionLimit: Int?
        /// The most bytes of request bodies held at once across all requests. A request reserves its
        /// declared `Content-Length` (or each piece of a chunked body) before it is read; a request that
        /// would pass the budget gets `503` with `Retry-After` instead. Default 64 MiB.
        public var bodyBudgetBytes: Int
        /// How long a connection may take to deliver a request's headers, counted from accept or from the
        /// previous answer (so it also bounds an idle keep-alive connection); `nil` for no deadline.
        /// Unlike ``connectionTimeout`` it does not restart with every byte. Default 30 s.
        public var headersTimeout: Duration?
        /// How long a connection may take to deliver a whole request, headers and body, counted from the
        /// same start as ``headersTimeout``; `nil` for no deadline. The handler's and the response's time
        /// do not count. Default 120 s.
        public var requestTimeout: Duration?
        /// libmicrohttpd's strict client discipline (`MHD_OPTION_STRICT_FOR_CLIENT`: HTTP/1.1 without
        /// `Host` and spaces in the request target are refused). Default `true`.
        public var isStrict: Bool
        /// A PEM certificate (chain) and private key to serve HTTPS through libmicrohttpd's GnuTLS;
        /// `nil` serves plain HTTP. Default `nil`.
        public var tls: TLSCredentials?
        /// Seconds a connection may sit idle (no bytes either way) before it is closed; `0` for never.
        /// Connections suspended while a handler or a stream producer works do not time out. Default 60.
        public var connectionTimeout: Int
        /// How long ``HTTPServer/stop()`` waits for in-flight requests and streams before cutting them off.
        /// Default 10 s.
        public var shutdownGracePeriod: Duration
        /// Receives libmicrohttpd's diagnostic messages (one line each, no trailing newline).
        /// `nil` turns them off; they never go to stderr. Default `nil`.
        public var errorLog: (@Sendable (String) -> Void)?

        /// Creates a configuration; every argument has the default documented on its property.
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            maxBodyBytes: Int = 8 * 1024 * 1024,
            threadPoolSize: Int = Configuration.defaultThreadPoolSize,
            connectionLimit: Int = 1024,
            perIPConnectionLimit: Int? = 256,
            connectionTimeout: Int = 60,
            bodyBudgetBytes: Int = 64 * 1024 * 1024,
            headersTimeout: Duration? = .seconds(30),
            requestTimeout: Duration? = .seconds(120),
            isStrict: Bool = true,
            tls: TLSCredentials? = nil,
            shutdownGracePeriod: Duration = .seconds(10),
            errorLog: (@Sendable (String) -> Void)? = nil
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.threadPoolSize = threadPoolSize
            self.connectionLimit = connectionLimit
            self.perIPConnectionLimit = perIPConnectionLimit
            self.connectionTimeout = connectionTimeout
            self.bodyBudgetBytes = bodyBudgetBytes
            self.headersTimeout = headersTimeout
            self.requestTimeout = requestTimeout
            self.isStrict = isStrict
            self.tls = tls
            self.shutdownGracePeriod = shutdownGracePeriod
            self.errorLog = errorLog
        }

        /// The number of online processors, at least 2.
        public static var defaultThreadPoolSize: Int {
            max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        }
    }
}

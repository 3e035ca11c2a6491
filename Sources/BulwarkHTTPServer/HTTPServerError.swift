/// An error starting or running an ``HTTPServer``.
public struct HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for programs to branch on.
    public enum Code: String, Sendable, Equatable {
        /// The address is already bound by another socket.
        case addressInUse = "address_in_use"
        /// Binding needs privileges the process lacks (e.g. a port below 1024).
        case permissionDenied = "permission_denied"
        /// The host is not an address of this machine or could not be resolved, or the port is out of range.
        case invalidAddress = "invalid_address"
        /// Creating, binding or listening on the socket failed for another reason.
        case bindFailed = "bind_failed"
        /// libmicrohttpd refused to start the daemon.
        case daemonStartFailed = "daemon_start_failed"
        /// The TLS certificate or key is missing, malformed or refused, or libmicrohttpd lacks TLS.
        case invalidTLS = "invalid_tls"
        /// `start()` was called on a server that is already running.
        case alreadyRunning = "already_running"
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence for people, naming the address involved, e.g. `cannot bind 127.0.0.1:9464: address in use`.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A bound, listening, non-blocking TCP socket, made here rather than by libmicrohttpd so that a
/// failure can say exactly why (address in use, permission denied, no such address).
struct ListeningSocket {
    let descriptor: Int32
    let isIPv6: Bool
    let port: Int

    static func make(host: String, port: Int) throws(HTTPServerError) -> ListeningSocket {
        let display = SocketAddress.display(host: host, port: port)
        guard (0...65535).contains(port) else {
            throw HTTPServerError(code: .invalidAddress, message: "cannot bind \(display): port out of range")
        }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamSocketType
        var addresses: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &addresses)
        guard status == 0, let first = addresses else {
            let reason = String(cString: gai_strerror(status))
            throw HTTPServerError(code: .invalidAddress, message: "cannot bind \(display): \(reason)")
        }
        defer { freeaddrinfo(addresses) }

        var lastError = HTTPServerError(code: .bindFailed, message: "cannot bind \(display)")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            switch makeSocket(address.pointee, display: display) {
            case .success(let socket): return socket
            case .failure(let error): lastError = error
            }
        }
        throw lastError
    }

    private static func makeSocket(_ address: addrinfo, display: String) -> Result<ListeningSocket, HTTPServerError> {
        let descriptor = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard descriptor >= 0 else { return .failure(error(errno, display: display)) }
        var enable: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &enable, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        guard bind(descriptor, address.ai_addr, address.ai_addrlen) == 0, listen(descriptor, SOMAXCONN) == 0
        else {
            let failure = error(errno, display: display)
            close(descriptor)
            return .failure(failure)
        }
        return .success(
            ListeningSocket(
                descriptor: descriptor,
                isIPv6: address.ai_family == AF_INET6,
                port: boundPort(descriptor)
            ))
    }

    private static func boundPort(_ descriptor: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return 0 }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
    }

    private static func error(_ code: Int32, display: String) -> HTTPServerError {
        switch code {
        case EADDRINUSE:
            HTTPServerError(code: .addressInUse, message: "cannot bind \(display): address in use")
        case EACCES, EPERM:
            HTTPServerError(code: .permissionDenied, message: "cannot bind \(display): permission denied")
        case EADDRNOTAVAIL:
            HTTPServerError(
                code: .invalidAddress, message: "cannot bind \(display): address not available on this host")
        default:
            HTTPServerError(code: .bindFailed, message: "cannot bind \(display): \(String(cString: strerror(code)))")
        }
    }

    #if canImport(Glibc) || canImport(Musl)
    private static let streamSocketType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamSocketType = SOCK_STREAM
    #endif
}

import BulwarkRedis
import BulwarkTestSupport
import Foundation

/// A real `redis-server` on a free loopback port, without persistence, killed when released.
final class RedisServerProcess: @unchecked Sendable {
    let port: Int
    private var child: ChildProcess?
    private let extraArguments: [String]

    /// Starts a server; `arguments` are extra options (`--requirepass`, …).
    init(arguments: [String] = []) async throws {
        port = try Self.freePort()
        extraArguments = arguments
        try await start()
    }

    var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts the server (again) on the same port and waits (without blocking a thread) until it accepts
    /// connections.
    func start() async throws {
        let executable = try Tools.locate(.redisServer)
        let child = try ChildProcess(executable, [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--enable-debug-command", "yes", "--protected-mode", "no",
        ] + extraArguments)
        self.child = child
        let deadline = Date().addingTimeInterval(30)
        while !child.outputText.contains("Ready to accept connections") {
            guard child.process.isRunning, Date() < deadline else {
                throw ChildProcessError("redis-server did not start:\n\(child.outputText)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Kills the server at once (SIGKILL), as a crash would, and waits for it to be gone.
    func kill() async {
        guard let child else { return }
        child.signal(SIGKILL)
        while child.process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        self.child = nil
    }

    deinit {
        // SIGKILL: no blocking wait in deinit (it may run on the cooperative pool); ChildProcess reaps it.
        child?.signal(SIGKILL)
    }

    /// A port nothing listens on now: bound to port 0 and released.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcessError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ChildProcessError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Waits (polling, off the test's critical path) until `condition` holds or `timeout` passes.
func eventually(timeout: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

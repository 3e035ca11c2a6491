import Foundation
import Synchronization

/// A throwaway `redis-server` (from `PATH`) on a free loopback port, without persistence, for the demo
/// and the benchmarks: started by ``start(timeout:)``, stopped by ``stop()`` or when released.
public final class LocalRedisServer: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let process: Mutex<Process?>

    /// `redis://127.0.0.1:port/0`.
    public var url: String { "redis://127.0.0.1:\(port)/0" }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = Mutex(process)
    }

    /// Starts `redis-server` and waits (without blocking a thread) until it answers `PING`.
    ///
    /// - Throws: ``RedisError`` of kind `connection`, with a message naming what to install when
    ///   `redis-server` is not on `PATH`.
    public static func start(timeout: Double = 15) async throws -> LocalRedisServer {
        guard let executable = locate() else {
            throw RedisError(.connection, "redis-server not found on PATH (install it: apt-get install redis-server)")
        }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
            "--loglevel", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw RedisError(.connection, "cannot start \(executable): \(error)")
        }
        let server = LocalRedisServer(port: port, process: process)
        let probe = RedisClient(url: try RedisURL(parsing: server.url), timeoutMs: 200, connections: 1)
        defer { probe.shutdown() }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if probe.isAvailable, (try? await probe.command(["PING"]))?.text == "PONG" { return server }
            guard process.isRunning else { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        server.stop()
        throw RedisError(.connection, "redis-server on port \(port) did not answer within \(Int(timeout)) s")
    }

    /// Stops the server (SIGKILL); calling it again does nothing.
    public func stop() {
        guard let process = process.withLock({ process in defer { process = nil }; return process }) else { return }
        // SIGKILL: the server keeps nothing, and a child started before the demo's service group can
        // inherit blocked SIGTERM/SIGINT (the group's signal handling), which it would then not see.
        kill(process.processIdentifier, SIGKILL)
    }

    deinit { stop() }

    private static func locate() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        return directories.lazy.map { ($0 as NSString).appendingPathComponent("redis-server") }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A port nothing listens on now: bound to port 0 and released.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RedisError(.connection, "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw RedisError(.connection, "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

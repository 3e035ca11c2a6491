import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sees clients close their connection while the simulator still works on their request (a slow answer
/// the client gave up on, a stream whose reader went away): the ground truth that a client cancelled its
/// in-flight HTTP request, and when.
///
/// Before the response head: libmicrohttpd does not watch a connection while its handler runs, so the
/// server cannot tell; the kernel can. While at least one handler prepares its answer, a dedicated
/// thread (never the cooperative pool) reads the socket table every 5 ms (`/proc/net/tcp`,
/// `/proc/net/tcp6`) and counts each server-side socket of the simulator's port that it finds in
/// `CLOSE_WAIT` or `CLOSE` (the peer closed or reset it) on two polls in a row; the time of the first of
/// those polls is kept, so a test can compare it with the instant it cancelled. An idle keep-alive
/// connection the client closes is closed by the server at once and so not counted. On systems without
/// `/proc/net/tcp` these are not counted.
///
/// During a stream's body the server does notice: the stream's producer reports the abort when its
/// write fails or its wait is cancelled (``recordStreamAbort()``), within one inter-chunk delay of the
/// close. (A stream closed while another request waits for its head may, rarely, be seen both ways.)
final class ClientAbortMonitor: Sendable {
    /// The instants of the first sightings kept; later aborts are counted but not timed.
    static let maxTimesKept = 4_096
    static let pollInterval = 0.005

    private struct State {
        var port = 0
        var inProgress = 0
        var isPolling = false
        /// Sockets seen closed by the peer on the last poll, with the instant of the first sighting.
        var suspects: [String: ContinuousClock.Instant] = [:]
        /// Sockets already counted, until they leave the table.
        var counted: Set<String> = []
        var aborts = 0
        var times: [ContinuousClock.Instant] = []
    }

    private let state = Mutex(State())

    /// The port whose connections are watched.
    func watch(port: Int) {
        state.withLock { $0.port = port }
    }

    /// A request is in progress until `end()` is called; polling runs while any is.
    func begin() {
        let startThread = state.withLock { state -> Bool in
            state.inProgress += 1
            guard !state.isPolling else { return false }
            state.isPolling = true
            return true
        }
        if startThread {
            let thread = Thread { [self] in pollWhileBusy() }
            thread.name = "simulator-abort-monitor"
            thread.start()
        }
    }

    func end() {
        state.withLock { $0.inProgress -= 1 }
    }

    /// Aborts seen so far, and the instants of the first ``maxTimesKept`` of them.
    func snapshot() -> (count: Int, times: [ContinuousClock.Instant]) {
        state.withLock { ($0.aborts, $0.times) }
    }

    /// A stream's reader went away: its producer found the connection closed when it wrote or slept.
    func recordStreamAbort() {
        let now = ContinuousClock.now
        state.withLock { state in
            state.aborts += 1
            if state.times.count < Self.maxTimesKept { state.times.append(now) }
        }
    }

    func reset() {
        state.withLock { state in
            state.aborts = 0
            state.times = []
        }
    }

    private func pollWhileBusy() {
        while true {
            let port = state.withLock { state -> Int? in
                guard state.inProgress > 0 else {
                    state.isPolling = false
                    state.suspects = [:]
                    return nil
                }
                return state.port
            }
            guard let port else { return }
            poll(port: port)
            Thread.sleep(forTimeInterval: Self.pollInterval)
        }
    }

    private func poll(port: Int) {
        let now = ContinuousClock.now
        let (closed, present) = Self.peerClosedSockets(localPort: port)
        state.withLock { state in
            var suspects: [String: ContinuousClock.Instant] = [:]
            for socket in closed where !state.counted.contains(socket) {
                if let first = state.suspects[socket] {
                    state.counted.insert(socket)
                    state.aborts += 1
                    if state.times.count < Self.maxTimesKept { state.times.append(first) }
                } else {
                    suspects[socket] = now
                }
            }
            state.suspects = suspects
            state.counted = state.counted.filter { present.contains($0) }
        }
    }

    /// The remote ends (`addr:port` in the kernel's hex) of `localPort`'s sockets the peer closed, and of
    /// all its sockets.
    static func peerClosedSockets(localPort: Int) -> (closed: [String], present: Set<String>) {
        var closed: [String] = []
        var present: Set<String> = []
        let portSuffix = ":" + String(format: "%04X", localPort)
        for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readSmallFile(path) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 3, fields[1].hasSuffix(portSuffix) else { continue }
                let remote = String(fields[2])
                present.insert(remote)
                // 08 CLOSE_WAIT: the peer sent FIN; 07 CLOSE: the peer reset the connection.
                if fields[3] == "08" || fields[3] == "07" { closed.append(remote) }
            }
        }
        return (closed, present)
    }

    /// Reads a `/proc` file (whose size reads as 0) to its end.
    private static func readSmallFile(_ path: String) -> String? {
        #if canImport(Glibc) || canImport(Musl)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < 16 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
        #else
        return nil
        #endif
    }
}

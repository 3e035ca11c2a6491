import CMicroHTTPD
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Deadlines libmicrohttpd's idle timer cannot give: a connection must deliver a request's headers
/// within `headersTimeout` of starting to wait for them (at accept, or after the previous answer),
/// and the whole request, body included, within `requestTimeout`. The idle timer restarts with every
/// byte, so a client trickling one byte at a time would otherwise hold its connection for ever.
///
/// The watchdog never touches libmicrohttpd's connection objects from its own task: it shuts the
/// socket down (`shutdown(2)`, not `close`), under the same lock in which the close notice removes the
/// connection, so the descriptor cannot have been reused. libmicrohttpd then sees the end of the
/// stream on its own thread and cleans up as for any client that went away.
final class ConnectionWatchdog: Sendable {
    private enum Phase {
        case awaitingHeaders
        case receivingBody
        case answering
    }

    private struct Entry {
        var descriptor: Int32
        var phase: Phase
        var since: ContinuousClock.Instant
        var isCut = false
    }

    let headersTimeout: Duration?
    let requestTimeout: Duration?
    private let table = Mutex([UInt: Entry]())
    private let cut = Atomic<Int>(0)

    init(headersTimeout: Duration?, requestTimeout: Duration?) {
        self.headersTimeout = headersTimeout
        self.requestTimeout = requestTimeout
    }

    /// Connections cut for missing a deadline so far.
    var cutCount: Int { cut.load(ordering: .relaxed) }

    /// Open connections being watched.
    var openCount: Int { table.withLock { $0.count } }

    /// How often ``sweep()`` should run: a quarter of the shortest deadline, between 50 ms and 1 s.
    var sweepInterval: Duration {
        let shortest = [headersTimeout, requestTimeout].compactMap { $0 }.min() ?? .seconds(1)
        return min(.seconds(1), max(.milliseconds(50), shortest / 4))
    }

    func opened(_ connection: OpaquePointer) {
        let descriptor = bulwark_mhd_connection_fd(connection)
        let now = ContinuousClock.now
        table.withLock { $0[Self.key(connection)] = Entry(descriptor: descriptor, phase: .awaitingHeaders, since: now) }
    }

    func closed(_ connection: OpaquePointer) {
        _ = table.withLock { $0.removeValue(forKey: Self.key(connection)) }
    }

    func headersReceived(_ connection: OpaquePointer) {
        table.withLock { $0[Self.key(connection)]?.phase = .receivingBody }
    }

    func bodyReceived(_ connection: OpaquePointer) {
        table.withLock { $0[Self.key(connection)]?.phase = .answering }
    }

    func requestFinished(_ connection: OpaquePointer) {
        let now = ContinuousClock.now
        table.withLock { table in
            let key = Self.key(connection)
            guard table[key] != nil else { return }
            table[key]?.phase = .awaitingHeaders
            table[key]?.since = now
        }
    }

    /// Shuts down every connection past a deadline; returns how many were cut.
    @discardableResult
    func sweep(now: ContinuousClock.Instant = .now) -> Int {
        let count = table.withLock { table in
            var count = 0
            for (key, entry) in table where !entry.isCut && isOverdue(entry, now: now) {
                table[key]?.isCut = true
                if entry.descriptor >= 0 { shutdown(entry.descriptor, Int32(SHUT_RDWR)) }
                count += 1
            }
            return count
        }
        if count > 0 { cut.wrappingAdd(count, ordering: .relaxed) }
        return count
    }

    private func isOverdue(_ entry: Entry, now: ContinuousClock.Instant) -> Bool {
        let elapsed = entry.since.duration(to: now)
        switch entry.phase {
        case .awaitingHeaders:
            if let headersTimeout, elapsed > headersTimeout { return true }
            if let requestTimeout, elapsed > requestTimeout { return true }
            return false
        case .receivingBody:
            if let requestTimeout, elapsed > requestTimeout { return true }
            return false
        case .answering:
            return false
        }
    }

    private static func key(_ connection: OpaquePointer) -> UInt {
        UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))
    }
}

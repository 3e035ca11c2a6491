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
/// While a handler prepares its answer, and while a stream's producer plays it, libmicrohttpd keeps the
/// connection suspended: it neither reads nor closes the socket, so the server cannot tell that the client
/// left, but the kernel can. Each such request is watched (``begin(descriptor:)`` … ``end(_:)``) by a
/// dedicated thread (never the cooperative pool) that waits in `poll(2)` for the peer's close
/// (`POLLRDHUP`, or a reset) on every watched socket at once, and counts the request once, with the
/// instant it woke, so a test can compare it with the instant it cancelled. The socket is only polled,
/// never read, written or closed. Requests that end normally are not counted. (Reading the kernel's
/// socket table instead costs about 10 ms a pass on a host with a large TCP hash table, which made the
/// sightings late by up to a hundred milliseconds on a loaded machine.)
///
/// A stream's producer also reports the abort when its write fails or its wait is cancelled
/// (``streamAborted(_:)``); a request is counted once, by whichever sees it first. Without `poll`'s
/// `POLLRDHUP` (not Linux) only the producers' reports count.
final class ClientAbortMonitor: Sendable {
    /// The instants of the first sightings kept; later aborts are counted but not timed.
    static let maxTimesKept = 4_096
    /// Most requests watched at once; beyond it requests go unwatched (and uncounted unless they
    /// stream), counted in ``unwatched``.
    static let maxWatched = 4_096

    /// One watched request.
    struct Token: Sendable, Hashable {
        fileprivate let id: Int
    }

    private struct Watch {
        var descriptor: Int32
        var counted = false
        /// The descriptor went invalid (libmicrohttpd closed a stream's connection after a failed write):
        /// no longer polled; the stream's producer reports the abort.
        var invalid = false
    }

    private struct State {
        var watched: [Int: Watch] = [:]
        var nextID = 0
        var isPolling = false
        var aborts = 0
        var times: [ContinuousClock.Instant] = []
        /// Requests not watched because ``maxWatched`` were.
        var unwatched = 0
    }

    private let state = Mutex(State())
    /// Wakes the poll thread when the watched set changes: read end, write end.
    private let wake: (read: Int32, write: Int32)?

    init() {
        wake = Self.makeWakePipe()
    }

    deinit {
        if let wake {
            close(wake.read)
            close(wake.write)
        }
    }

    /// Starts watching a request's connection (`nil` without a descriptor: only a stream producer's own
    /// report can count it). `counted`: the request was already counted (a stream whose client left
    /// while its answer was prepared), so it is not counted again.
    func begin(descriptor: Int32?, counted: Bool = false) -> Token {
        let (token, startThread) = state.withLock { state -> (Token, Bool) in
            let id = state.nextID
            state.nextID += 1
            guard let descriptor, Self.canPoll, wake != nil else { return (Token(id: id), false) }
            guard state.watched.count < Self.maxWatched else {
                state.unwatched += 1
                return (Token(id: id), false)
            }
            state.watched[id] = Watch(descriptor: descriptor, counted: counted)
            guard !state.isPolling else { return (Token(id: id), false) }
            state.isPolling = true
            return (Token(id: id), true)
        }
        if startThread {
            let thread = Thread { [self] in pollWhileWatching() }
            thread.name = "simulator-abort-monitor"
            thread.start()
        } else {
            signal()
        }
        return token
    }

    /// Stops watching (a second call does nothing); returns whether the request was counted.
    @discardableResult
    func end(_ token: Token) -> Bool {
        let removed = state.withLock { $0.watched.removeValue(forKey: token.id) }
        if removed != nil { signal() }
        return removed?.counted ?? false
    }

    /// A stream's producer found its reader gone (its write failed, or its wait was cancelled): counts
    /// the request unless the poll thread already did.
    func streamAborted(_ token: Token) {
        let now = ContinuousClock.now
        state.withLock { state in
            if state.watched[token.id]?.counted == true { return }
            state.watched[token.id]?.counted = true
            Self.count(now, in: &state)
        }
    }

    /// Aborts seen so far, and the instants of the first ``maxTimesKept`` of them.
    func snapshot() -> (count: Int, times: [ContinuousClock.Instant]) {
        state.withLock { ($0.aborts, $0.times) }
    }

    func reset() {
        state.withLock { state in
            state.aborts = 0
            state.times = []
        }
    }

    private static func count(_ instant: ContinuousClock.Instant, in state: inout State) {
        state.aborts += 1
        if state.times.count < maxTimesKept { state.times.append(instant) }
    }

    private func signal() {
        guard let wake else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    #if os(Linux)
    static let canPoll = true
    /// `POLLRDHUP` (Linux, `_GNU_SOURCE`; not exported by Glibc's module): the peer closed its side.
    static let peerClosed: Int16 = 0x2000
    #else
    static let canPoll = false
    #endif

    private func pollWhileWatching() {
        #if os(Linux)
        guard let wake else { return }
        var drain = [UInt8](repeating: 0, count: 256)
        while true {
            let watched = state.withLock { state -> [(id: Int, descriptor: Int32)]? in
                guard !state.watched.isEmpty else {
                    state.isPolling = false
                    return nil
                }
                return state.watched.compactMap { $0.value.counted || $0.value.invalid ? nil : ($0.key, $0.value.descriptor) }
            }
            guard let watched else { return }
            var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            fds += watched.map { pollfd(fd: $0.descriptor, events: Self.peerClosed, revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 1_000)
            let now = ContinuousClock.now
            guard ready > 0 else { continue }
            if fds[0].revents != 0 { _ = read(wake.read, &drain, drain.count) }
            let gone = Self.peerClosed | Int16(POLLHUP) | Int16(POLLERR)
            let polled = zip(watched, fds.dropFirst())
            let invalid = polled.filter { $0.1.revents & Int16(POLLNVAL) != 0 }.map(\.0.id)
            let closed = polled.filter { $0.1.revents & Int16(POLLNVAL) == 0 && $0.1.revents & gone != 0 }.map(\.0.id)
            guard !closed.isEmpty || !invalid.isEmpty else { continue }
            state.withLock { state in
                for id in invalid { state.watched[id]?.invalid = true }
                for id in closed where state.watched[id]?.counted == false {
                    state.watched[id]?.counted = true
                    Self.count(now, in: &state)
                }
            }
        }
        #endif
    }

    /// A non-blocking pipe (close-on-exec) whose reads wake the poll thread.
    private static func makeWakePipe() -> (read: Int32, write: Int32)? {
        #if os(Linux)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return (ends[0], ends[1])
        #else
        return nil
        #endif
    }
}

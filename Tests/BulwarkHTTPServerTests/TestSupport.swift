import Foundation
import BulwarkHTTPServer
import Synchronization
import Testing

/// Starts a server on an ephemeral 127.0.0.1 port, runs `body`, and stops the server.
@discardableResult
func withServer<T>(
    _ configuration: HTTPServer.Configuration = HTTPServer.Configuration(),
    router: Router,
    _ body: (HTTPServer) async throws -> T
) async throws -> T {
    let server = HTTPServer(configuration: configuration, router: router)
    try server.start()
    do {
        let result = try await body(server)
        await server.stop(gracePeriod: .seconds(2))
        return result
    } catch {
        await server.stop(gracePeriod: .seconds(2))
        throw error
    }
}

/// A one-shot event that threads and tasks can signal and wait for.
final class Signal: Sendable {
    private let isSet = Mutex(false)

    func fire() {
        isSet.withLock { $0 = true }
    }

    var hasFired: Bool { isSet.withLock { $0 } }

    /// Waits from async code; `false` if `timeout` passed first.
    @discardableResult
    func wait(timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !hasFired {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return true
    }

    /// Waits from a plain thread; `false` if `timeout` passed first.
    @discardableResult
    func waitBlocking(timeout: Duration = .seconds(15)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !hasFired {
            if ContinuousClock.now >= deadline { return false }
            usleep(1000)
        }
        return true
    }
}

/// A counter shared between handlers and the test.
final class Counter: Sendable {
    private let state = Mutex((current: 0, peak: 0))

    @discardableResult
    func increment() -> Int {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
            return $0.current
        }
    }

    func decrement() {
        state.withLock { $0.current -= 1 }
    }

    var current: Int { state.withLock { $0.current } }
    var peak: Int { state.withLock { $0.peak } }
}

/// A value set by one side of a test and read by the other.
final class Box<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func set(_ newValue: Value) {
        value.withLock { $0 = newValue }
    }

    func get() -> Value {
        value.withLock { $0 }
    }
}

/// Bytes of every value in a repeating pattern, `count` long.
func binaryPattern(count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
}

import Synchronization

/// Runs `body` unless `seconds` pass first on `clock`; returns `nil` on timeout (and cancels `body`).
///
/// The body runs in one child task; the timer is a ``ResilienceClock/schedule(after:_:)`` entry, not a
/// second task, because every stream chunk passes through here. (Unary exchanges avoid even the child
/// task: the transport enforces their deadline, see ``HTTPTransport/exchange(_:timeouts:maxBodyBytes:)``.)
func withDeadline<T: Sendable>(
    _ seconds: Double, clock: any ResilienceClock, _ body: @escaping @Sendable () async throws -> T
) async throws -> T? {
    guard seconds.isFinite else { return try await body() }
    let task = Task { try await body() }
    let expired = ExpiryFlag()
    let timer = clock.schedule(after: max(0, seconds)) {
        expired.set()
        task.cancel()
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
        do {
            return try await task.value
        } catch {
            if expired.isSet { return nil }
            throw error
        }
    } onCancel: {
        task.cancel()
    }
}

private final class ExpiryFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

import Synchronization

/// Runs `body` unless `seconds` pass first on `clock`; returns `nil` on timeout (and cancels `body`).
///
/// Every attempt and every stream chunk passes through here, so it is built to cost little: the body runs
/// in one task started with `Task.immediate` (on the calling thread until it first suspends, so a chunk
/// that is already buffered needs no thread hop and no timer), and the timer is a
/// ``ResilienceClock/schedule(after:_:)`` entry on a shared timer thread, not a second task.
///
/// A body that does suspend gets one `Task.yield()` before the caller waits for it: the bytes of a
/// response usually follow its head within microseconds, and a worker thread that has just run the
/// caller is still awake to resume it then, where one that had parked must first be woken (measured:
/// 10–15 µs less per call on the client benchmark).
///
/// `resumingInPlace`: the body, once resumed, runs on the thread that resumes it
/// (``ResumeInPlaceExecutor``); only for bodies that merely move bytes between waits, such as reading a
/// response body.
func withDeadline<T: Sendable>(
    _ seconds: Double, clock: any ResilienceClock, resumingInPlace: Bool = false,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T? {
    guard seconds.isFinite else { return try await body() }
    let finished = Flag()
    let executor = ResumeInPlaceExecutor.shared
    let task = Task.immediate(executorPreference: resumingInPlace ? executor : nil) {
        defer { finished.set() }
        return try await body()
    }
    // A body that never suspended is done already: no timer to set.
    if finished.isSet { return try await task.value }
    await Task.yield()
    if finished.isSet { return try await task.value }
    let expired = Flag()
    let timer = clock.schedule(after: max(0, seconds)) {
        expired.set()
        executor.cancel(task)
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
        executor.cancel(task)
    }
}

private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// Runs `body` unless `seconds` pass first on `clock`; returns `nil` on timeout (and cancels `body`).
func withDeadline<T: Sendable>(
    _ seconds: Double, clock: any ResilienceClock, _ body: @escaping @Sendable () async throws -> T
) async throws -> T? {
    guard seconds.isFinite else { return try await body() }
    return try await withThrowingTaskGroup(of: Optional<T>.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(for: max(0, seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { return nil }
        return first
    }
}

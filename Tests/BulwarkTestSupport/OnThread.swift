import Foundation

/// Runs blocking work (socket I/O) on a thread of its own, off the cooperative pool that in-process
/// servers' handler and producer tasks need.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

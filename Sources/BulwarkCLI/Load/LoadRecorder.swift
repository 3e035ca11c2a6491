import BulwarkCore
import Synchronization

/// Counts what the client reports during a load run: attempts by status, hedges, and the outcome of
/// each logical request. The summary's counts are the client's own record, which the end-to-end test
/// compares with what the simulator received.
final class LoadRecorder: MetricsRecorder {
    struct Counts: Sendable {
        var attempts = 0
        /// Attempts by the HTTP status received (`0`: no response).
        var attemptsByStatus: [Int: Int] = [:]
        var hedges = 0
        /// Logical requests by outcome (`success`, `fallback`, `failed`, `cancelled`).
        var outcomes: [String: Int] = [:]
    }

    private let counts = Mutex(Counts())

    var snapshot: Counts { counts.withLock { $0 } }

    func record(_ metric: APICallMetric) {
        counts.withLock { counts in
            counts.attempts += 1
            counts.attemptsByStatus[metric.statusCode, default: 0] += 1
            if metric.hedge { counts.hedges += 1 }
        }
    }

    func record(_ event: ClientEvent) {
        guard case .requestFinished(let outcome) = event else { return }
        counts.withLock { $0.outcomes[outcome.rawValue, default: 0] += 1 }
    }
}

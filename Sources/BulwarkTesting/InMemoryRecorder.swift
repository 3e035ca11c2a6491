public import BulwarkCore
import Synchronization

/// Keeps every event in memory, in order, for tests that assert on what was recorded.
///
/// It grows without bound by design: use it in tests, never as a production recorder.
public final class InMemoryRecorder: MetricsRecorder, Sendable {
    private let attempts = Mutex<[APICallMetric]>([])
    private let clientEvents = Mutex<[ClientEvent]>([])

    /// Creates an empty recorder.
    public init() {}

    public func record(_ metric: APICallMetric) {
        attempts.withLock { $0.append(metric) }
    }

    public func record(_ event: ClientEvent) {
        clientEvents.withLock { $0.append(event) }
    }

    /// Every attempt recorded so far, in order.
    public var events: [APICallMetric] { attempts.withLock { $0 } }

    /// Every request outcome, fallback and state change recorded so far, in order.
    public var stateEvents: [ClientEvent] { clientEvents.withLock { $0 } }

    /// The outcomes of the logical requests finished so far, in order.
    public var requestOutcomes: [RequestOutcome] {
        stateEvents.compactMap { event in
            if case .requestFinished(let outcome) = event { return outcome }
            return nil
        }
    }
}

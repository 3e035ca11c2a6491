import BulwarkCore
import Logging
import Synchronization

/// Forwards every event to the client's recorder and logs the changes that belong to no request: a
/// provider's breaker transitions (an opening is a warning), its outage severity (worse is a warning), and
/// the shared-state store (Redis) going away or coming back.
///
/// The patterns already report these as ``ClientEvent``s; logging them here keeps swift-log out of the
/// patterns. Only a change from a known state is logged, not the initial state each provider starts in.
final class StateChangeLogger: MetricsRecorder {
    private let next: any MetricsRecorder
    private let logger: Logger
    private struct Known {
        var circuit: [String: CircuitState] = [:]
        var outage: [String: OutageSeverity] = [:]
        var sharedStateUp: Bool?
    }
    private let known = Mutex(Known())

    init(forwardingTo next: any MetricsRecorder, logger: Logger) {
        self.next = next
        self.logger = logger
    }

    func record(_ metric: APICallMetric) {
        next.record(metric)
    }

    func record(_ event: ClientEvent) {
        next.record(event)
        switch event {
        case .circuitStateChanged(let provider, let state):
            let previous = known.withLock { known in
                defer { known.circuit[provider] = state }
                return known.circuit[provider]
            }
            guard let previous, previous != state else { return }
            let metadata: Logger.Metadata = [
                "provider": "\(provider)", "circuit_state": "\(state.rawValue)", "previous_state": "\(previous.rawValue)",
            ]
            if state == .open {
                logger.warning("circuit breaker opened", metadata: metadata)
            } else {
                logger.info("circuit breaker \(state == .halfOpen ? "half-open" : "closed")", metadata: metadata)
            }
        case .outageSeverityChanged(let provider, let severity):
            let previous = known.withLock { known in
                defer { known.outage[provider] = severity }
                return known.outage[provider]
            }
            guard let previous, previous != severity else { return }
            let metadata: Logger.Metadata = [
                "provider": "\(provider)", "outage_severity": "\(severity.name)", "previous_severity": "\(previous.name)",
            ]
            if severity > previous {
                logger.warning("provider outage worsened", metadata: metadata)
            } else {
                logger.info("provider outage eased", metadata: metadata)
            }
        case .sharedStateAvailability(let up):
            let previous = known.withLock { known in
                defer { known.sharedStateUp = up }
                return known.sharedStateUp
            }
            guard previous != up, up == false || previous == false else { return }
            if up {
                logger.info("shared state store available again")
            } else {
                logger.warning("shared state store unavailable: limits and breakers use this replica's local state")
            }
        case .sharedStateError(let operation):
            logger.debug(
                "shared state operation failed: the local state was used", metadata: ["operation": "\(operation.rawValue)"])
        case .apiKeyReloaded(let provider, let file, let problem):
            if let problem {
                logger.warning(
                    "new API key refused; the previous key stays in use",
                    metadata: ["provider": "\(provider)", "key_file": "\(file)", "problem": "\(problem)"])
            } else {
                logger.info("API key reloaded", metadata: ["provider": "\(provider)", "key_file": "\(file)"])
            }
        case .requestFinished, .fallback, .circuitOpened, .rateLimit, .hedge:
            break
        }
    }
}

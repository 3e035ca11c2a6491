import BulwarkCore
import Synchronization

/// What events posted to `/v1/events` say beyond their own attempt, turned into the ``ClientEvent``s an
/// in-process client would have sent (DESIGN.md, ingestion parity): `request_outcome` on a request's last
/// attempt counts the request, `fallback_from` on a fallback answer counts the move down the chain, and
/// the newest `circuit_state` seen for a provider drives its circuit gauge (and counts an opening).
///
/// An application whose own breaker skips a provider makes no attempt there, so it should post the
/// skipped call as an attempt with `status_code: 0`, `error_type: "unavailable"` and
/// `circuit_state: "open"`; the README's Python example does.
final class PostedEventState: Sendable {
    private struct Circuit {
        var timestamp: Double
        var state: CircuitState
    }

    /// Providers whose circuit is tracked; later names share the entry `other`, as the registry folds them.
    private let maxProviders: Int
    private let circuits = Mutex<[String: Circuit]>([:])

    init(maxProviders: Int) {
        self.maxProviders = max(1, maxProviders)
    }

    /// The client events that `batch` implies, in order.
    func clientEvents(for batch: [APICallMetric]) -> [ClientEvent] {
        var derived: [ClientEvent] = []
        for event in batch {
            guard let outcome = event.requestOutcome else { continue }
            derived.append(.requestFinished(outcome: outcome))
            if outcome == .fallback, let from = event.fallbackFrom, from != event.provider {
                derived.append(.fallback(from: from, to: event.provider))
            }
        }
        circuits.withLock { circuits in
            for event in batch {
                let provider = circuits[event.provider] != nil || circuits.count < maxProviders ? event.provider : "other"
                if let known = circuits[provider] {
                    guard event.timestamp >= known.timestamp else { continue }
                    circuits[provider]?.timestamp = event.timestamp
                    guard known.state != event.circuitState else { continue }
                } else {
                    circuits[provider] = Circuit(timestamp: event.timestamp, state: event.circuitState)
                }
                circuits[provider]?.state = event.circuitState
                derived.append(.circuitStateChanged(provider: provider, state: event.circuitState))
                if event.circuitState == .open { derived.append(.circuitOpened(provider: provider)) }
            }
        }
        return derived
    }
}

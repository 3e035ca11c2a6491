import BulwarkCore
import Synchronization

/// What a replica reports about one provider (`llm_api_circuit_state`, `llm_api_outage_severity`, the
/// state-change log lines, ``ResilientClient/providerStatus()``, degraded mode): the worse of its own
/// breaker and outage detector and what the shared store last said.
///
/// The shared side is learnt at each admission: refused because the shared breaker is open → `open`
/// until its recovery time, then `half_open`; refused because other replicas hold every trial slot, or
/// admitted as a trial → `half_open`; admitted otherwise, or the store did not answer → `closed`. Only
/// a change of the combined state is recorded, as `circuitStateChanged`; `circuitOpened` stays with the
/// local breaker, so `llm_api_circuit_opens_total` summed over replicas counts each opening once.
final class ReportedProviderState: Sendable {
    private struct State {
        var localCircuit = CircuitState.closed
        var sharedCircuit = CircuitState.closed
        /// Clock time at which a shared `open` becomes a shared `half_open`.
        var sharedOpenUntil: Double?
        var circuit = CircuitState.closed
        var localSeverity = OutageSeverity.none
        var sharedSeverity = OutageSeverity.none
        var sharedFailures = 0
        /// Wall time at which this replica learnt of the shared outage.
        var sharedSince: Double?
        var severity = OutageSeverity.none
    }

    private let provider: String
    private let recorder: any MetricsRecorder
    private let clock: any ResilienceClock
    private let state = Mutex(State())

    /// Records the initial `closed` and `none`.
    init(provider: String, recorder: any MetricsRecorder, clock: any ResilienceClock) {
        self.provider = provider
        self.recorder = recorder
        self.clock = clock
        recorder.record(.circuitStateChanged(provider: provider, state: .closed))
        recorder.record(.outageSeverityChanged(provider: provider, severity: .none))
    }

    /// The local breaker moved to `circuit`.
    func localCircuitChanged(to circuit: CircuitState) {
        update { $0.localCircuit = circuit }
    }

    /// The shared breaker is `circuit`; `retryAfter` is the time until a shared `open` lets trials through.
    func sharedCircuitChanged(to circuit: CircuitState, retryAfter: Double? = nil) {
        let now = clock.now
        update { state in
            state.sharedCircuit = circuit
            state.sharedOpenUntil = circuit == .open ? retryAfter.map { now + $0 } : nil
        }
    }

    /// The shared breaker let an attempt past it (which then waited for the budget): a shared `open` is
    /// over, the rest is unknown.
    func sharedCircuitLetThrough() {
        update { state in
            if state.sharedCircuit == .open {
                state.sharedCircuit = .halfOpen
                state.sharedOpenUntil = nil
            }
        }
    }

    /// The local outage detector moved to `severity`.
    func localOutageChanged(to severity: OutageSeverity) {
        update { $0.localSeverity = severity }
    }

    /// The shared outage window holds `failures` counted failures, which this replica reads as `severity`.
    func sharedOutageChanged(to severity: OutageSeverity, failures: Int) {
        let wall = clock.wallTime(at: clock.now)
        update { state in
            if severity == .none {
                state.sharedSince = nil
            } else if state.sharedSeverity == .none {
                state.sharedSince = wall
            }
            state.sharedSeverity = severity
            state.sharedFailures = failures
        }
    }

    /// The reported circuit state, after a shared `open` whose recovery time has passed became `half_open`.
    func circuit() -> CircuitState {
        update { _ in }
        return state.withLock { $0.circuit }
    }

    /// The reported outage severity.
    var severity: OutageSeverity { state.withLock { $0.severity } }

    /// The local outage status, or the shared one when the shared window is worse.
    func outageStatus(local: OutageStatus) -> OutageStatus {
        let now = clock.wallTime(at: clock.now)
        return state.withLock { state in
            guard state.sharedSeverity > local.severity, let since = state.sharedSince else { return local }
            return OutageStatus(
                provider: local.provider, severity: state.sharedSeverity, failures: state.sharedFailures, since: since,
                duration: now - since, windowSeconds: local.windowSeconds)
        }
    }

    /// Applies `change` and records what it changed in the combined state. The events are recorded under
    /// the lock so that the gauges see the changes in the order they happened.
    private func update(_ change: (inout State) -> Void) {
        let now = clock.now
        state.withLock { state in
            change(&state)
            if state.sharedCircuit == .open, let until = state.sharedOpenUntil, now >= until {
                state.sharedCircuit = .halfOpen
                state.sharedOpenUntil = nil
            }
            let circuit = Self.worse(state.localCircuit, state.sharedCircuit)
            if circuit != state.circuit {
                state.circuit = circuit
                recorder.record(.circuitStateChanged(provider: provider, state: circuit))
            }
            let severity = max(state.localSeverity, state.sharedSeverity)
            if severity != state.severity {
                state.severity = severity
                recorder.record(.outageSeverityChanged(provider: provider, severity: severity))
            }
        }
    }

    private static func worse(_ a: CircuitState, _ b: CircuitState) -> CircuitState {
        func rank(_ state: CircuitState) -> Int {
            switch state {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
        }
        return rank(a) >= rank(b) ? a : b
    }
}

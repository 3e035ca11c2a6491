import BulwarkCore

extension ProviderSlot {
    /// The outage severity the chain acts on: this replica's, or the one every replica's failures add up
    /// to in the shared window, whichever is worse.
    var outageSeverity: OutageSeverity {
        max(outage.severity, shared?.outageSeverity(provider: name) ?? .none)
    }

    /// The outage status degraded mode and status displays see: this replica's, or the shared window's
    /// when that is worse.
    func outageStatus() -> OutageStatus {
        reported.outageStatus(local: outage.status())
    }

    /// How long a shared concurrency or trial lease lives when its completion never arrives (a replica
    /// that died mid-call): the attempt's timeout and a margin.
    var sharedLeaseSeconds: Double { (configuration.timeoutSeconds ?? 600) + 5 }

    /// Admits an attempt in the shared budget, waiting at most as long as the local limiter would, and
    /// takes what the store said about the provider's breaker and outage window into the reported state.
    func admitShared(_ shared: SharedStateGate, tokens: Int) async -> SharedGateDecision {
        let decision = await shared.admit(
            provider: name, limits: configuration.rateLimits, tokens: tokens, leaseSeconds: sharedLeaseSeconds,
            maxWait: retryPolicy.retryAfterCeiling)
        switch decision {
        case .proceed(let grant):
            reported.sharedCircuitChanged(to: grant?.isTrial == true ? .halfOpen : .closed)
        case .circuitOpen(let retryAfter):
            reported.sharedCircuitChanged(to: retryAfter == nil ? .halfOpen : .open, retryAfter: retryAfter)
        case .rateLimited:
            // The store checks the breaker first: it let the attempt past it, so the breaker is not open.
            reported.sharedCircuitLetThrough()
        }
        noteSharedOutage()
        return decision
    }

    /// Takes the shared outage window, as this replica last learnt it, into the reported severity.
    func noteSharedOutage() {
        guard let shared else { return }
        reported.sharedOutageChanged(
            to: shared.outageSeverity(provider: name), failures: shared.outageFailures(provider: name))
    }
}

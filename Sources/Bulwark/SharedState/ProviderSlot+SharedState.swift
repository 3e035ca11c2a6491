import BulwarkCore

extension ProviderSlot {
    /// The outage severity the chain acts on: this replica's, or the one every replica's failures add up
    /// to in the shared window, whichever is worse.
    var outageSeverity: OutageSeverity {
        max(outage.severity, shared?.outageSeverity(provider: name) ?? .none)
    }

    /// How long a shared concurrency or trial lease lives when its completion never arrives (a replica
    /// that died mid-call): the attempt's timeout and a margin.
    var sharedLeaseSeconds: Double { (configuration.timeoutSeconds ?? 600) + 5 }

    /// Admits an attempt in the shared budget, waiting at most as long as the local limiter would.
    func admitShared(_ shared: SharedStateGate, tokens: Int) async -> SharedGateDecision {
        await shared.admit(
            provider: name, limits: configuration.rateLimits, tokens: tokens, leaseSeconds: sharedLeaseSeconds,
            maxWait: retryPolicy.retryAfterCeiling)
    }
}

import BulwarkCore
import Synchronization

/// What the shared store decided for one attempt.
enum SharedGateDecision: Sendable {
    /// Go on to the local limiter; `grant` is the shared reservation (`nil`: the store did not answer,
    /// local state decides alone).
    case proceed(SharedGrant?)
    /// Another replica opened the provider's breaker; `retryAfter` is the time to the first trial, `nil`
    /// while other replicas hold every trial slot.
    case circuitOpen(retryAfter: Double?)
    /// The shared budget needs a longer wait than the caller accepts.
    case rateLimited(RateLimitWaitExceeded)
}

/// The client's side of shared state: asks the store before each attempt, falls back to local state at
/// once when it fails, reports outcomes without making the caller wait, and turns the store's health
/// into `llm_api_shared_state_up` and `llm_api_shared_state_errors_total{operation}`.
///
/// Reports that do not block the caller run as tasks; at most ``maxPendingReports`` are pending, and
/// those beyond are dropped and counted as errors of their operation.
final class SharedStateGate: Sendable {
    static let maxPendingReports = 256
    /// Poll interval while every shared concurrency slot is leased.
    static let concurrencyPoll = 0.01

    let store: any SharedStateStore
    private let recorder: any MetricsRecorder
    private let clock: any ResilienceClock
    private let settings: CircuitBreakerConfiguration
    private let outage: OutageConfiguration
    /// Counted failures per provider in the shared outage window, as the last admission reported them
    /// (one entry per configured provider).
    private let sharedFailures = Mutex<[String: Int]>([:])
    /// -1 unknown, 0 down, 1 up.
    private let up = Atomic<Int8>(-1)
    private let pending = Atomic<Int>(0)

    init(
        store: any SharedStateStore, recorder: any MetricsRecorder, clock: any ResilienceClock,
        settings: CircuitBreakerConfiguration, outage: OutageConfiguration
    ) {
        self.store = store
        self.recorder = recorder
        self.clock = clock
        self.settings = settings
        self.outage = outage
    }

    /// The provider's outage severity from the failures every replica counted in the shared window (as of
    /// this replica's last admission and its own outcomes since); `.none` while the store does not answer.
    func outageSeverity(provider: String) -> OutageSeverity {
        let failures = outageFailures(provider: provider)
        if failures >= max(1, outage.prolongedThreshold) { return .prolonged }
        if failures >= max(1, outage.extendedThreshold) { return .extended }
        return failures >= 1 ? .transient : .none
    }

    /// The provider's counted failures in the shared window, as of this replica's last admission and its
    /// own outcomes since; 0 while the store does not answer.
    func outageFailures(provider: String) -> Int {
        sharedFailures.withLock { $0[provider] ?? 0 }
    }

    /// Admits an attempt on `slot` in the shared budget, sleeping the shared waits up to `maxWait`.
    func admit(
        provider: String, limits: RateLimitConfiguration, tokens: Int, leaseSeconds: Double, maxWait: Double?
    ) async -> SharedGateDecision {
        let request = SharedAdmissionRequest(
            provider: provider, limits: limits, estimatedTokens: tokens, leaseSeconds: leaseSeconds,
            halfOpenMaxCalls: settings.halfOpenMaxCalls, outageWindowSeconds: outage.windowSeconds)
        let start = clock.now
        while true {
            let answer: SharedAdmission
            do {
                answer = try await store.admit(request)
                noteAvailable(true)
            } catch {
                failed(.admit)
                sharedFailures.withLock { $0[provider] = nil }
                return .proceed(nil)
            }
            let waited = clock.now - start
            switch answer {
            case .granted(let grant):
                sharedFailures.withLock { $0[provider] = grant.outageFailures }
                return .proceed(grant)
            case .circuitOpen(let retryAfter, let failures):
                sharedFailures.withLock { $0[provider] = failures }
                return .circuitOpen(retryAfter: retryAfter)
            case .wait(let seconds, let reason):
                if let maxWait, waited + seconds > maxWait + 1e-9 {
                    return .rateLimited(RateLimitWaitExceeded(provider: provider, wait: seconds, reason: reason))
                }
                do { try await clock.sleep(for: seconds) } catch { return .proceed(nil) }
            case .concurrencyLimited:
                if let maxWait, waited + Self.concurrencyPoll > maxWait {
                    return .rateLimited(RateLimitWaitExceeded(provider: provider, wait: nil, reason: .concurrency))
                }
                do { try await clock.sleep(for: Self.concurrencyPoll) } catch { return .proceed(nil) }
            }
        }
    }

    /// Gives back `grant` unused (the local limiter refused the attempt).
    func release(provider: String, grant: SharedGrant) {
        send(provider: provider, grant: grant, actualTokens: 0, trial: .none, outage: .none)
    }

    /// Reports the end of an attempt admitted with `grant`, without waiting for the store.
    func complete(provider: String, grant: SharedGrant, actualTokens: Int?, result: Result<ChatResult, ProviderError>) {
        let trial: SharedCompletion.TrialOutcome
        switch result {
        case _ where !grant.isTrial: trial = .none
        case .success: trial = .succeeded
        case .failure(let error): trial = ProviderFailurePolicy.countsAgainstProvider(error) ? .failed : .none
        }
        let outcome: SharedCompletion.TrialOutcome
        switch result {
        case .success:
            outcome = grant.outageFailures > 0 ? .succeeded : .none
            sharedFailures.withLock { $0[provider] = 0 }
        case .failure(let error) where ProviderFailurePolicy.countsAgainstProvider(error):
            outcome = .failed
            sharedFailures.withLock { $0[provider, default: 0] += 1 }
        case .failure:
            outcome = .none
        }
        send(provider: provider, grant: grant, actualTokens: actualTokens, trial: trial, outage: outcome)
    }

    private func send(
        provider: String, grant: SharedGrant, actualTokens: Int?, trial: SharedCompletion.TrialOutcome,
        outage outcome: SharedCompletion.TrialOutcome
    ) {
        let completion = SharedCompletion(
            provider: provider, grant: grant, actualTokens: actualTokens, trial: trial,
            successThreshold: settings.successThreshold, recoverySeconds: settings.recoveryTimeout, outage: outcome,
            outageWindowSeconds: outage.windowSeconds)
        guard completion.isNeeded else { return }
        report(.complete) { store in try await store.complete(completion) }
    }

    /// Publishes a transition of this replica's breaker: openings, and closings after trials.
    func circuitChanged(provider: String, event: CircuitBreakerEvent) {
        let recovery = settings.recoveryTimeout
        if event.isOpening {
            report(.circuit) { store in try await store.publishCircuit(provider: provider, open: true, recoverySeconds: recovery) }
        } else if event.to == .closed, event.from == .halfOpen {
            report(.circuit) { store in try await store.publishCircuit(provider: provider, open: false, recoverySeconds: recovery) }
        }
    }

    /// Publishes the requests and tokens a response's headers reported.
    func observe(provider: String, headers: RateLimitHeaders) {
        var limits = SharedProviderLimits(
            provider: provider, requestsRemaining: nil, requestsResetAfter: 0, tokensRemaining: nil, tokensResetAfter: 0)
        for bucket in headers.buckets {
            guard let remaining = bucket.remaining, let reset = bucket.resetAfter else { continue }
            switch bucket.resource {
            case .requests:
                limits.requestsRemaining = remaining
                limits.requestsResetAfter = TimeConversion.seconds(reset)
            case .tokens:
                limits.tokensRemaining = remaining
                limits.tokensResetAfter = TimeConversion.seconds(reset)
            case .inputTokens, .outputTokens:
                continue
            }
        }
        guard limits.requestsRemaining != nil || limits.tokensRemaining != nil else { return }
        let reported = limits
        report(.limits) { store in try await store.publishProviderLimits(reported) }
    }

    // MARK: - Internals

    private func report(_ operation: SharedStateOperation, _ body: @escaping @Sendable (any SharedStateStore) async throws -> Void) {
        guard pending.add(1, ordering: .relaxed).newValue <= Self.maxPendingReports else {
            pending.subtract(1, ordering: .relaxed)
            recorder.record(.sharedStateError(operation: operation))
            return
        }
        let store = self.store
        Task {
            defer { pending.subtract(1, ordering: .relaxed) }
            do {
                try await body(store)
                noteAvailable(true)
            } catch {
                failed(operation)
            }
        }
    }

    private func failed(_ operation: SharedStateOperation) {
        noteAvailable(false)
        recorder.record(.sharedStateError(operation: operation))
    }

    private func noteAvailable(_ available: Bool) {
        let value: Int8 = available ? 1 : 0
        if up.exchange(value, ordering: .acquiringAndReleasing) != value { recorder.record(.sharedStateAvailability(up: available)) }
    }
}

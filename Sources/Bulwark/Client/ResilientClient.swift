public import BulwarkCore
import Foundation

/// Calls LLM providers through a fallback chain with retries, rate limiting, circuit breakers,
/// outage detection and degraded mode, recording one ``APICallMetric`` per attempt.
///
/// ```swift
/// let configuration = try BulwarkConfiguration.load(path: "bulwark.yaml")
/// let client = try ResilientClient(configuration: configuration, environment: ProcessInfo.processInfo.environment)
/// let answer = try await client.complete(ChatRequest(messages: [.user("Hello")]))
/// ```
public final class ResilientClient: Sendable {
    /// The providers in the order they are tried.
    public var providerNames: [String] { slots.map(\.name) }

    let slots: [ProviderSlot]
    private let runner: AttemptRunner
    private let recorder: any MetricsRecorder
    private let budget: RetryBudget
    private let degraded: DegradedMode
    private let clock: any ResilienceClock
    /// The transport this client created (and so releases); `nil` when the caller passed one.
    private let ownedTransport: AsyncHTTPClientTransport?

    /// Creates a client from configuration, reading and checking every provider's key from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` naming every missing or malformed key at once.
    public convenience init(
        configuration: BulwarkConfiguration,
        environment: [String: String],
        transport: (any HTTPTransport)? = nil,
        recorder: any MetricsRecorder = NoOpRecorder(),
        clock: any ResilienceClock = SystemClock(),
        timerClock: any ResilienceClock = SystemClock(),
        sharedState: (any SharedStateStore)? = nil
    ) throws(ConfigurationError) {
        guard !configuration.providers.isEmpty else {
            throw ConfigurationError(source: nil, problems: [.init(path: "providers", message: "no provider is configured")])
        }
        let keys = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: environment)
        // Created only once nothing can throw: the client owns it and releases it in `shutdown()`.
        let owned = transport == nil ? AsyncHTTPClientTransport() : nil
        self.init(
            configuration: configuration, keys: keys, transport: transport ?? owned!, recorder: recorder, clock: clock,
            timerClock: timerClock, random: RandomSource(), owning: owned, sharedState: sharedState)
    }

    /// Creates a client with keys already resolved (see ``APIKeyValidator``).
    ///
    /// - Parameters:
    ///   - clock: drives backoff waits, rate-limit windows, breaker recovery and outage windows.
    ///   - timerClock: times each attempt (latency, request, first-token and stall timeouts). Tests pass a
    ///     manual `clock` and keep the real `timerClock`, so advancing time never fires a timeout of a
    ///     request that is still in flight.
    public convenience init(
        configuration: BulwarkConfiguration,
        keys: [String: APIKey],
        transport: any HTTPTransport,
        recorder: any MetricsRecorder = NoOpRecorder(),
        clock: any ResilienceClock = SystemClock(),
        timerClock: any ResilienceClock = SystemClock(),
        sharedState: (any SharedStateStore)? = nil
    ) {
        self.init(
            configuration: configuration, keys: keys, transport: transport, recorder: recorder, clock: clock,
            timerClock: timerClock, random: RandomSource(), sharedState: sharedState)
    }

    /// The designated initializer; `random` seeds the backoff jitter (tests pass a seeded source), and
    /// `owning` is the transport the client created, released by ``shutdown()``; `sharedState` is the store
    /// the replicas share their limits and breakers through (see ``SharedStateStore``).
    package init(
        configuration: BulwarkConfiguration,
        keys: [String: APIKey],
        transport: any HTTPTransport,
        recorder: any MetricsRecorder,
        clock: any ResilienceClock,
        timerClock: any ResilienceClock,
        random: RandomSource,
        owning: AsyncHTTPClientTransport? = nil,
        sharedState: (any SharedStateStore)? = nil
    ) {
        ownedTransport = owning
        let shared = sharedState.map {
            SharedStateGate(
                store: $0, recorder: recorder, clock: clock, settings: configuration.circuitBreaker,
                outage: configuration.outage)
        }
        slots = configuration.providers.sorted { $0.priority < $1.priority }.map { provider in
            ProviderSlot(
                configuration: provider, apiKey: keys[provider.name] ?? APIKey(""), settings: configuration,
                clock: clock, random: random, recorder: recorder, shared: shared)
        }
        runner = AttemptRunner(transport: transport, clock: timerClock, wallClock: clock, streaming: configuration.streaming)
        self.recorder = recorder
        budget = RetryBudget(configuration: .init(ratio: configuration.retry.budgetRatio), clock: clock)
        degraded = DegradedMode(providers: configuration.providers.map(\.name), clock: clock)
        self.clock = clock
    }

    /// Releases what the client created: the connections of the transport it made when none was passed.
    /// A transport passed in stays the caller's to shut down. Call it once, after the last request.
    public func shutdown() async {
        await ownedTransport?.shutdown()
    }

    /// Sends `request` through the chain and returns the first good answer.
    public func complete(_ request: ChatRequest, options: RequestOptions = RequestOptions()) async throws(ResilientClientError)
        -> ResilientResponse
    {
        var request = request
        request.stream = false
        return try await execute(request, options: options, deliver: nil)
    }

    /// One piece of a streamed answer.
    public enum StreamUpdate: Sendable {
        /// Text as it arrives.
        case text(String)
        /// The stream finished; the full answer and how it was obtained.
        case completed(ResilientResponse)
    }

    /// Streams `request`'s answer. Retries and fallbacks happen only while nothing has been delivered;
    /// after that a failure ends the stream with a ``ResilientClientError`` carrying the partial text.
    public func stream(_ request: ChatRequest, options: RequestOptions = RequestOptions()) -> AsyncThrowingStream<StreamUpdate, any Error> {
        var request = request
        request.stream = true
        let (stream, continuation) = AsyncThrowingStream<StreamUpdate, any Error>.makeStream()
        let task = Task {
            do {
                let response = try await self.execute(request, options: options) { text in
                    continuation.yield(.text(text))
                }
                continuation.yield(.completed(response))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The providers' breaker and outage state, for status displays.
    public func providerStatus() -> [(provider: String, circuit: CircuitState, outage: OutageStatus)] {
        slots.map { ($0.name, $0.breaker.currentState(), $0.outage.status()) }
    }

    // MARK: - The chain

    private func execute(
        _ request: ChatRequest, options: RequestOptions, deliver: (@Sendable (String) async -> Void)?
    ) async throws(ResilientClientError) -> ResilientResponse {
        let requestID = RequestID.make()
        // Only cacheable requests are looked up or remembered, so only they pay for a fingerprint.
        let fingerprint = options.cacheable ? RequestFingerprint(request) : nil
        budget.recordRequest()
        if let cached = try await admitThroughDegradedMode(fingerprint, options: options, requestID: requestID) {
            return cached
        }
        var run = ChainRun(requestID: requestID, estimatedTokens: Self.estimatedTokens(request))
        for (index, slot) in slots.enumerated() {
            let laterSlots = slots[(index + 1)...]
            if let skip = skipReason(slot, later: laterSlots, tokens: run.estimatedTokens) {
                run.failures.append(.init(provider: slot.name, skippedBecause: skip))
                // Skipping a provider (open circuit, rate limit) is falling back from it: the answer of a
                // later provider counts as a fallback, so outages show in the fallback share.
                run.noteProviderTried(slot.name)
                continue
            }
            if let previous = run.lastProviderTried { recorder.record(.fallback(from: previous, to: slot.name)) }
            run.noteProviderTried(slot.name)
            switch await tryProvider(slot, request: request, run: &run, hasFallback: !laterSlots.isEmpty, deliver: deliver) {
            case .answered(let result):
                if let fingerprint { degraded.remember(result, for: fingerprint, provider: slot.name) }
                let usedFallback = slot.name != run.firstProviderTried
                recorder.record(.requestFinished(outcome: usedFallback ? .fallback : .success))
                return ResilientResponse(
                    result: result, provider: slot.name, attempts: run.attempts, usedFallback: usedFallback,
                    fromCache: false, requestID: requestID)
            case .moveOn(let error):
                run.failures.append(.init(provider: slot.name, error: error))
            case .stop(let code, let error):
                run.failures.append(.init(provider: slot.name, error: error))
                recorder.record(.requestFinished(outcome: .failed))
                throw ResilientClientError(
                    code: code, requestID: requestID, failures: run.failures, partialText: error.partial?.text)
            }
        }
        recorder.record(.requestFinished(outcome: .failed))
        throw ResilientClientError(code: .allProvidersFailed, requestID: requestID, failures: run.failures)
    }

    /// Bookkeeping of one logical request across providers.
    private struct ChainRun {
        let requestID: String
        /// Input and expected output tokens, for the rate limiters.
        let estimatedTokens: Int
        var attempts = 0
        var failures: [ResilientClientError.ProviderFailure] = []
        var firstProviderTried: String?
        var lastProviderTried: String?

        init(requestID: String, estimatedTokens: Int) {
            self.requestID = requestID
            self.estimatedTokens = estimatedTokens
        }

        mutating func noteProviderTried(_ name: String) {
            if firstProviderTried == nil { firstProviderTried = name }
            lastProviderTried = name
        }
    }

    private enum ProviderVerdict {
        case answered(ChatResult)
        /// Try the next provider.
        case moveOn(ProviderError)
        /// No other provider can help (the request itself is wrong, or a stream already delivered text).
        case stop(ResilientClientError.Code, ProviderError)
    }

    /// Why `slot` is skipped without an attempt, or `nil` to try it.
    private func skipReason(_ slot: ProviderSlot, later: ArraySlice<ProviderSlot>, tokens: Int) -> String? {
        if slot.breaker.currentState() == .open {
            return "circuit open"
        }
        // Route around a limiter wait when a later provider could go at once.
        guard !later.isEmpty else { return nil }
        if let wait = slot.limiter.waitTime(estimatedTokens: tokens), wait <= 0 { return nil }
        let laterCanGoNow = later.contains { next in
            next.breaker.currentState() != .open && next.limiter.waitTime(estimatedTokens: tokens) == 0
        }
        if laterCanGoNow {
            let wait = slot.limiter.waitTime(estimatedTokens: tokens)
            return wait.map { String(format: "rate limit: would wait %.3f s", $0) } ?? "rate limit: all concurrent slots busy"
        }
        return nil
    }

    private func tryProvider(
        _ slot: ProviderSlot, request: ChatRequest, run: inout ChainRun, hasFallback: Bool,
        deliver: (@Sendable (String) async -> Void)?
    ) async -> ProviderVerdict {
        var retryCount = 0
        var previousDelay: Double?
        while true {
            guard case .allowed(let circuitPermit) = slot.breaker.acquire() else {
                return .moveOn(ProviderError(errorType: .unavailable, statusCode: 0, message: "\(slot.name): circuit open"))
            }
            var sharedGrant: SharedGrant?
            if let shared = slot.shared {
                switch await slot.admitShared(shared, tokens: run.estimatedTokens) {
                case .proceed(let grant):
                    sharedGrant = grant
                case .circuitOpen:
                    slot.breaker.release(circuitPermit)
                    return .moveOn(ProviderError(errorType: .unavailable, statusCode: 0, message: "\(slot.name): circuit open (shared)"))
                case .rateLimited(let error):
                    slot.breaker.release(circuitPermit)
                    return .moveOn(ProviderError(errorType: .rateLimited, statusCode: 0, message: "\(slot.name): \(error)"))
                }
            }
            let ratePermit: RateLimitPermit
            do {
                // A limiter wait longer than a Retry-After the client would accept falls back instead.
                ratePermit = try await slot.limiter.acquire(
                    estimatedTokens: run.estimatedTokens, maxWait: slot.retryPolicy.retryAfterCeiling)
            } catch {
                slot.breaker.release(circuitPermit)
                if let sharedGrant { slot.shared?.release(provider: slot.name, grant: sharedGrant) }
                return .moveOn(ProviderError(errorType: .rateLimited, statusCode: 0, message: "\(slot.name): \(error)"))
            }
            run.attempts += 1
            let context = AttemptContext(
                slot: slot, request: request, requestID: run.requestID, attempt: run.attempts, retryCount: retryCount,
                fallback: run.firstProviderTried != slot.name, circuitState: circuitPermit.state)
            let outcome = await runner.run(context, deliver: deliver)
            recorder.record(outcome.metric)
            let usedTokens = outcome.metric.inputTokens + outcome.metric.outputTokens
            // Unknown usage keeps the estimate in the token window rather than freeing it.
            ratePermit.complete(actualTokens: usedTokens > 0 ? usedTokens : nil)
            if let sharedGrant {
                slot.shared?.complete(
                    provider: slot.name, grant: sharedGrant, actualTokens: usedTokens > 0 ? usedTokens : nil,
                    result: outcome.result)
            }
            switch outcome.result {
            case .success(let result):
                slot.recordOutcome(nil, permit: circuitPermit)
                noteOutageStatus(of: slot)
                return .answered(result)
            case .failure(let error):
                slot.recordOutcome(error, permit: circuitPermit)
                noteOutageStatus(of: slot)
                if outcome.deliveredText { return .stop(.allProvidersFailed, error) }
                switch error.errorType {
                case .badRequest where !error.isContextLengthExceeded, .contentFiltered:
                    return .stop(.requestRejected, error)
                case .authentication, .permission, .notFound, .quotaExhausted, .badRequest:
                    return .moveOn(error)
                default:
                    break
                }
                // An extended outage routes to the fallback instead of retrying here.
                if hasFallback, slot.outageSeverity >= .extended { return .moveOn(error) }
                let decision = slot.retryPolicy.decide(
                    after: error, retriesSoFar: retryCount, previousDelay: previousDelay, budget: budget)
                guard case .retry(let delay, _) = decision else { return .moveOn(error) }
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    return .stop(.allProvidersFailed, ProviderError(errorType: .connection, statusCode: 0, message: "cancelled while waiting to retry"))
                }
                retryCount += 1
                previousDelay = delay
            }
        }
    }

    /// Passes `slot`'s outage status to degraded mode, except on the common path where a healthy provider
    /// stays healthy, which cannot change degraded mode.
    private func noteOutageStatus(of slot: ProviderSlot) {
        let healthy = slot.outage.severity == .none
        if healthy, slot.degradedModeSawHealthy.load(ordering: .acquiring) { return }
        degraded.update(slot.outage.status())
        slot.degradedModeSawHealthy.store(healthy, ordering: .releasing)
    }

    private func admitThroughDegradedMode(
        _ fingerprint: RequestFingerprint?, options: RequestOptions, requestID: String
    ) async throws(ResilientClientError) -> ResilientResponse? {
        do {
            switch try await degraded.admit(fingerprint, options: options) {
            case .proceed:
                return nil
            case .cached(let cached):
                recorder.record(.requestFinished(outcome: .success))
                return ResilientResponse(
                    result: cached.result, provider: cached.provider ?? "cache", attempts: 0, usedFallback: false,
                    fromCache: true, requestID: requestID)
            }
        } catch let error as DegradedModeError {
            recorder.record(.requestFinished(outcome: .failed))
            throw ResilientClientError(
                code: error.code == .deadlineExceeded ? .deadlineExceeded : .degraded, requestID: requestID,
                failures: error.downProviders.map { status in
                    .init(provider: status.provider, skippedBecause: "\(status)", downSince: status.since)
                })
        } catch {
            recorder.record(.requestFinished(outcome: .failed))
            throw ResilientClientError(code: .deadlineExceeded, requestID: requestID, failures: [])
        }
    }

    static func estimatedTokens(_ request: ChatRequest) -> Int {
        RequestTimeout.estimatedInputTokens(request) + (request.maxTokens ?? 1_024)
    }
}

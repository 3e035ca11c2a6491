public import BulwarkCore
import Foundation
public import Logging
public import ServiceLifecycle
public import Tracing

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
    let runner: AttemptRunner
    let recorder: any MetricsRecorder
    /// `hedging:` and the budget hedges draw from; `nil` when hedging is off.
    private let hedging: (policy: HedgingConfiguration, budget: RetryBudget)?
    private let budget: RetryBudget
    private let degraded: DegradedMode
    private let clock: any ResilienceClock
    /// The transport this client created (and so releases); `nil` when the caller passed one.
    private let ownedTransport: AsyncHTTPClientTransport?
    /// Calls in flight, and whether new ones are refused.
    private let lifecycle = ClientLifecycle()
    /// How long ``shutdown()`` lets calls in flight finish, in seconds.
    private let shutdownGracePeriod: Double
    /// The logger and tracer of every request.
    let telemetry: ClientTelemetry

    /// Creates a client from configuration, reading and checking every provider's key from `environment`.
    ///
    /// - Throws: ``ConfigurationError`` naming every problem at once: those of
    ///   ``BulwarkConfiguration/problems()`` and every missing or malformed key (providers marked
    ///   `keyless` need none).
    public convenience init(
        configuration: BulwarkConfiguration,
        environment: [String: String],
        transport: (any HTTPTransport)? = nil,
        recorder: any MetricsRecorder = NoOpRecorder(),
        clock: any ResilienceClock = SystemClock(),
        timerClock: any ResilienceClock = SystemClock(),
        sharedState: (any SharedStateStore)? = nil,
        logger: Logger = ResilientClient.defaultLogger,
        tracer: (any Tracer)? = nil
    ) throws(ConfigurationError) {
        var problems = configuration.problems()
        if configuration.providers.isEmpty { problems.append(.init(path: "providers", message: "no provider is configured")) }
        var credentials: [String: ProviderCredentials] = [:]
        do {
            credentials = try APIKeyValidator.resolveCredentials(for: configuration.providers, environment: environment)
        } catch {
            problems += error.problems
        }
        // Every problem at once: the configuration's and the keys'.
        guard problems.isEmpty else { throw ConfigurationError(source: nil, problems: problems) }
        // Created only once nothing can throw: the client owns it and releases it in `shutdown()`.
        let owned = transport == nil
            ? AsyncHTTPClientTransport(connectTimeout: .milliseconds(Int64(configuration.connectTimeoutSeconds * 1000)))
            : nil
        self.init(
            configuration: configuration, keys: [:], transport: transport ?? owned!, recorder: recorder, clock: clock,
            timerClock: timerClock, random: RandomSource(), owning: owned, sharedState: sharedState, logger: logger,
            tracer: tracer, credentials: credentials)
    }

    /// Creates a client with keys already resolved (see ``APIKeyValidator``). Providers' `env:` header
    /// values are read from the process environment; `api_key_file` is not read or watched (use
    /// ``init(configuration:environment:transport:recorder:clock:timerClock:sharedState:)`` for both).
    ///
    /// - Parameters:
    ///   - clock: drives backoff waits, rate-limit windows, breaker recovery and outage windows.
    ///   - timerClock: times each attempt (latency, request, first-token and stall timeouts). Tests pass a
    ///     manual `clock` and keep the real `timerClock`, so advancing time never fires a timeout of a
    ///     request that is still in flight.
    ///   - logger: receives the client's retries, fallbacks, hedges, breaker and outage changes and failed
    ///     requests (see "Logging and tracing" in the README); by default nothing is logged.
    ///   - tracer: starts a span per request and a client span per attempt; `nil` uses
    ///     `InstrumentationSystem.tracer`, the one the application bootstrapped (none by default).
    public convenience init(
        configuration: BulwarkConfiguration,
        keys: [String: APIKey],
        transport: any HTTPTransport,
        recorder: any MetricsRecorder = NoOpRecorder(),
        clock: any ResilienceClock = SystemClock(),
        timerClock: any ResilienceClock = SystemClock(),
        sharedState: (any SharedStateStore)? = nil,
        logger: Logger = ResilientClient.defaultLogger,
        tracer: (any Tracer)? = nil
    ) {
        self.init(
            configuration: configuration, keys: keys, transport: transport, recorder: recorder, clock: clock,
            timerClock: timerClock, random: RandomSource(), sharedState: sharedState, logger: logger, tracer: tracer)
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
        sharedState: (any SharedStateStore)? = nil,
        logger: Logger = ResilientClient.defaultLogger,
        tracer: (any Tracer)? = nil,
        credentials: [String: ProviderCredentials]? = nil
    ) {
        ownedTransport = owning
        shutdownGracePeriod = configuration.shutdownGracePeriodSeconds
        telemetry = ClientTelemetry(logger: logger, tracer: tracer)
        // Breaker, outage and shared-state changes are logged on their way to the recorder.
        let stateRecorder = StateChangeLogger(forwardingTo: recorder, logger: logger)
        let shared = sharedState.map {
            SharedStateGate(
                store: $0, recorder: stateRecorder, clock: clock, settings: configuration.circuitBreaker,
                outage: configuration.outage)
        }
        slots = configuration.providers.sorted { $0.priority < $1.priority }.map { provider -> ProviderSlot in
            let providerCredentials = credentials?[provider.name] ?? ProviderCredentials(provider, given: keys[provider.name])
            return ProviderSlot(
                configuration: provider, credentials: providerCredentials, settings: configuration,
                clock: clock, random: random, recorder: stateRecorder, shared: shared,
                tokenSource: VertexCredentials.tokenSource(
                    for: provider, accessToken: providerCredentials.key?.key, transport: transport))
        }
        runner = AttemptRunner(
            transport: transport, clock: timerClock, wallClock: clock, streaming: configuration.streaming,
            connectTimeout: configuration.connectTimeoutSeconds)
        self.recorder = recorder
        budget = RetryBudget(configuration: .init(ratio: configuration.retry.budgetRatio), clock: clock)
        hedging = configuration.hedging.flatMap { policy in
            guard policy.maxHedges > 0 else { return nil }
            return (policy, RetryBudget(configuration: .init(ratio: policy.budgetRatio, minimumRetriesPerSecond: 0), clock: clock))
        }
        degraded = DegradedMode(providers: configuration.providers.map(\.name), clock: clock)
        self.clock = clock
    }

    /// Stops taking calls (new ones fail with ``ResilientClientError/Code/shuttingDown``), lets the calls
    /// in flight finish for up to `shutdown_grace_period_seconds` (default 10), then releases what the
    /// client created: the connections of the transport it made when none was passed (calls still in
    /// flight then end `cancelled`). A transport passed in stays the caller's to shut down. Calling it
    /// again does nothing more.
    public func shutdown() async {
        _ = await lifecycle.drain(gracePeriod: shutdownGracePeriod)
        for slot in slots { slot.keyWatcher?.stop() }
        await ownedTransport?.shutdown()
    }

    /// Calls in flight now.
    public var callsInFlight: Int { lifecycle.inFlight }

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
    ///
    /// The request starts when iteration starts; a slow consumer applies backpressure (see
    /// ``ResilientStream``), and one that stops reading cancels the request (outcome `cancelled`).
    public func stream(_ request: ChatRequest, options: RequestOptions = RequestOptions()) -> ResilientStream {
        var streamed = request
        streamed.stream = true
        return ResilientStream { [self, streamed] channel in
            do {
                let response = try await self.execute(streamed, options: options) { text in
                    _ = await channel.send(.text(text))
                }
                _ = await channel.send(.completed(response))
                channel.finish()
            } catch {
                channel.finish(throwing: error)
            }
        }
    }

    /// The providers' breaker and outage state, for status displays. With `shared_state`, a provider whose
    /// shared breaker or outage window is worse than this replica's own shows the shared state, as this
    /// replica last learnt it from the store.
    public func providerStatus() -> [(provider: String, circuit: CircuitState, outage: OutageStatus)] {
        slots.map { ($0.name, $0.circuitState(), $0.outageStatus()) }
    }

    // MARK: - The chain

    private func execute(
        _ request: ChatRequest, options: RequestOptions, deliver: (@Sendable (String) async -> Void)?
    ) async throws(ResilientClientError) -> ResilientResponse {
        guard lifecycle.enter() else {
            throw ResilientClientError(code: .shuttingDown, requestID: RequestID.make(), failures: [])
        }
        defer { lifecycle.leave() }
        guard let deadline = options.deadline else {
            return try await chain(request, options: options, deliver: deliver)
        }
        // The caller's deadline cancels the call in flight: its attempt and the request end `cancelled`.
        let response: ResilientResponse?
        do {
            response = try await withDeadline(deadline - clock.now, clock: clock) {
                try await self.chain(request, options: options, deliver: deliver)
            }
        } catch let error as ResilientClientError {
            throw error
        } catch {
            throw ResilientClientError(code: .cancelled, requestID: RequestID.make(), failures: [])
        }
        guard let response else {
            throw ResilientClientError(code: .deadlineExceeded, requestID: RequestID.make(), failures: [])
        }
        return response
    }

    private func chain(
        _ request: ChatRequest, options: RequestOptions, deliver: (@Sendable (String) async -> Void)?
    ) async throws(ResilientClientError) -> ResilientResponse {
        let requestID = RequestID.make()
        // Only cacheable requests are looked up or remembered, so only they pay for a fingerprint.
        let fingerprint = options.cacheable ? RequestFingerprint(request) : nil
        budget.recordRequest()
        hedging?.budget.recordRequest()
        let requestTelemetry = telemetry.startRequest(
            requestID: requestID, model: request.model ?? slots.first?.configuration.model ?? "")
        let cached: ResilientResponse?
        do {
            cached = try await admitThroughDegradedMode(fingerprint, options: options, requestID: requestID)
        } catch {
            requestTelemetry.refused(error)
            throw error
        }
        if let cached {
            requestTelemetry.servedFromCache(cached)
            return cached
        }
        var run = ChainRun(
            requestID: requestID, estimatedTokens: Self.estimatedTokens(request), telemetry: requestTelemetry)
        for (index, slot) in slots.enumerated() {
            if Task.isCancelled { throw finishCancelled(&run, error: nil) }
            let laterSlots = slots[(index + 1)...]
            if let skip = skipReason(slot, later: laterSlots, tokens: run.estimatedTokens) {
                run.failures.append(.init(provider: slot.name, skippedBecause: skip))
                // Skipping a provider (open circuit, rate limit) is falling back from it: the answer of a
                // later provider counts as a fallback, so outages show in the fallback share.
                run.noteProviderTried(slot.name)
                continue
            }
            if let previous = run.lastProviderTried {
                recorder.record(.fallback(from: previous, to: slot.name))
                run.telemetry.fallingBack(from: previous, to: slot.name, after: run.failures.last)
            }
            run.noteProviderTried(slot.name)
            switch await tryProvider(slot, request: request, run: &run, hasFallback: !laterSlots.isEmpty, deliver: deliver) {
            case .answered(let result, let answeredBy):
                if let fingerprint { degraded.remember(result, for: fingerprint, provider: answeredBy.name) }
                let usedFallback = answeredBy.name != run.firstProviderTried
                finish(&run, outcome: usedFallback ? .fallback : .success, answer: (answeredBy, result))
                return ResilientResponse(
                    result: result, provider: answeredBy.name, attempts: run.attempts, usedFallback: usedFallback,
                    fromCache: false, requestID: requestID)
            case .moveOn(let error):
                run.failures.append(.init(provider: slot.name, error: error))
            case .stop(let code, let error):
                run.failures.append(.init(provider: slot.name, error: error))
                finish(&run, outcome: .failed)
                throw ResilientClientError(
                    code: code, requestID: requestID, failures: run.failures, partialText: error.partial?.text)
            case .cancelled(let error):
                throw finishCancelled(&run, error: error.map { ($0, slot.name) })
            }
        }
        finish(&run, outcome: .failed)
        throw ResilientClientError(code: .allProvidersFailed, requestID: requestID, failures: run.failures)
    }

    /// Records the request's end: its outcome on its last attempt (held back until now) and as a
    /// ``ClientEvent``.
    private func finish(_ run: inout ChainRun, outcome: RequestOutcome, answer: (ProviderSlot, ChatResult)? = nil) {
        run.telemetry.finished(
            outcome, attempts: run.attempts,
            answer: answer.flatMap { slot, result in run.heldAttempt.map { (slot, $0, result) } }, failures: run.failures)
        if var last = run.heldAttempt {
            last.requestOutcome = outcome
            last.fallbackFrom = outcome == .fallback ? run.firstProviderTried : nil
            recorder.record(last)
            run.heldAttempt = nil
        }
        recorder.record(.requestFinished(outcome: outcome))
    }

    /// Ends a request its caller gave up on: outcome `cancelled`, no further attempt.
    private func finishCancelled(_ run: inout ChainRun, error: (ProviderError, String)?) -> ResilientClientError {
        if let (error, provider) = error { run.failures.append(.init(provider: provider, error: error)) }
        finish(&run, outcome: .cancelled)
        return ResilientClientError(
            code: .cancelled, requestID: run.requestID, failures: run.failures, partialText: error?.0.partial?.text)
    }

    /// Bookkeeping of one logical request across providers.
    private struct ChainRun {
        let requestID: String
        /// Input and expected output tokens, for the rate limiters.
        let estimatedTokens: Int
        /// The request's logger and span.
        let telemetry: RequestTelemetry
        var attempts = 0
        var failures: [ResilientClientError.ProviderFailure] = []
        var firstProviderTried: String?
        var lastProviderTried: String?
        /// The latest attempt, recorded once it is known whether it is the request's last (which carries
        /// `request_outcome` and `fallback_from`).
        var heldAttempt: APICallMetric?
        /// Hedges started for this request.
        var hedges = 0

        init(requestID: String, estimatedTokens: Int, telemetry: RequestTelemetry) {
            self.requestID = requestID
            self.estimatedTokens = estimatedTokens
            self.telemetry = telemetry
        }

        /// Records the attempt held back (it was not the last) and holds `metric` instead.
        mutating func hold(_ metric: APICallMetric, recorder: any MetricsRecorder) {
            if let previous = heldAttempt { recorder.record(previous) }
            heldAttempt = metric
        }

        mutating func noteProviderTried(_ name: String) {
            if firstProviderTried == nil { firstProviderTried = name }
            lastProviderTried = name
        }
    }

    private enum ProviderVerdict {
        /// An answer, from this provider or from the one a hedge went to.
        case answered(ChatResult, by: ProviderSlot)
        /// Try the next provider.
        case moveOn(ProviderError)
        /// No other provider can help (the request itself is wrong, or a stream already delivered text).
        case stop(ResilientClientError.Code, ProviderError)
        /// The caller gave up; the error of the attempt it cut, if one was in flight.
        case cancelled(ProviderError?)
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
                    noteOutageStatus(of: slot)
                    return .moveOn(ProviderError(errorType: .unavailable, statusCode: 0, message: "\(slot.name): circuit open (shared)"))
                case .rateLimited(let error):
                    slot.breaker.release(circuitPermit)
                    return .moveOn(ProviderError(errorType: .rateLimited, statusCode: 0, message: "\(slot.name): \(error)"))
                }
            }
            if run.telemetry.logger.logLevel <= .debug, let wait = slot.limiter.waitTime(estimatedTokens: run.estimatedTokens),
                wait > 0
            {
                run.telemetry.waitingForRateLimit(provider: slot.name, seconds: wait)
            }
            let ratePermit: RateLimitPermit
            do {
                // A limiter wait longer than a Retry-After the client would accept falls back instead.
                ratePermit = try await slot.limiter.acquire(
                    estimatedTokens: run.estimatedTokens, maxWait: slot.retryPolicy.retryAfterCeiling)
            } catch {
                slot.breaker.release(circuitPermit)
                if let sharedGrant { slot.shared?.release(provider: slot.name, grant: sharedGrant) }
                if error is CancellationError || Task.isCancelled { return .cancelled(nil) }
                return .moveOn(ProviderError(errorType: .rateLimited, statusCode: 0, message: "\(slot.name): \(error)"))
            }
            if Task.isCancelled {
                slot.breaker.release(circuitPermit)
                ratePermit.complete(actualTokens: 0)
                if let sharedGrant { slot.shared?.release(provider: slot.name, grant: sharedGrant) }
                return .cancelled(nil)
            }
            run.attempts += 1
            let context = AttemptContext(
                slot: slot, request: request, requestID: run.requestID, attempt: run.attempts, retryCount: retryCount,
                fallback: run.firstProviderTried != slot.name,
                circuitState: sharedGrant?.isTrial == true ? .halfOpen : circuitPermit.state, telemetry: run.telemetry)
            let outcome: AttemptOutcome
            if let hedging, run.hedges < hedging.policy.maxHedges {
                let raced = await runHedged(
                    context, policy: hedging.policy, hedgeBudget: hedging.budget, hedgeAttempt: run.attempts + 1,
                    firstProvider: run.firstProviderTried, tokens: run.estimatedTokens, deliver: deliver)
                outcome = raced.primary
                if let (hedgeSlot, hedgeOutcome) = raced.hedge {
                    run.attempts += 1
                    run.hedges += 1
                    if raced.hedgeWon, case .success(let result) = hedgeOutcome.result {
                        // The hedge answered first: the first attempt was cancelled (or failed before).
                        run.hold(outcome.metric, recorder: recorder)
                        run.hold(hedgeOutcome.metric, recorder: recorder)
                        ratePermit.complete(actualTokens: nil)
                        if let sharedGrant {
                            slot.shared?.complete(provider: slot.name, grant: sharedGrant, actualTokens: nil, result: outcome.result)
                        }
                        if case .failure(let error) = outcome.result, error.errorType != .cancelled {
                            slot.recordOutcome(error, permit: circuitPermit)
                            noteOutageStatus(of: slot)
                        } else {
                            slot.breaker.release(circuitPermit)
                        }
                        return .answered(result, by: hedgeSlot)
                    }
                    if hedgeOutcome.deliveredText, case .failure(let error) = hedgeOutcome.result {
                        // The hedge owned the stream (the first attempt was cancelled) and broke after text.
                        run.hold(outcome.metric, recorder: recorder)
                        run.hold(hedgeOutcome.metric, recorder: recorder)
                        ratePermit.complete(actualTokens: nil)
                        slot.breaker.release(circuitPermit)
                        if let sharedGrant { slot.shared?.release(provider: slot.name, grant: sharedGrant) }
                        return .stop(.allProvidersFailed, error)
                    }
                    run.hold(hedgeOutcome.metric, recorder: recorder)
                }
            } else {
                outcome = await runner.run(context, deliver: deliver)
            }
            run.hold(outcome.metric, recorder: recorder)
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
                return .answered(result, by: slot)
            case .failure(let error) where error.errorType == .cancelled:
                // The caller's, not the provider's: neither the breaker nor the outage detector counts it.
                slot.breaker.release(circuitPermit)
                return .cancelled(error)
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
                guard case .retry(let delay, let source) = decision else { return .moveOn(error) }
                run.telemetry.retrying(
                    after: error, provider: slot.name, attempt: run.attempts, retryCount: retryCount, delay: delay,
                    source: source)
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    return .cancelled(nil)
                }
                retryCount += 1
                previousDelay = delay
            }
        }
    }

    /// Passes `slot`'s outage status to degraded mode, except on the common path where a healthy provider
    /// stays healthy, which cannot change degraded mode.
    func noteOutageStatus(of slot: ProviderSlot) {
        let healthy = slot.outage.severity == .none && slot.reported.severity == .none
        if healthy, slot.degradedModeSawHealthy.load(ordering: .acquiring) { return }
        degraded.update(slot.outageStatus())
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
        } catch is CancellationError {
            recorder.record(.requestFinished(outcome: .cancelled))
            throw ResilientClientError(code: .cancelled, requestID: requestID, failures: [])
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

/// Runs as a ServiceLifecycle `Service`: ``run()`` returns once graceful shutdown is triggered (or the
/// service task is cancelled), after ``ResilientClient/shutdown()`` let the calls in flight finish within
/// `shutdown_grace_period_seconds` and released the transport the client created.
extension ResilientClient: Service {
    /// Waits for graceful shutdown (or cancellation), then ``shutdown()``.
    public func run() async throws {
        // Returns on graceful shutdown; throws `CancellationError` when the service task is cancelled.
        try? await gracefulShutdown()
        await shutdown()
    }
}

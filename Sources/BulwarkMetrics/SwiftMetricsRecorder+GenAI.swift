import BulwarkCore

/// The `.openTelemetryGenAI` naming: the GenAI client metrics of the OpenTelemetry semantic conventions.
///
/// Every attempt is one `chat` operation. `error.type` (Bulwark's normalized error) is set on failures only;
/// token usage is recorded only when the provider reported it; the time to the first chunk only for streams.
extension SwiftMetricsRecorder {
    func emitGenAI(_ metric: APICallMetric) {
        var needed = AttemptSlots(.duration)
        if metric.stream && metric.timeToFirstTokenMs != nil { needed.insert(.firstToken) }
        if metric.inputTokens > 0 { needed.insert(.inputTokens) }
        if metric.outputTokens > 0 { needed.insert(.outputTokens) }
        let handles = cache.withLock { cache in
            cache.attemptHandles(AttemptKey(metric), needing: needed) { slot, provider, model in
                genAISeries(slot, provider: provider, model: model, metric: metric)
            }
        }
        handles[.duration]?.recordSeconds(metric.latencyMs / 1_000)
        if needed.contains(.firstToken), let ms = metric.timeToFirstTokenMs { handles[.firstToken]?.recordSeconds(ms / 1_000) }
        if needed.contains(.inputTokens) { handles[.inputTokens]?.record(Double(metric.inputTokens)) }
        if needed.contains(.outputTokens) { handles[.outputTokens]?.record(Double(metric.outputTokens)) }
    }

    /// The GenAI series of one slot of an attempt; `provider` and `model` are the admitted label values.
    func genAISeries(_ slot: AttemptSlot, provider: String, model: String, metric: APICallMetric) -> SeriesKey {
        typealias N = GenAINames
        var base = [
            (N.operationName, "chat"),
            (N.providerName, provider == Self.overflowLabelValue ? provider : providerNames.otelName(for: provider)),
            (N.requestModel, model),
        ]
        if let server = serverAddresses[metric.provider] {
            base.append((N.serverAddress, server.host))
            if let port = server.port { base.append((N.serverPort, String(port))) }
        }
        switch slot {
        case .duration:
            if let error = metric.errorType { base.append((N.errorType, error.rawValue)) }
            return SeriesKey(N.operationDuration, .timer, base)
        case .firstToken: return SeriesKey(N.timeToFirstChunk, .timer, base)
        case .inputTokens: return SeriesKey(N.tokenUsage, .histogram, base + [(N.tokenType, "input")])
        case .outputTokens: return SeriesKey(N.tokenUsage, .histogram, base + [(N.tokenType, "output")])
        case .calls, .retries, .cost:
            preconditionFailure("the GenAI naming has no \(slot) series")
        }
    }

    func emitGenAI(_ event: ClientEvent) {
        typealias N = GenAINames
        switch event {
        case .requestFinished(let outcome):
            let handle = cache.withLock {
                $0.handle(SeriesKey(N.requests, .counter, [(N.requestOutcome, outcome.rawValue)]))
            }
            handle.increment(by: Int64(1))
        case .fallback(let from, let to):
            let handle = cache.withLock { cache in
                let labels = [(N.fallbackFrom, cache.admitProvider(from)), (N.fallbackTo, cache.admitProvider(to))]
                return cache.handle(SeriesKey(N.fallbacks, .counter, labels))
            }
            handle.increment(by: Int64(1))
        case .circuitStateChanged(let provider, let state):
            let handles = cache.withLock { cache in
                let provider = cache.admitProvider(provider)
                return CircuitState.allCases.map { candidate in
                    (candidate, cache.handle(SeriesKey(N.circuitState, .gauge, [
                        (N.bulwarkProvider, provider), (N.circuitStateName, candidate.rawValue),
                    ])))
                }
            }
            for (candidate, handle) in handles { handle.record(candidate == state ? 1 : 0) }
        case .circuitOpened(let provider):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.circuitOpens, .counter, [(N.bulwarkProvider, cache.admitProvider(provider))]))
            }
            handle.increment(by: Int64(1))
        case .rateLimit(let provider, let resource, let remaining, let limit):
            let handles = cache.withLock { cache in
                let labels = [(N.bulwarkProvider, cache.admitProvider(provider)), (N.rateLimitResource, resource.rawValue)]
                return (
                    remaining == nil ? nil : cache.handle(SeriesKey(N.rateLimitRemaining, .gauge, labels)),
                    limit == nil ? nil : cache.handle(SeriesKey(N.rateLimitLimit, .gauge, labels))
                )
            }
            if let remaining { handles.0?.record(remaining) }
            if let limit { handles.1?.record(limit) }
        case .outageSeverityChanged(let provider, let severity):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.outageSeverity, .gauge, [(N.bulwarkProvider, cache.admitProvider(provider))]))
            }
            handle.record(Double(severity.rawValue))
        case .hedge(let provider, let won):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.hedges, .counter, [(N.bulwarkProvider, cache.admitProvider(provider)), (N.hedgeResult, won ? "won" : "lost")]))
            }
            handle.increment(by: Int64(1))
        case .sharedStateAvailability(let up):
            let handle = cache.withLock { $0.handle(SeriesKey(N.sharedStateUp, .gauge, [])) }
            handle.record(up ? 1 : 0)
        case .sharedStateError(let operation):
            let handle = cache.withLock { $0.handle(SeriesKey(N.sharedStateErrors, .counter, [(N.sharedStateOperation, operation.rawValue)])) }
            handle.increment(by: Int64(1))
        case .apiKeyReloaded(let provider, _, let problem):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.keyReloads, .counter, [(N.bulwarkProvider, cache.admitProvider(provider)), (N.keyReloadResult, problem == nil ? "ok" : "invalid")]))
            }
            handle.increment(by: Int64(1))
        }
    }
}

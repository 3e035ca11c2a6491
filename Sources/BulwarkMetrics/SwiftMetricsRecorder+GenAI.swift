import BulwarkCore

/// The `.openTelemetryGenAI` naming: the GenAI client metrics of the OpenTelemetry semantic conventions.
///
/// Every attempt is one `chat` operation. `error.type` (Bulwark's normalized error) is set on failures only;
/// token usage is recorded only when the provider reported it; the time to the first chunk only for streams.
extension SwiftMetricsRecorder {
    func emitGenAI(_ metric: APICallMetric) {
        typealias N = GenAINames
        let handles = cache.withLock { cache in
            let provider = cache.admitProvider(metric.provider)
            let model = cache.admitModel(metric.model)
            var base = [
                (N.operationName, "chat"),
                (N.providerName, provider == Self.overflowLabelValue ? provider : providerNames.otelName(for: provider)),
                (N.requestModel, model),
            ]
            if let server = serverAddresses[metric.provider] {
                base.append((N.serverAddress, server.host))
                if let port = server.port { base.append((N.serverPort, String(port))) }
            }
            var operation = base
            if let error = metric.errorType { operation.append((N.errorType, error.rawValue)) }
            let duration = cache.handle(SeriesKey(N.operationDuration, .timer, operation))
            let firstChunk = metric.stream && metric.timeToFirstTokenMs != nil
                ? cache.handle(SeriesKey(N.timeToFirstChunk, .timer, base)) : nil
            let input = metric.inputTokens > 0
                ? cache.handle(SeriesKey(N.tokenUsage, .histogram, base + [(N.tokenType, "input")])) : nil
            let output = metric.outputTokens > 0
                ? cache.handle(SeriesKey(N.tokenUsage, .histogram, base + [(N.tokenType, "output")])) : nil
            return (duration, firstChunk, input, output)
        }
        handles.0.recordSeconds(metric.latencyMs / 1_000)
        if let firstChunk = handles.1, let ms = metric.timeToFirstTokenMs { firstChunk.recordSeconds(ms / 1_000) }
        handles.2?.record(Double(metric.inputTokens))
        handles.3?.record(Double(metric.outputTokens))
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
        }
    }
}

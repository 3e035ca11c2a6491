import BulwarkCore

/// The `.bulwark` naming: DESIGN.md's `llm_api_*` families with the exporter's label names.
extension SwiftMetricsRecorder {
    func emitBulwark(_ metric: APICallMetric) {
        typealias N = BulwarkNames
        let handles = cache.withLock { cache in
            let provider = cache.admitProvider(metric.provider)
            let model = cache.admitModel(metric.model)
            let base = [("provider", provider), ("model", model)]
            let calls = cache.handle(SeriesKey(N.calls, .counter, base + [
                ("status_code", String(metric.statusCode)), ("error_type", metric.errorType?.rawValue ?? "none"),
            ]))
            let duration = cache.handle(SeriesKey(N.callDuration, .timer, base))
            let firstToken = metric.timeToFirstTokenMs == nil
                ? nil : cache.handle(SeriesKey(N.timeToFirstToken, .timer, base))
            let input = cache.handle(SeriesKey(N.tokens, .counter, base + [("direction", "input")]))
            let output = cache.handle(SeriesKey(N.tokens, .counter, base + [("direction", "output")]))
            let retries = metric.isRetry ? cache.handle(SeriesKey(N.retries, .counter, base)) : nil
            let cost = metric.costUSD > 0 ? cache.handle(SeriesKey(N.cost, .floatingPointCounter, base)) : nil
            return (calls, duration, firstToken, input, output, retries, cost)
        }
        handles.0.increment(by: Int64(1))
        handles.1.recordSeconds(metric.latencyMs / 1_000)
        if let firstToken = handles.2, let ms = metric.timeToFirstTokenMs { firstToken.recordSeconds(ms / 1_000) }
        handles.3.increment(by: Int64(max(0, metric.inputTokens)))
        handles.4.increment(by: Int64(max(0, metric.outputTokens)))
        handles.5?.increment(by: Int64(1))
        handles.6?.increment(by: metric.costUSD)
    }

    func emitBulwark(_ event: ClientEvent) {
        typealias N = BulwarkNames
        switch event {
        case .requestFinished(let outcome):
            let handle = cache.withLock { $0.handle(SeriesKey(N.requests, .counter, [("outcome", outcome.rawValue)])) }
            handle.increment(by: Int64(1))
        case .fallback(let from, let to):
            let handle = cache.withLock { cache in
                let labels = [("from_provider", cache.admitProvider(from)), ("to_provider", cache.admitProvider(to))]
                return cache.handle(SeriesKey(N.fallbacks, .counter, labels))
            }
            handle.increment(by: Int64(1))
        case .circuitStateChanged(let provider, let state):
            let handles = cache.withLock { cache in
                let provider = cache.admitProvider(provider)
                return CircuitState.allCases.map { candidate in
                    (candidate, cache.handle(SeriesKey(N.circuitState, .gauge, [
                        ("provider", provider), ("state", candidate.rawValue),
                    ])))
                }
            }
            for (candidate, handle) in handles { handle.record(candidate == state ? 1 : 0) }
        case .circuitOpened(let provider):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.circuitOpens, .counter, [("provider", cache.admitProvider(provider))]))
            }
            handle.increment(by: Int64(1))
        case .rateLimit(let provider, let resource, let remaining, let limit):
            let handles = cache.withLock { cache in
                let labels = [("provider", cache.admitProvider(provider)), ("resource", resource.rawValue)]
                return (
                    remaining == nil ? nil : cache.handle(SeriesKey(N.rateLimitRemaining, .gauge, labels)),
                    limit == nil ? nil : cache.handle(SeriesKey(N.rateLimitLimit, .gauge, labels))
                )
            }
            if let remaining { handles.0?.record(remaining) }
            if let limit { handles.1?.record(limit) }
        case .outageSeverityChanged(let provider, let severity):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.outageSeverity, .gauge, [("provider", cache.admitProvider(provider))]))
            }
            handle.record(Double(severity.rawValue))
        }
    }
}

import BulwarkCore

/// The `.bulwark` naming: DESIGN.md's `llm_api_*` families with the exporter's label names.
extension SwiftMetricsRecorder {
    func emitBulwark(_ metric: APICallMetric) {
        var needed = AttemptSlots(.calls, .duration, .inputTokens, .outputTokens)
        if metric.timeToFirstTokenMs != nil { needed.insert(.firstToken) }
        if metric.isRetry { needed.insert(.retries) }
        if metric.costUSD > 0 { needed.insert(.cost) }
        let handles = cache.withLock { cache in
            cache.attemptHandles(AttemptKey(metric), needing: needed) { slot, provider, model in
                Self.bulwarkSeries(slot, provider: provider, model: model, metric: metric)
            }
        }
        handles[.calls]?.increment(by: Int64(1))
        handles[.duration]?.recordSeconds(metric.latencyMs / 1_000)
        if let ms = metric.timeToFirstTokenMs { handles[.firstToken]?.recordSeconds(ms / 1_000) }
        handles[.inputTokens]?.increment(by: Int64(max(0, metric.inputTokens)))
        handles[.outputTokens]?.increment(by: Int64(max(0, metric.outputTokens)))
        if metric.isRetry { handles[.retries]?.increment(by: Int64(1)) }
        if metric.costUSD > 0 { handles[.cost]?.increment(by: metric.costUSD) }
    }

    /// The `llm_api_*` series of one slot of an attempt.
    static func bulwarkSeries(_ slot: AttemptSlot, provider: String, model: String, metric: APICallMetric) -> SeriesKey {
        typealias N = BulwarkNames
        let base = [("provider", provider), ("model", model)]
        switch slot {
        case .calls:
            return SeriesKey(N.calls, .counter, base + [
                ("status_code", String(metric.statusCode)), ("error_type", metric.errorType?.rawValue ?? "none"),
            ])
        case .duration: return SeriesKey(N.callDuration, .timer, base)
        case .firstToken: return SeriesKey(N.timeToFirstToken, .timer, base)
        case .inputTokens: return SeriesKey(N.tokens, .counter, base + [("direction", "input")])
        case .outputTokens: return SeriesKey(N.tokens, .counter, base + [("direction", "output")])
        case .retries: return SeriesKey(N.retries, .counter, base)
        case .cost: return SeriesKey(N.cost, .floatingPointCounter, base)
        }
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
        case .hedge(let provider, let won):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.hedges, .counter, [("provider", cache.admitProvider(provider)), ("result", won ? "won" : "lost")]))
            }
            handle.increment(by: Int64(1))
        case .sharedStateAvailability(let up):
            let handle = cache.withLock { $0.handle(SeriesKey(N.sharedStateUp, .gauge, [])) }
            handle.record(up ? 1 : 0)
        case .sharedStateError(let operation):
            let handle = cache.withLock { $0.handle(SeriesKey(N.sharedStateErrors, .counter, [("operation", operation.rawValue)])) }
            handle.increment(by: Int64(1))
        case .apiKeyReloaded(let provider, _, let problem):
            let handle = cache.withLock { cache in
                cache.handle(SeriesKey(N.keyReloads, .counter, [("provider", cache.admitProvider(provider)), ("result", problem == nil ? "ok" : "invalid")]))
            }
            handle.increment(by: Int64(1))
        }
    }
}

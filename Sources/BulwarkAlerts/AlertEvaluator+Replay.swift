public import BulwarkCore
import BulwarkPrometheus
import Synchronization

extension AlertEvaluator {
    /// Rebuilds the sliding windows from logged events so that a restart does not blind the alerts,
    /// then re-runs the rules over the rebuilt history so alerts that were firing fire again at once.
    ///
    /// Call it once at start-up, before the first ``evaluate(now:)`` and before new events are
    /// recorded (it replaces any history and alert state the evaluator had). The registry is not
    /// touched: its counters restart from zero as Prometheus expects, and the evaluator continues
    /// the replayed history from them.
    ///
    /// Each event counts at its end (`timestamp + latency_ms`), when it was recorded. Logical-request
    /// outcomes (`llm_api_requests_total`) are rebuilt from the attempts sharing a `request_id`:
    /// `success` when an attempt that is not a fallback succeeded, `fallback` when a fallback attempt
    /// succeeded, `failed` otherwise; events without a `request_id` do not count as requests. Circuit
    /// states have no history and come from the registry at the next evaluation. Memory stays bounded
    /// by the windows (events are folded into one bucket per sample as they stream by), except for
    /// the request ids of the fallback window, held until the end of the replay.
    ///
    /// - Parameters:
    ///   - events: Logged events in any order; events older than the longest window are skipped.
    ///   - now: The replay's end (Unix seconds); the clock's time when `nil`.
    /// - Returns: The alerts firing after the replay, as ``AlertChanges/fired``.
    @discardableResult
    public func replay(events: some Sequence<APICallMetric>, now: Double? = nil) -> AlertChanges {
        replay(now: now) { add in
            for event in events { add(event) }
        }
    }

    /// ``replay(events:now:)`` fed by a closure, so events can stream from the logs without being
    /// collected first:
    ///
    /// ```swift
    /// let since = clock() - evaluator.replayHorizonSeconds
    /// try evaluator.replay { add in _ = try LogReader(directory: dir).forEachEvent(since: since) { add($0) } }
    /// ```
    @discardableResult
    public func replay(now: Double? = nil, events feed: (_ add: (APICallMetric) -> Void) throws -> Void) rethrows -> AlertChanges {
        let now = now ?? clock()
        let raw = registry.alertSnapshot()
        let interval = geometry.interval
        let windowPoints = Int((geometry.windowSpan / interval).rounded(.up)) + 1
        let windowStart = now - Double(windowPoints - 1) * interval
        let costPoints = Int((geometry.costSpan / geometry.costResolution).rounded(.up)) + 1
        let costStart = now - Double(costPoints - 1) * geometry.costResolution

        // The registry's provider cap, continued over the replayed names.
        var providerCap = registry.providerLabelCap()

        var slots = [WindowCounters](repeating: WindowCounters(), count: windowPoints)
        var costSlots = [Double](repeating: 0, count: costPoints)
        var requests: [String: (end: Double, outcome: RequestOutcome)] = [:]
        let bounds = MetricCatalog.durationBuckets
        try feed { event in
            let end = min(event.timestamp + max(0, event.latencyMs) / 1000, now)
            guard end.isFinite else { return }
            if end > costStart {
                let slot = min(costPoints - 1, Int(((end - costStart) / geometry.costResolution).rounded(.up)))
                costSlots[slot] += event.costUSD
            }
            guard end > windowStart else { return }
            let slot = min(windowPoints - 1, Int(((end - windowStart) / interval).rounded(.up)))
            let provider = providerCap.admit(event.provider)
            var vector = slots[slot].providers[provider] ?? WindowCounters.zeroVector()
            // A cancelled call is the caller's: neither an error nor a call in the error rate.
            if event.errorType != .cancelled { vector[WindowCounters.calls] += 1 }
            if let error = event.errorType, error != .cancelled { vector[WindowCounters.errors] += 1 }
            if event.statusCode == 429 { vector[WindowCounters.rateLimited] += 1 }
            let latency = event.latencyMs / 1000
            var bucket = 0
            while bucket < bounds.count, latency > bounds[bucket] { bucket += 1 }
            vector[WindowCounters.firstBucket + bucket] += 1
            slots[slot].providers[provider] = vector
            if !event.requestID.isEmpty {
                var entry = requests[event.requestID] ?? (end, .failed)
                entry.end = max(entry.end, end)
                if let outcome = event.requestOutcome {
                    // The last attempt says how the request ended (events that carry it).
                    entry.outcome = outcome
                } else if event.isSuccess, entry.outcome != .success {
                    entry.outcome = event.fallback ? .fallback : .success
                }
                requests[event.requestID] = entry
            }
        }
        for (_, request) in requests {
            let slot = min(windowPoints - 1, max(0, Int(((request.end - windowStart) / interval).rounded(.up))))
            slots[slot].requests[RequestOutcome.allCases.firstIndex(of: request.outcome)!] += 1
        }

        // Cumulate: per sample, the counts since the replay's start; buckets become cumulative `le` counts.
        var history: [WindowCounters] = []
        history.reserveCapacity(windowPoints)
        var running = WindowCounters()
        for slot in slots {
            var slot = slot
            for (provider, vector) in slot.providers {
                var cumulative = vector
                for index in (WindowCounters.firstBucket + 1)..<WindowCounters.width {
                    cumulative[index] += cumulative[index - 1]
                }
                slot.providers[provider] = cumulative
            }
            running = running.adding(slot)
            history.append(running)
        }
        var costHistory: [Double] = []
        costHistory.reserveCapacity(costPoints)
        var spent = 0.0
        for slot in costSlots {
            spent += slot
            costHistory.append(spent)
        }

        return state.withLock { state in
            state = EvaluatorState(geometry: geometry)
            for (index, counters) in history.enumerated() {
                state.short.append(time: windowStart + Double(index) * interval, value: counters)
            }
            for (index, total) in costHistory.enumerated() {
                state.cost.append(time: costStart + Double(index) * geometry.costResolution, value: total)
            }
            // Live readings continue the replayed history: effective = replayed total + (raw − raw now).
            state.offsets = running.adding(WindowCounters(raw), scale: -1)
            state.costOffset = spent - raw.totalCost

            // Re-run the rules over the last `for` + one interval of the rebuilt history, so alerts
            // whose condition held before the restart are pending or firing again, `activeAt` included.
            let longestFor = AlertName.allCases.map { configuration[$0].forSeconds }.max() ?? 0
            var changes = AlertChanges()
            for (index, counters) in history.enumerated() {
                let time = windowStart + Double(index) * interval
                guard time >= now - longestFor - interval else { continue }
                let cost = state.cost.value(at: time, latest: nil) { $0 + ($1 - $0) * $2 } ?? spent
                let values = computeValues(
                    state, at: time, current: counters, cost: cost, openCircuits: nil, budget: raw.dailyBudgetUSD)
                let step = transition(&state, to: values, at: time)
                changes.fired.removeAll { fired in step.resolved.contains { $0.key == fired.key } }
                changes.fired += step.fired
            }
            state.resolved = [:]
            changes.fired = changes.fired.filter { state.active[$0.key]?.phase == .firing }.map { state.active[$0.key]! }
            publish(state)
            return changes
        }
    }
}

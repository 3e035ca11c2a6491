import BulwarkCore
public import BulwarkPrometheus
import Synchronization

/// Evaluates the guide's alerts inside the process, the way Prometheus evaluates `alerts/llm-api.rules.yml`.
///
/// It keeps no per-event history: at each evaluation it samples the registry's counters
/// (``MetricsRegistry/alertSnapshot()``) into a bounded ring, as Prometheus samples a target at each
/// scrape, and computes each rule's expression from the difference between the newest sample and the
/// sample at the start of the window (interpolated between the two samples around it). Recording an
/// event therefore costs the evaluator nothing, and its memory depends on the configuration and the
/// number of providers only: one sample per evaluation over the longest short window plus the longest
/// `for`, and one cost number per ``AlertConfiguration/budgetResolutionSeconds`` over the budget window.
///
/// Each (alert, severity, provider) moves inactive → pending (the condition holds; `activeAt` is set)
/// → firing (it held for the rule's `for`) → inactive (it no longer holds), as in Prometheus. Every
/// evaluation sets `llm_api_alert_firing{alertname,severity}` for every rule (0 when not firing).
///
/// Call ``evaluate(now:)`` every ``AlertConfiguration/evaluationIntervalSeconds`` (``run(onEvaluation:)``
/// does), and ``replay(events:now:)`` once at start-up to rebuild the windows from the logs.
public final class AlertEvaluator: Sendable {
    /// How much the evaluator holds, for diagnostics and tests.
    public struct Statistics: Sendable, Equatable {
        /// Samples in the per-evaluation ring.
        public var windowSamples: Int
        /// Capacity of the per-evaluation ring.
        public var windowCapacity: Int
        /// Samples in the budget's cost ring.
        public var costSamples: Int
        /// Capacity of the budget's cost ring.
        public var costCapacity: Int
        /// Providers tracked in the newest sample.
        public var providers: Int
        /// Numbers held across all samples (a proxy for the memory used).
        public var storedNumbers: Int
        /// Alerts pending or firing.
        public var activeAlerts: Int
    }

    /// The thresholds, windows and intervals in use: the configuration given, with any setting that
    /// ``AlertConfiguration/problems`` names replaced by its default (validate before, to report them).
    public let configuration: AlertConfiguration
    /// The registry sampled at each evaluation, and where `llm_api_alert_firing` is published.
    public let registry: MetricsRegistry
    let clock: @Sendable () -> Double
    let rules: [AlertName: [AlertSeverity: AlertRuleDefinition]]
    let geometry: Geometry
    let state: Mutex<EvaluatorState>

    /// How long a resolved alert is still reported to Alertmanager (Prometheus' `resolvedRetention`).
    public static let resolvedRetentionSeconds: Double = 15 * 60

    /// Creates an evaluator over `registry`.
    ///
    /// - Parameters:
    ///   - configuration: Thresholds and windows; when it sets ``AlertConfiguration/dailyBudgetUSD`` the
    ///     evaluator publishes it as `llm_api_daily_budget_usd` now.
    ///   - clock: Unix time in seconds, used by ``evaluate()``, ``replay(events:now:)`` and
    ///     ``alertmanagerAlerts(now:generatorURL:)`` when no time is passed. Tests inject their own.
    public init(
        registry: MetricsRegistry,
        configuration: AlertConfiguration = AlertConfiguration(),
        clock: @escaping @Sendable () -> Double = MetricsRegistry.systemWallClock
    ) {
        let configuration = configuration.sanitized()
        self.registry = registry
        self.configuration = configuration
        self.clock = clock
        var rules: [AlertName: [AlertSeverity: AlertRuleDefinition]] = [:]
        for definition in AlertRuleCatalog.definitions(configuration) {
            rules[definition.name, default: [:]][definition.severity] = definition
        }
        self.rules = rules
        let geometry = Geometry(configuration)
        self.geometry = geometry
        state = Mutex(EvaluatorState(geometry: geometry))
        if let budget = configuration.dailyBudgetUSD { registry.setDailyBudget(usd: budget) }
        for name in AlertName.allCases {
            for severity in AlertSeverity.allCases {
                registry.setAlertFiring(alertname: name.rawValue, severity: severity.rawValue, firing: false)
            }
        }
    }

    /// Evaluates every rule at the clock's current time.
    @discardableResult
    public func evaluate() -> AlertChanges {
        evaluate(now: clock())
    }

    /// Samples the registry, evaluates every rule at `now` (Unix seconds), updates the alert states and
    /// `llm_api_alert_firing`, and returns the alerts that started firing or resolved.
    @discardableResult
    public func evaluate(now: Double) -> AlertChanges {
        state.withLock { state in
            let raw = registry.alertSnapshot()
            let current = WindowCounters(raw).adding(state.offsets)
            let cost = raw.totalCost + state.costOffset
            state.store(current, cost: cost, at: now, geometry: geometry)
            let values = computeValues(
                state, at: now, current: current, cost: cost, openCircuits: raw.openCircuits, budget: raw.dailyBudgetUSD,
                sharedStateDown: raw.sharedStateUp.map { $0 == 0 ? 1 : 0 }, providerStatus: raw.providerStatus)
            let changes = transition(&state, to: values, at: now)
            publish(state)
            return changes
        }
    }

    /// The pending and firing alerts, ordered by rule, severity and provider.
    public func alerts() -> [AlertState] {
        state.withLock { state in state.active.keys.sorted().map { state.active[$0]! } }
    }

    /// The body of `GET /alerts`, shaped like Prometheus' `/api/v1/alerts`.
    public func prometheusAlertsJSON() -> String {
        AlertJSON.prometheusAlerts(alerts())
    }

    /// The alerts to push to Alertmanager now, as Prometheus sends them: every firing alert with
    /// `endsAt` four resend periods ahead (so Alertmanager resolves it if the pushes stop), and every
    /// alert resolved in the last 15 minutes with `endsAt` at its resolution. Push the list at every
    /// evaluation (or at least every minute).
    public func alertmanagerAlerts(now: Double? = nil, generatorURL: String) -> [AlertmanagerAlert] {
        let now = now ?? clock()
        let validity = 4 * max(60, geometry.interval)
        return state.withLock { state in
            var alerts: [AlertmanagerAlert] = []
            for key in state.active.keys.sorted() {
                let alert = state.active[key]!
                guard alert.phase == .firing else { continue }
                alerts.append(AlertmanagerAlert(
                    labels: alert.labels, annotations: alert.annotations, startsAt: alert.firedAt ?? alert.activeAt,
                    endsAt: now + validity, generatorURL: generatorURL))
            }
            for key in state.resolved.keys.sorted() {
                let alert = state.resolved[key]!
                alerts.append(AlertmanagerAlert(
                    labels: alert.labels, annotations: alert.annotations, startsAt: alert.firedAt ?? alert.activeAt,
                    endsAt: alert.resolvedAt ?? now, generatorURL: generatorURL))
            }
            return alerts
        }
    }

    /// Evaluates every ``AlertConfiguration/evaluationIntervalSeconds`` until the task is cancelled,
    /// handing each evaluation's changes to `onEvaluation` (an Alertmanager pusher, a logger).
    public func run(onEvaluation: (AlertChanges) async -> Void = { _ in }) async {
        while !Task.isCancelled {
            let changes = evaluate()
            await onEvaluation(changes)
            do {
                try await Task.sleep(for: .seconds(geometry.interval))
            } catch {
                return
            }
        }
    }

    /// How far back ``replay(events:now:)`` reads, in seconds: the budget window (24 h by default) or the
    /// other windows plus their `for`, whichever is longer. Read the logs from `now - replayHorizonSeconds`.
    public var replayHorizonSeconds: Double {
        max(geometry.windowSpan, geometry.costSpan)
    }

    /// How much the evaluator holds now.
    public var statistics: Statistics {
        state.withLock { state in
            var numbers = state.cost.count * 2
            for index in 0..<state.short.count { numbers += state.short.sample(index).value.footprint + 1 }
            return Statistics(
                windowSamples: state.short.count, windowCapacity: state.short.capacity,
                costSamples: state.cost.count, costCapacity: state.cost.capacity,
                providers: state.short.newest?.value.providers.count ?? 0, storedNumbers: numbers,
                activeAlerts: state.active.count)
        }
    }

    // MARK: - Expressions

    /// Each rule's value for every label set whose condition holds at `time`.
    func computeValues(
        _ state: EvaluatorState, at time: Double, current: WindowCounters, cost: Double,
        openCircuits: Set<String>?, budget: Double?, sharedStateDown: Double? = nil,
        providerStatus: [String: Double] = [:]
    ) -> [AlertKey: Double] {
        var values: [AlertKey: Double] = [:]
        func check(_ name: AlertName, _ provider: String?, _ value: Double) {
            guard !value.isNaN else { return }
            for severity in AlertSeverity.allCases where value > configuration[name].threshold(severity) {
                values[AlertKey(name: name, severity: severity, provider: provider)] = value
            }
        }
        func baseline(_ name: AlertName) -> WindowCounters {
            state.short.value(at: time - configuration[name].windowSeconds, latest: (time, current)) {
                $0.interpolated(toward: $1, fraction: $2)
            } ?? current
        }
        let zero = WindowCounters.zeroVector()

        // sum by (provider) (rate(errors[w])) / sum by (provider) (rate(calls[w]))
        let errorWindow = configuration.errorRate.windowSeconds
        let errorBase = baseline(.highErrorRate)
        for (provider, now) in current.providers where now[WindowCounters.errors] > 0 {
            let then = errorBase.providers[provider] ?? zero
            let calls = (now[WindowCounters.calls] - then[WindowCounters.calls]) / errorWindow
            let errors = (now[WindowCounters.errors] - then[WindowCounters.errors]) / errorWindow
            if calls > 0 { check(.highErrorRate, provider, errors / calls) }
        }

        // histogram_quantile(0.95, sum by (provider, le) (rate(duration_bucket[w])))
        let latencyWindow = configuration.latencyP95Seconds.windowSeconds
        let latencyBase = baseline(.highLatency)
        for (provider, now) in current.providers {
            let then = latencyBase.providers[provider] ?? zero
            let rates = (WindowCounters.firstBucket..<WindowCounters.width).map { (now[$0] - then[$0]) / latencyWindow }
            let p95 = HistogramQuantile.quantile(
                AlertRuleCatalog.latencyQuantile, upperBounds: MetricCatalog.durationBuckets, cumulativeCounts: rates)
            check(.highLatency, provider, p95)
        }

        // sum by (provider) (rate(calls{status_code="429"}[w])) * 60
        let limitedWindow = configuration.rateLimitedPerMinute.windowSeconds
        let limitedBase = baseline(.rateLimited)
        for (provider, now) in current.providers where now[WindowCounters.rateLimited] > 0 {
            let then = limitedBase.providers[provider] ?? zero
            check(.rateLimited, provider, (now[WindowCounters.rateLimited] - then[WindowCounters.rateLimited]) / limitedWindow * 60)
        }

        // (max by (provider) (open) > 0) * on () group_left () count(max by (provider) (open) > 0)
        if let openCircuits, !openCircuits.isEmpty {
            for provider in openCircuits { check(.circuitOpen, provider, Double(openCircuits.count)) }
        }

        // count(llm_api_shared_state_up == 0)
        if let sharedStateDown, sharedStateDown > 0 { check(.sharedStateDown, nil, sharedStateDown) }

        // max by (provider) (llm_api_provider_status)
        for (provider, status) in providerStatus { check(.providerIncident, provider, status) }

        // sum(rate(requests{outcome="fallback"}[w])) / sum(rate(requests[w]))
        let fallbackWindow = configuration.fallbackRatio.windowSeconds
        let fallbackBase = baseline(.highFallbackUsage)
        let fallbackIndex = RequestOutcome.allCases.firstIndex(of: .fallback)!
        var requests = 0.0
        for index in current.requests.indices {
            requests += (current.requests[index] - fallbackBase.requests[index]) / fallbackWindow
        }
        if requests > 0 {
            let fallbacks = (current.requests[fallbackIndex] - fallbackBase.requests[fallbackIndex]) / fallbackWindow
            check(.highFallbackUsage, nil, fallbacks / requests)
        }

        // sum(increase(cost[w])) / (max(daily_budget) > 0)
        if let budget, budget > 0, !current.providers.isEmpty {
            let then = state.cost.value(at: time - configuration.budgetRatio.windowSeconds, latest: (time, cost)) {
                $0 + ($1 - $0) * $2
            } ?? cost
            check(.budgetExceeded, nil, (cost - then) / budget)
        }
        return values
    }

    // MARK: - State machine

    /// Moves every alert to its next state given the label sets whose condition holds at `now`.
    func transition(_ state: inout EvaluatorState, to values: [AlertKey: Double], at now: Double) -> AlertChanges {
        var changes = AlertChanges()
        for key in values.keys.sorted() {
            let value = values[key]!
            let rule = rules[key.name]![key.severity]!
            var alert: AlertState
            if let existing = state.active[key] {
                alert = existing
            } else {
                alert = AlertState(name: key.name, severity: key.severity, provider: key.provider, phase: .pending, activeAt: now, value: value)
                state.resolved[key] = nil
            }
            alert.value = value
            alert.annotations = rule.renderAnnotations(labels: key.provider.map { ["provider": $0] } ?? [:], value: value)
            if alert.phase == .pending, now - alert.activeAt >= rule.forSeconds {
                alert.phase = .firing
                alert.firedAt = now
                changes.fired.append(alert)
            }
            state.active[key] = alert
        }
        for key in state.active.keys.sorted() where values[key] == nil {
            let alert = state.active.removeValue(forKey: key)!
            guard alert.phase == .firing else { continue }
            var resolved = alert
            resolved.resolvedAt = now
            state.resolved[key] = resolved
            changes.resolved.append(resolved)
        }
        state.resolved = state.resolved.filter { now - ($0.value.resolvedAt ?? now) < Self.resolvedRetentionSeconds }
        return changes
    }

    /// Sets `llm_api_alert_firing` for every rule.
    func publish(_ state: EvaluatorState) {
        var firing: Set<String> = []
        for alert in state.active.values where alert.phase == .firing {
            firing.insert(alert.name.rawValue + "/" + alert.severity.rawValue)
        }
        for name in AlertName.allCases {
            for severity in AlertSeverity.allCases {
                registry.setAlertFiring(
                    alertname: name.rawValue, severity: severity.rawValue,
                    firing: firing.contains(name.rawValue + "/" + severity.rawValue))
            }
        }
    }
}

/// Sizes of the evaluator's rings, derived from the configuration once.
struct Geometry: Sendable {
    /// Seconds between evaluations.
    let interval: Double
    /// Span of the per-evaluation ring: the longest window of the counter alerts, the longest `for`, one interval.
    let windowSpan: Double
    let windowCapacity: Int
    /// Seconds between cost samples, and the span they cover (budget window + its `for` + one step).
    let costResolution: Double
    let costSpan: Double
    let costCapacity: Int

    init(_ configuration: AlertConfiguration) {
        interval = configuration.evaluationIntervalSeconds
        let windowed: [AlertName] = [.highErrorRate, .highLatency, .rateLimited, .highFallbackUsage]
        let longestWindow = windowed.map { configuration[$0].windowSeconds }.max() ?? 300
        let longestFor = AlertName.allCases.map { configuration[$0].forSeconds }.max() ?? 0
        windowSpan = longestWindow + longestFor + interval
        // A sample is kept when at least half an interval has passed, so evaluating more often than
        // configured never shortens the history below the span.
        windowCapacity = Int((windowSpan / (interval / 2)).rounded(.up)) + 2
        costResolution = configuration.budgetResolutionSeconds
        costSpan = configuration.budgetRatio.windowSeconds + configuration.budgetRatio.forSeconds + costResolution
        costCapacity = Int((costSpan / costResolution).rounded(.up)) + 2
    }
}

/// The evaluator's mutable state, always under its lock.
struct EvaluatorState {
    /// Windowed counters, one sample per evaluation (at least half an interval apart).
    var short: SampleRing<WindowCounters>
    /// `sum(llm_api_cost_usd_total)`, one sample per cost resolution step.
    var cost: SampleRing<Double>
    /// Added to the registry's counters so that they continue the history rebuilt by a replay.
    var offsets = WindowCounters()
    var costOffset = 0.0
    var active: [AlertKey: AlertState] = [:]
    var resolved: [AlertKey: AlertState] = [:]

    init(geometry: Geometry) {
        short = SampleRing(capacity: geometry.windowCapacity)
        cost = SampleRing(capacity: geometry.costCapacity)
    }

    /// Keeps the sample when enough time has passed since the last kept one.
    mutating func store(_ counters: WindowCounters, cost total: Double, at time: Double, geometry: Geometry) {
        if let newest = short.newest?.time, time - newest < geometry.interval / 2 {
            // Too soon after the last sample: evaluated, not kept.
        } else {
            short.append(time: time, value: counters)
        }
        if let newest = cost.newest?.time, time - newest < geometry.costResolution {
            return
        }
        cost.append(time: time, value: total)
    }
}

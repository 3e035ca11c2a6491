import BulwarkCore
import BulwarkPrometheus
import BulwarkAlerts

/// A registry and an evaluator on a hand-driven clock: each ``tick(_:)`` advances the time by one
/// evaluation interval, lets the caller record that interval's traffic, then evaluates.
final class AlertHarness {
    let registry: MetricsRegistry
    let evaluator: AlertEvaluator
    let interval: Double
    private(set) var now: Double
    /// Every event recorded, as a log would hold them (for replay tests).
    private(set) var log: [APICallMetric] = []
    private(set) var lastChanges = AlertChanges()

    static let start: Double = 1_764_000_000

    init(configuration: AlertConfiguration = AlertConfiguration(), start: Double = AlertHarness.start, registry: MetricsRegistry? = nil) {
        let registry = registry ?? MetricsRegistry(wallClock: { start })
        self.registry = registry
        evaluator = AlertEvaluator(registry: registry, configuration: configuration, clock: { start })
        interval = configuration.evaluationIntervalSeconds
        now = start
        // The first sample, before any traffic: the zero every window starts from (Prometheus' first scrape).
        lastChanges = evaluator.evaluate(now: now)
    }

    /// Evaluates at the current time without advancing it.
    @discardableResult
    func evaluate() -> AlertChanges {
        lastChanges = evaluator.evaluate(now: now)
        return lastChanges
    }

    /// Advances the clock by one interval, runs `traffic`, then evaluates.
    @discardableResult
    func tick(_ traffic: (AlertHarness) -> Void = { _ in }) -> AlertChanges {
        now += interval
        traffic(self)
        return evaluate()
    }

    /// Ticks for `seconds` (a whole number of intervals), the same traffic at every tick.
    func run(seconds: Double, _ traffic: (AlertHarness) -> Void = { _ in }) {
        for _ in 0..<Int((seconds / interval).rounded()) { tick(traffic) }
    }

    /// Records `count` attempts that ended during the last interval.
    func calls(
        _ provider: String, _ count: Int, status: Int = 200, latency: Double = 0.5, cost: Double = 0,
        model: String = "m", requestID: (Int) -> String = { _ in "" }, fallback: Bool = false,
        errorType: ErrorType? = nil
    ) {
        for index in 0..<count {
            let end = now - interval * Double(index + 1) / Double(count + 1)
            let event = APICallMetric(
                timestamp: end - latency, provider: provider, model: model, statusCode: status, latencyMs: latency * 1000,
                errorType: errorType ?? ErrorType.forStatus(status), requestID: requestID(index), fallback: fallback, costUSD: cost)
            registry.record(event)
            log.append(event)
        }
    }

    /// Counts `count` logical requests ending with `outcome`.
    func requests(_ outcome: RequestOutcome, _ count: Int) {
        for _ in 0..<count { registry.recordRequest(outcome: outcome) }
    }

    /// `alertname/severity/provider` of the firing alerts, sorted.
    var firing: [String] { describe(evaluator.alerts().filter { $0.phase == .firing }) }
    /// `alertname/severity/provider` of the pending alerts, sorted.
    var pending: [String] { describe(evaluator.alerts().filter { $0.phase == .pending }) }

    func firing(_ name: AlertName) -> [String] { firing.filter { $0.hasPrefix(name.rawValue + "/") } }

    func value(_ name: AlertName, _ severity: AlertSeverity = .warning, provider: String? = nil) -> Double? {
        evaluator.alerts().first { $0.name == name && $0.severity == severity && $0.provider == provider }?.value
    }

    private func describe(_ alerts: [AlertState]) -> [String] {
        alerts.map { "\($0.name.rawValue)/\($0.severity.rawValue)" + ($0.provider.map { "/\($0)" } ?? "") }.sorted()
    }
}

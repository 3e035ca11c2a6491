import BulwarkCore
/// The families set by client events rather than attempts (requests, fallbacks, circuit, rate limits,
/// outage, budget, alerts, rejections): few series, bounded by the provider cap and the series budget.
/// Guarded by one lock of their own, which ``MetricsRegistry/record(_:)`` never takes.
struct SmallFamilies {
    var requests = LabeledFamily(MetricCatalog.requests, labelNames: ["outcome"])
    var fallbacks = LabeledFamily(MetricCatalog.fallbacks, labelNames: ["from_provider", "to_provider"])
    var hedges = LabeledFamily(MetricCatalog.hedges, labelNames: ["provider", "result"])
    var circuitState = LabeledFamily(MetricCatalog.circuitState, labelNames: ["provider", "state"])
    var circuitOpens = LabeledFamily(MetricCatalog.circuitOpens, labelNames: ["provider"])
    var rateLimitRemaining = LabeledFamily(MetricCatalog.rateLimitRemaining, labelNames: ["provider", "resource"])
    var rateLimitLimit = LabeledFamily(MetricCatalog.rateLimitLimit, labelNames: ["provider", "resource"])
    var outageSeverity = LabeledFamily(MetricCatalog.outageSeverity, labelNames: ["provider"])
    var dailyBudget = LabeledFamily(MetricCatalog.dailyBudget, labelNames: [])
    var alertFiring = LabeledFamily(MetricCatalog.alertFiring, labelNames: ["alertname", "severity"])
    var eventsRejected = LabeledFamily(MetricCatalog.eventsRejected, labelNames: ["reason"])
    var sharedStateUp = LabeledFamily(MetricCatalog.sharedStateUp, labelNames: [])
    var sharedStateErrors = LabeledFamily(MetricCatalog.sharedStateErrors, labelNames: ["operation"])
    var providerStatus = LabeledFamily(MetricCatalog.providerStatus, labelNames: ["provider"])
    var statusPageErrors = LabeledFamily(MetricCatalog.statusPageErrors, labelNames: ["provider"])
    var keyReloads = LabeledFamily(MetricCatalog.keyReloads, labelNames: ["provider", "result"])

    static var all: [WritableKeyPath<SmallFamilies, LabeledFamily>] {
        [
            \.requests, \.fallbacks, \.hedges, \.circuitState, \.circuitOpens, \.rateLimitRemaining, \.rateLimitLimit,
            \.outageSeverity, \.dailyBudget, \.alertFiring, \.eventsRejected, \.sharedStateUp, \.sharedStateErrors,
            \.providerStatus, \.statusPageErrors,
            \.keyReloads,
        ]
    }

    /// Adds `delta` to a series, folding it into `other` when the series budget is spent.
    mutating func add(
        _ family: WritableKeyPath<SmallFamilies, LabeledFamily>, _ values: [String], _ delta: Double, now: Double,
        budget: SeriesBudget
    ) {
        let values = self[keyPath: family].admit(values, budget: budget)
        self[keyPath: family].add(values, delta, now: now)
    }

    /// Sets a series, folding it into `other` when the series budget is spent.
    mutating func set(
        _ family: WritableKeyPath<SmallFamilies, LabeledFamily>, _ values: [String], _ value: Double, now: Double,
        budget: SeriesBudget
    ) {
        let values = self[keyPath: family].admit(values, budget: budget)
        self[keyPath: family].set(values, value, now: now)
    }
}

import BulwarkCore
/// The registry's mutable state; always accessed under the registry's lock.
struct RegistryState {
    var providers: LabelCap
    var models: LabelCap

    var seriesIndex: [ProviderModelKey: Int32] = [:]
    var series: [ProviderModelSeries] = []
    /// Indices into `series`, sorted by (provider, model).
    var seriesOrder: [Int32] = []

    var callIndex: [CallKey: Int32] = [:]
    var calls: [CallSeries] = []
    /// Indices into `calls`, sorted by (provider, model, status code, error type).
    var callOrder: [Int32] = []

    var requests = LabeledFamily(MetricCatalog.requests, labelNames: ["outcome"])
    var fallbacks = LabeledFamily(MetricCatalog.fallbacks, labelNames: ["from_provider", "to_provider"])
    var circuitState = LabeledFamily(MetricCatalog.circuitState, labelNames: ["provider", "state"])
    var circuitOpens = LabeledFamily(MetricCatalog.circuitOpens, labelNames: ["provider"])
    var rateLimitRemaining = LabeledFamily(MetricCatalog.rateLimitRemaining, labelNames: ["provider", "resource"])
    var rateLimitLimit = LabeledFamily(MetricCatalog.rateLimitLimit, labelNames: ["provider", "resource"])
    var outageSeverity = LabeledFamily(MetricCatalog.outageSeverity, labelNames: ["provider"])
    var dailyBudget = LabeledFamily(MetricCatalog.dailyBudget, labelNames: [])
    var alertFiring = LabeledFamily(MetricCatalog.alertFiring, labelNames: ["alertname", "severity"])
    var eventsIngested = LabeledFamily(MetricCatalog.eventsIngested, labelNames: ["source"])
    var eventsRejected = LabeledFamily(MetricCatalog.eventsRejected, labelNames: ["reason"])
    var sharedStateUp = LabeledFamily(MetricCatalog.sharedStateUp, labelNames: [])
    var sharedStateErrors = LabeledFamily(MetricCatalog.sharedStateErrors, labelNames: ["operation"])

    init(maxProviders: Int, maxModels: Int, now: Double) {
        providers = LabelCap(limit: maxProviders)
        models = LabelCap(limit: maxModels)
        for outcome in RequestOutcome.allCases { requests.add([outcome.rawValue], 0, now: now) }
        for source in EventSource.allCases { eventsIngested.add([source.rawValue], 0, now: now) }
    }

    /// The (provider, model) series for an event, created on first use, with capped label values.
    @inline(__always)
    mutating func seriesIndex(provider: String, model: String, now: Double) -> Int32 {
        if let index = seriesIndex[ProviderModelKey(provider: provider, model: model)] { return index }
        let key = ProviderModelKey(provider: providers.admit(provider), model: models.admit(model))
        if let index = seriesIndex[key] { return index }
        let index = Int32(series.count)
        series.append(ProviderModelSeries(key: key, created: now))
        seriesIndex[key] = index
        let position = seriesOrder.partitioningIndex { Self.precedes(key, series[Int($0)].key) }
        seriesOrder.insert(index, at: position)
        return index
    }

    @inline(__always)
    mutating func countCall(series seriesIndex: Int32, statusCode: Int, errorType: ErrorType?, now: Double) {
        let errorIndex = errorType.map { UInt8(ErrorType.allCases.firstIndex(of: $0)! + 1) } ?? 0
        let key = CallKey(series: seriesIndex, statusCode: Int32(truncatingIfNeeded: statusCode), errorIndex: errorIndex)
        if let index = callIndex[key] {
            calls[Int(index)].count &+= 1
            return
        }
        let pair = series[Int(seriesIndex)].key
        let labels = LabelEncoding.encode([
            ("provider", pair.provider), ("model", pair.model), ("status_code", String(statusCode)),
            ("error_type", errorType?.rawValue ?? "none"),
        ])
        let index = Int32(calls.count)
        calls.append(CallSeries(key: key, labels: labels, created: now, count: 1))
        callIndex[key] = index
        let position = callOrder.partitioningIndex { precedes(key, calls[Int($0)].key) }
        callOrder.insert(index, at: position)
    }

    private static func precedes(_ lhs: ProviderModelKey, _ rhs: ProviderModelKey) -> Bool {
        lhs.provider != rhs.provider ? lhs.provider < rhs.provider : lhs.model < rhs.model
    }

    private func precedes(_ lhs: CallKey, _ rhs: CallKey) -> Bool {
        if lhs.series != rhs.series {
            return Self.precedes(series[Int(lhs.series)].key, series[Int(rhs.series)].key)
        }
        if lhs.statusCode != rhs.statusCode { return lhs.statusCode < rhs.statusCode }
        return Self.errorName(lhs.errorIndex) < Self.errorName(rhs.errorIndex)
    }

    private static func errorName(_ index: UInt8) -> String {
        index == 0 ? "none" : ErrorType.allCases[Int(index) - 1].rawValue
    }
}

extension Array {
    /// The first index whose element satisfies `belongsInSecondPartition`, which must be monotonic.
    func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsInSecondPartition(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

import BulwarkCore
import CoreMetrics
import Synchronization

/// The handlers made so far, keyed by series, and the caps on the label values callers control.
///
/// Everything here is bounded: at most `maxSeries` handlers are kept (a series past the limit gets a handler
/// made for the one event and dropped, counted in `uncachedSeries`), and provider and model values past their
/// caps are folded into `other` (counted in `foldedLabelValues`).
struct SeriesCacheState: ~Copyable {
    var handlers: [SeriesKey: MetricHandle] = [:]
    var providers: Set<String> = []
    var models: Set<String> = []
    var uncachedSeries: UInt64 = 0
    var foldedLabelValues: UInt64 = 0

    let limits: SwiftMetricsRecorder.Limits
    let factory: any MetricsFactory

    init(limits: SwiftMetricsRecorder.Limits, factory: any MetricsFactory) {
        self.limits = limits
        self.factory = factory
    }

    /// The handler of `key`, made through the factory the first time.
    mutating func handle(_ key: SeriesKey) -> MetricHandle {
        if let handle = handlers[key] { return handle }
        let handle = MetricHandle.make(key, factory: factory)
        if handlers.count < limits.maxSeries {
            handlers[key] = handle
        } else {
            uncachedSeries &+= 1
        }
        return handle
    }

    /// `provider`, or `other` once `maxProviders` distinct values were admitted.
    mutating func admitProvider(_ provider: String) -> String {
        Self.admit(provider, into: &providers, limit: limits.maxProviders, folded: &foldedLabelValues)
    }

    /// `model`, or `other` once `maxModels` distinct values were admitted.
    mutating func admitModel(_ model: String) -> String {
        Self.admit(model, into: &models, limit: limits.maxModels, folded: &foldedLabelValues)
    }

    private static func admit(_ value: String, into set: inout Set<String>, limit: Int, folded: inout UInt64) -> String {
        if set.contains(value) { return value }
        if set.count < limit {
            set.insert(value)
            return value
        }
        folded &+= 1
        return SwiftMetricsRecorder.overflowLabelValue
    }
}

import BulwarkCore
import CoreMetrics
import Synchronization

/// The handlers made so far, keyed by series, and the caps on the label values callers control.
///
/// Everything here is bounded: at most `maxSeries` handlers and `maxSeries` attempt keys are kept (a series
/// past the limit gets a handler made for the one event and dropped, counted in `uncachedSeries`), and
/// provider and model values past their caps are folded into `other` (counted in `foldedLabelValues`).
struct SeriesCacheState: ~Copyable {
    var handlers: [SeriesKey: MetricHandle] = [:]
    /// The fast path: per attempt key, the handles its attempts need (at most `maxSeries` keys; attempts whose
    /// provider or model was folded into `other` are never cached here, so hostile names cannot fill it).
    var attempts: [AttemptKey: AttemptHandles] = [:]
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

    /// The handles of every slot in `needed` for attempts like `key`; `series` names a slot's series from
    /// the admitted provider and model values, and is called only for handles not made yet.
    mutating func attemptHandles(
        _ key: AttemptKey, needing needed: AttemptSlots, series: (AttemptSlot, _ provider: String, _ model: String) -> SeriesKey
    ) -> AttemptHandles {
        if let cached = attempts[key] {
            if cached.hasAll(needed) { return cached }
            let uncachedBefore = uncachedSeries
            var bundle = cached
            for slot in needed.subtracting(bundle.present) {
                bundle[slot] = handle(series(slot, bundle.provider, bundle.model))
            }
            if uncachedSeries == uncachedBefore { attempts[key] = bundle }
            return bundle
        }
        let foldedBefore = foldedLabelValues
        let uncachedBefore = uncachedSeries
        var bundle = AttemptHandles(provider: admitProvider(key.provider), model: admitModel(key.model))
        for slot in needed.subtracting(AttemptSlots()) {
            bundle[slot] = handle(series(slot, bundle.provider, bundle.model))
        }
        // Kept only when it holds no handle past the limits and no folded label value.
        if foldedLabelValues == foldedBefore, uncachedSeries == uncachedBefore, attempts.count < limits.maxSeries {
            attempts[key] = bundle
        }
        return bundle
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

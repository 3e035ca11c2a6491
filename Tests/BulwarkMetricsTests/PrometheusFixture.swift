import BulwarkMetrics
import CoreMetrics
import Prometheus
import Synchronization

/// A swift-prometheus 2.x registry and factory, set up the way the README tells users to, without
/// bootstrapping `MetricsSystem`.
struct PrometheusFixture {
    let registry = PrometheusCollectorRegistry()
    let factory: CountingFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        for naming in MetricNaming.allCases {
            factory.durationHistogramBuckets.merge(naming.timerBuckets) { $1 }
            factory.valueHistogramBuckets.merge(naming.recorderBuckets) { $1 }
        }
        self.factory = CountingFactory(factory)
    }

    /// The registry's Prometheus text, one string per line.
    var lines: [Substring] { registry.emitToString().split(separator: "\n") }

    /// The lines of `metric` (its name as swift-prometheus renders it, suffixes included).
    func lines(of metric: String) -> [String] {
        lines.filter { $0.hasPrefix(metric + "{") || $0.hasPrefix(metric + " ") }.map(String.init)
    }
}

/// Forwards to a factory and counts the handlers it was asked to make.
final class CountingFactory: MetricsFactory {
    let base: any MetricsFactory
    private let made = Atomic<Int>(0)

    init(_ base: any MetricsFactory) { self.base = base }

    var handlersMade: Int { made.load(ordering: .relaxed) }

    private func count() { made.add(1, ordering: .relaxed) }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        count()
        return base.makeCounter(label: label, dimensions: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        count()
        return base.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        count()
        return base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        count()
        return base.makeMeter(label: label, dimensions: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        count()
        return base.makeTimer(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        base.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}

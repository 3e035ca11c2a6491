import CoreMetrics

/// The kinds of swift-metrics instrument the recorder emits.
enum InstrumentKind: UInt8, Sendable, Hashable {
    case counter
    case floatingPointCounter
    case gauge
    case histogram
    case timer
}

/// One series: its metric label (name), instrument kind and dimensions, in a fixed order per family.
struct SeriesKey: Sendable, Hashable {
    let label: String
    let kind: InstrumentKind
    let dimensions: [Dimension]

    struct Dimension: Sendable, Hashable {
        let name: String
        let value: String
    }

    init(_ label: String, _ kind: InstrumentKind, _ dimensions: [(String, String)]) {
        self.label = label
        self.kind = kind
        self.dimensions = dimensions.map { Dimension(name: $0.0, value: $0.1) }
    }

    var dimensionPairs: [(String, String)] { dimensions.map { ($0.name, $0.value) } }
}

/// A swift-metrics handler made once per series and kept by ``SeriesCache``.
enum MetricHandle: Sendable {
    case counter(any CounterHandler)
    case floatingPointCounter(any FloatingPointCounterHandler)
    case recorder(any RecorderHandler)
    case timer(any TimerHandler)

    /// Makes the handler of `key` through `factory`.
    static func make(_ key: SeriesKey, factory: any MetricsFactory) -> MetricHandle {
        let dimensions = key.dimensionPairs
        switch key.kind {
        case .counter:
            return .counter(factory.makeCounter(label: key.label, dimensions: dimensions))
        case .floatingPointCounter:
            return .floatingPointCounter(factory.makeFloatingPointCounter(label: key.label, dimensions: dimensions))
        case .gauge:
            return .recorder(factory.makeRecorder(label: key.label, dimensions: dimensions, aggregate: false))
        case .histogram:
            return .recorder(factory.makeRecorder(label: key.label, dimensions: dimensions, aggregate: true))
        case .timer:
            return .timer(factory.makeTimer(label: key.label, dimensions: dimensions))
        }
    }

    /// Adds `amount` to a counter.
    func increment(by amount: Int64) {
        switch self {
        case .counter(let handler): handler.increment(by: amount)
        case .floatingPointCounter(let handler): handler.increment(by: Double(amount))
        case .recorder, .timer: break
        }
    }

    /// Adds `amount` to a floating-point counter.
    func increment(by amount: Double) {
        switch self {
        case .floatingPointCounter(let handler): handler.increment(by: amount)
        case .counter(let handler): handler.increment(by: Int64(amount))
        case .recorder, .timer: break
        }
    }

    /// Records a value into a gauge or a histogram.
    func record(_ value: Double) {
        if case .recorder(let handler) = self { handler.record(value) }
    }

    /// Records a duration into a timer.
    func recordSeconds(_ seconds: Double) {
        if case .timer(let handler) = self {
            handler.recordNanoseconds(Int64((max(0, seconds) * 1_000_000_000).rounded()))
        }
    }
}

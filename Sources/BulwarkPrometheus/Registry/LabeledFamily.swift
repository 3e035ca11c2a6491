import BulwarkCore
/// A counter or gauge family with a handful of series, kept sorted by label values when rendered.
struct LabeledFamily {
    struct Series {
        let labels: [UInt8]
        var value: Double
        let created: Double
    }

    let descriptor: MetricDescriptor
    let labelNames: [String]
    private(set) var series: [[String]: Series] = [:]

    init(_ descriptor: MetricDescriptor, labelNames: [String]) {
        self.descriptor = descriptor
        self.labelNames = labelNames
    }

    /// Adds `delta` to the series of `values`; `now` (its creation time) is read only for a new series.
    mutating func add(_ values: [String], _ delta: Double, now: @autoclosure () -> Double) {
        if let index = series.index(forKey: values) {
            series.values[index].value += delta
        } else {
            series[values] = Series(labels: encode(values), value: delta, created: now())
        }
    }

    /// Sets the series of `values` to `value`; `now` (its creation time) is read only for a new series.
    mutating func set(_ values: [String], _ value: Double, now: @autoclosure () -> Double) {
        if let index = series.index(forKey: values) {
            series.values[index].value = value
        } else {
            series[values] = Series(labels: encode(values), value: value, created: now())
        }
    }

    func value(_ values: [String]) -> Double? { series[values]?.value }

    /// Whether the series of `values` exists.
    func contains(_ values: [String]) -> Bool { series.index(forKey: values) != nil }

    /// `values` while the series exists or `budget` has room for it; otherwise every value becomes
    /// `other` and the fold is counted.
    func admit(_ values: [String], budget: SeriesBudget) -> [String] {
        if contains(values) || budget.take(1) { return values }
        budget.drop(family: descriptor.name)
        return values.map { _ in LabelCap.overflowValue }
    }

    private func encode(_ values: [String]) -> [UInt8] {
        LabelEncoding.encode(Array(zip(labelNames, values)).map { (name: $0.0, value: $0.1) })
    }

    func render(into writer: inout ExpositionWriter) {
        guard !series.isEmpty else { return }
        writer.header(descriptor)
        let withCreated = descriptor.type == .counter && writer.format == .openMetrics
        let base = descriptor.exposedName(for: writer.format)
        for (_, entry) in series.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            writer.sample(name: descriptor.name, labels: entry.labels, value: entry.value)
            if withCreated { writer.sample(name: base, suffix: "_created", labels: entry.labels, value: entry.created) }
        }
    }

    /// The sum of the series whose labels include every pair of `labels`; `nil` when none match.
    func sum(matching labels: [String: String]) -> Double? {
        var total: Double?
        for (values, entry) in series where matches(values, labels) { total = (total ?? 0) + entry.value }
        return total
    }

    private func matches(_ values: [String], _ labels: [String: String]) -> Bool {
        for (name, wanted) in labels {
            guard let position = labelNames.firstIndex(of: name), values[position] == wanted else { return false }
        }
        return true
    }
}

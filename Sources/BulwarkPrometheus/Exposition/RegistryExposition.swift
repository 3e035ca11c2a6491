import BulwarkCore
/// Renders a registry's state in either exposition format, families sorted by name.
enum RegistryExposition {
    private enum Family {
        case calls, duration, timeToFirstToken, tokens, retries, cost, labelOverflow
        case labeled(KeyPath<RegistryState, LabeledFamily>)
        case extra(Int)
    }

    private static var labeledFamilies: [KeyPath<RegistryState, LabeledFamily>] {
        [
            \.requests, \.fallbacks, \.circuitState, \.circuitOpens, \.rateLimitRemaining, \.rateLimitLimit,
            \.outageSeverity, \.dailyBudget, \.alertFiring, \.eventsIngested, \.eventsRejected,
            \.sharedStateUp, \.sharedStateErrors,
        ]
    }

    private static let durationLE = leLabels(MetricCatalog.durationBuckets)
    private static let firstTokenLE = leLabels(MetricCatalog.timeToFirstTokenBuckets)
    private static let infinityLE = Array(#"le="+Inf""#.utf8)

    private static func leLabels(_ bounds: [Double]) -> [[UInt8]] {
        bounds.map { bound in
            var writer = ExpositionWriter(format: .prometheusText, capacity: 16)
            writer.appendNumber(bound)
            return Array(#"le=""#.utf8) + writer.bytes + [UInt8(ascii: "\"")]
        }
    }

    static func render(_ state: RegistryState, extra: [CollectedFamily], into writer: inout ExpositionWriter) {
        var families: [(String, Family)] = [
            (MetricCatalog.calls.name, .calls),
            (MetricCatalog.callDuration.name, .duration),
            (MetricCatalog.timeToFirstToken.name, .timeToFirstToken),
            (MetricCatalog.tokens.name, .tokens),
            (MetricCatalog.retries.name, .retries),
            (MetricCatalog.cost.name, .cost),
            (MetricCatalog.labelOverflow.name, .labelOverflow),
        ]
        for path in labeledFamilies { families.append((state[keyPath: path].descriptor.name, .labeled(path))) }
        for (index, family) in extra.enumerated() { families.append((family.descriptor.name, .extra(index))) }
        families.sort { $0.0 < $1.0 }

        for (_, family) in families {
            switch family {
            case .calls: renderCalls(state, into: &writer)
            case .duration:
                renderHistogram(MetricCatalog.callDuration, state, le: durationLE, into: &writer) { $0.duration }
            case .timeToFirstToken:
                renderHistogram(MetricCatalog.timeToFirstToken, state, le: firstTokenLE, into: &writer) { $0.timeToFirstToken }
            case .tokens: renderTokens(state, into: &writer)
            case .retries:
                renderPerSeries(MetricCatalog.retries, state, into: &writer) { Double($0.retries) }
            case .cost:
                renderPerSeries(MetricCatalog.cost, state, into: &writer) { $0.cost }
            case .labelOverflow:
                CollectedFamily(
                    descriptor: MetricCatalog.labelOverflow,
                    samples: [
                        .init(labels: [("label", "model")], value: Double(state.models.overflowed)),
                        .init(labels: [("label", "provider")], value: Double(state.providers.overflowed)),
                    ],
                    created: state.requests.series[[RequestOutcome.success.rawValue]]?.created
                ).render(into: &writer)
            case .labeled(let path): state[keyPath: path].render(into: &writer)
            case .extra(let index): extra[index].render(into: &writer)
            }
        }
    }

    private static func renderCalls(_ state: RegistryState, into writer: inout ExpositionWriter) {
        guard !state.calls.isEmpty else { return }
        let descriptor = MetricCatalog.calls
        writer.header(descriptor)
        let created = writer.format == .openMetrics
        let base = descriptor.exposedName(for: writer.format)
        for index in state.callOrder {
            let call = state.calls[Int(index)]
            writer.sample(name: descriptor.name, labels: call.labels, count: call.count)
            if created { writer.sample(name: base, suffix: "_created", labels: call.labels, value: call.created) }
        }
    }

    private static func renderPerSeries(
        _ descriptor: MetricDescriptor, _ state: RegistryState, into writer: inout ExpositionWriter,
        value: (ProviderModelSeries) -> Double
    ) {
        guard !state.series.isEmpty else { return }
        writer.header(descriptor)
        let created = writer.format == .openMetrics
        let base = descriptor.exposedName(for: writer.format)
        for index in state.seriesOrder {
            let series = state.series[Int(index)]
            writer.sample(name: descriptor.name, labels: series.labels, value: value(series))
            if created { writer.sample(name: base, suffix: "_created", labels: series.labels, value: series.created) }
        }
    }

    private static func renderTokens(_ state: RegistryState, into writer: inout ExpositionWriter) {
        guard !state.series.isEmpty else { return }
        let descriptor = MetricCatalog.tokens
        writer.header(descriptor)
        let created = writer.format == .openMetrics
        let base = descriptor.exposedName(for: writer.format)
        for index in state.seriesOrder {
            let series = state.series[Int(index)]
            for (labels, count) in [(series.inputTokenLabels, series.inputTokens), (series.outputTokenLabels, series.outputTokens)] {
                writer.sample(name: descriptor.name, labels: labels, count: count)
                if created { writer.sample(name: base, suffix: "_created", labels: labels, value: series.created) }
            }
        }
    }

    private static func renderHistogram(
        _ descriptor: MetricDescriptor, _ state: RegistryState, le: [[UInt8]], into writer: inout ExpositionWriter,
        counts: (ProviderModelSeries) -> HistogramCounts
    ) {
        let observed = state.seriesOrder.filter { counts(state.series[Int($0)]).count > 0 }
        guard !observed.isEmpty else { return }
        writer.header(descriptor)
        let name = descriptor.name
        for index in observed {
            let series = state.series[Int(index)]
            let histogram = counts(series)
            var cumulative: UInt64 = 0
            for (bucket, label) in le.enumerated() {
                cumulative &+= histogram.buckets[bucket]
                writer.sample(name: name, suffix: "_bucket", labels: series.labels, extraLabel: label, count: cumulative)
            }
            writer.sample(name: name, suffix: "_bucket", labels: series.labels, extraLabel: infinityLE, count: histogram.count)
            writer.sample(name: name, suffix: "_sum", labels: series.labels, value: histogram.sum)
            writer.sample(name: name, suffix: "_count", labels: series.labels, count: histogram.count)
            if writer.format == .openMetrics {
                writer.sample(name: name, suffix: "_created", labels: series.labels, value: series.created)
            }
        }
    }

    /// The sum of the series of `family` whose labels include every pair of `labels`.
    static func value(of family: MetricDescriptor, labels: [String: String], in state: RegistryState) -> Double? {
        func seriesMatches(_ series: ProviderModelSeries) -> Bool {
            (labels["provider"].map { $0 == series.key.provider } ?? true)
                && (labels["model"].map { $0 == series.key.model } ?? true)
        }
        var total: Double?
        func add(_ value: Double) { total = (total ?? 0) + value }
        switch family.name {
        case MetricCatalog.calls.name:
            for call in state.calls where seriesMatches(state.series[Int(call.key.series)]) {
                if let status = labels["status_code"], status != String(call.key.statusCode) { continue }
                let error = call.key.errorIndex == 0 ? "none" : ErrorType.allCases[Int(call.key.errorIndex) - 1].rawValue
                if let wanted = labels["error_type"], wanted != error { continue }
                add(Double(call.count))
            }
        case MetricCatalog.callDuration.name:
            for series in state.series where seriesMatches(series) { add(Double(series.duration.count)) }
        case MetricCatalog.timeToFirstToken.name:
            for series in state.series where seriesMatches(series) { add(Double(series.timeToFirstToken.count)) }
        case MetricCatalog.tokens.name:
            for series in state.series where seriesMatches(series) {
                if labels["direction"] != "output" { add(Double(series.inputTokens)) }
                if labels["direction"] != "input" { add(Double(series.outputTokens)) }
            }
        case MetricCatalog.retries.name:
            for series in state.series where seriesMatches(series) { add(Double(series.retries)) }
        case MetricCatalog.cost.name:
            for series in state.series where seriesMatches(series) { add(series.cost) }
        default:
            for path in labeledFamilies where state[keyPath: path].descriptor.name == family.name {
                return state[keyPath: path].sum(matching: labels)
            }
        }
        return total
    }
}

import BulwarkCore
/// Renders a registry snapshot in either exposition format, families sorted by name.
///
/// The per-pair families are written with the writer's unchecked appends: one reservation per line
/// (or per histogram), then `memcpy`s of pre-encoded bytes and integer formatting.
enum RegistryExposition {
    private enum Family {
        case calls, duration, timeToFirstToken, tokens, retries, cost
        case collected(CollectedFamily)
        case labeled(LabeledFamily)
        case extra(Int)
    }

    private static let durationLE = leLabels(MetricCatalog.durationBuckets)
    private static let firstTokenLE = leLabels(MetricCatalog.timeToFirstTokenBuckets)
    private static let infinityLE = Array(#",le="+Inf"} "#.utf8)

    /// `,le="bound"} ` for every bound.
    private static func leLabels(_ bounds: [Double]) -> [[UInt8]] {
        bounds.map { bound in
            var writer = ExpositionWriter(format: .prometheusText, capacity: 64)
            writer.appendNumber(bound)
            return Array(#",le=""#.utf8) + writer.bytes + Array(#""} "#.utf8)
        }
    }

    static func render(_ state: RegistrySnapshot, extra: [CollectedFamily], into writer: inout ExpositionWriter) {
        var families: [(String, Family)] = [
            (MetricCatalog.calls.name, .calls),
            (MetricCatalog.callDuration.name, .duration),
            (MetricCatalog.timeToFirstToken.name, .timeToFirstToken),
            (MetricCatalog.tokens.name, .tokens),
            (MetricCatalog.retries.name, .retries),
            (MetricCatalog.cost.name, .cost),
        ]
        for family in collectedFamilies(state) { families.append((family.descriptor.name, .collected(family))) }
        for path in SmallFamilies.all {
            let family = state.small[keyPath: path]
            families.append((family.descriptor.name, .labeled(family)))
        }
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
                renderPerPair(MetricCatalog.retries, state, into: &writer) { Double($0.retries) }
            case .cost:
                renderPerPair(MetricCatalog.cost, state, into: &writer) { $0.cost }
            case .collected(let family): family.render(into: &writer)
            case .labeled(let family): family.render(into: &writer)
            case .extra(let index): extra[index].render(into: &writer)
            }
        }
    }

    /// The registry's own counters kept outside the pairs: events ingested, label overflow, dropped series.
    private static func collectedFamilies(_ state: RegistrySnapshot) -> [CollectedFamily] {
        var families = [
            CollectedFamily(
                descriptor: MetricCatalog.eventsIngested,
                samples: [
                    .init(labels: [("source", EventSource.client.rawValue)], value: Double(state.ingestedClient)),
                    .init(labels: [("source", EventSource.http.rawValue)], value: Double(state.ingestedHTTP)),
                ],
                created: state.created),
            CollectedFamily(
                descriptor: MetricCatalog.labelOverflow,
                samples: [
                    .init(labels: [("label", "model")], value: Double(state.modelOverflow)),
                    .init(labels: [("label", "provider")], value: Double(state.providerOverflow)),
                ],
                created: state.created),
        ]
        if !state.dropped.isEmpty {
            families.append(CollectedFamily(
                descriptor: MetricCatalog.seriesDropped,
                samples: state.dropped.sorted { $0.key < $1.key }.map { .init(labels: [("family", $0.key)], value: Double($0.value)) },
                created: state.created))
        }
        return families
    }

    /// `name{` and the `_created{` line's name for OpenMetrics.
    private static func prefixes(_ descriptor: MetricDescriptor, _ format: ExpositionFormat) -> (sample: [UInt8], created: [UInt8]) {
        (Array(descriptor.name.utf8) + [UInt8(ascii: "{")],
         Array(descriptor.exposedName(for: format).utf8) + Array("_created{".utf8))
    }

    private static func renderCalls(_ state: RegistrySnapshot, into writer: inout ExpositionWriter) {
        guard !state.calls.isEmpty else { return }
        let descriptor = MetricCatalog.calls
        writer.header(descriptor)
        let withCreated = writer.format == .openMetrics
        let (prefix, createdPrefix) = prefixes(descriptor, writer.format)
        // Per pair, `name{provider="…",model="…",status_code="` is built once: a call line is then one
        // copy, the status, the error type and the count.
        var line: [UInt8] = []
        var createdLine: [UInt8] = []
        line.reserveCapacity(512)
        createdLine.reserveCapacity(512)
        for (position, cell) in state.pairs.enumerated() {
            let calls = state.calls(of: position)
            guard !calls.isEmpty else { continue }
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: prefix)
            line.append(contentsOf: cell.labels)
            line.append(contentsOf: #",status_code=""#.utf8)
            if withCreated {
                createdLine.removeAll(keepingCapacity: true)
                createdLine.append(contentsOf: createdPrefix)
                createdLine.append(contentsOf: cell.labels)
                createdLine.append(contentsOf: #",status_code=""#.utf8)
            }
            line.withUnsafeBytes { line in
                createdLine.withUnsafeBytes { createdLine in
                    for call in calls {
                        writer.reserve(line.count + createdLine.count + 160)
                        writer.put(line)
                        putCallStatusAndError(call, into: &writer)
                        writer.putInteger(call.count)
                        writer.put(0x0A)
                        if withCreated {
                            writer.put(createdLine)
                            putCallStatusAndError(call, into: &writer)
                            writer.putNumber(call.created)
                            writer.put(0x0A)
                        }
                    }
                }
            }
        }
    }

    /// `…",error_type="…"} ` after `status_code="` (at most 64 bytes).
    @inline(__always)
    private static func putCallStatusAndError(_ call: CallEntry, into writer: inout ExpositionWriter) {
        if call.status.raw >= 0 && call.status.raw < 1_000 {
            writer.putInteger(UInt64(call.status.raw))
        } else {
            writer.append(call.status.text)
        }
        writer.put(#"",error_type=""#)
        writer.put(ErrorTypeLabel.nameBytes[Int(call.error.index)])
        writer.put(#""} "#)
    }

    private static func renderPerPair(
        _ descriptor: MetricDescriptor, _ state: RegistrySnapshot, into writer: inout ExpositionWriter,
        value: (PairCounts) -> Double
    ) {
        guard !state.pairs.isEmpty else { return }
        writer.header(descriptor)
        let withCreated = writer.format == .openMetrics
        let (prefix, createdPrefix) = prefixes(descriptor, writer.format)
        for (position, cell) in state.pairs.enumerated() {
            writer.reserve(createdPrefix.count + cell.labels.count + 96)
            writer.put(prefix)
            writer.put(cell.labels)
            writer.put("} ")
            writer.putNumber(value(state.counts[position]))
            writer.put(0x0A)
            if withCreated {
                writer.put(createdPrefix)
                writer.put(cell.labels)
                writer.put("} ")
                writer.putNumber(cell.created)
                writer.put(0x0A)
            }
        }
    }

    private static func renderTokens(_ state: RegistrySnapshot, into writer: inout ExpositionWriter) {
        guard !state.pairs.isEmpty else { return }
        let descriptor = MetricCatalog.tokens
        writer.header(descriptor)
        let withCreated = writer.format == .openMetrics
        let (prefix, createdPrefix) = prefixes(descriptor, writer.format)
        for (position, cell) in state.pairs.enumerated() {
            let counts = state.counts[position]
            for (direction, count) in [(StaticString(#",direction="input"} "#), counts.inputTokens),
                                       (StaticString(#",direction="output"} "#), counts.outputTokens)] {
                writer.reserve(createdPrefix.count + cell.labels.count + 96)
                writer.put(prefix)
                writer.put(cell.labels)
                writer.put(direction)
                writer.putInteger(count)
                writer.put(0x0A)
                if withCreated {
                    writer.put(createdPrefix)
                    writer.put(cell.labels)
                    writer.put(direction)
                    writer.putNumber(cell.created)
                    writer.put(0x0A)
                }
            }
        }
    }

    private static func renderHistogram(
        _ descriptor: MetricDescriptor, _ state: RegistrySnapshot, le: [[UInt8]], into writer: inout ExpositionWriter,
        counts: (PairCounts) -> HistogramCounts
    ) {
        guard state.counts.contains(where: { counts($0).count > 0 }) else { return }
        writer.header(descriptor)
        let name = descriptor.name
        let bucket = Array((name + "_bucket{").utf8)
        let sum = Array((name + "_sum{").utf8)
        let count = Array((name + "_count{").utf8)
        let created = Array((name + "_created{").utf8)
        let withCreated = writer.format == .openMetrics
        // `,le="…"} ` of every bound in one buffer, so a bucket line is two copies and a number:
        // the pair's `name_bucket{labels` (built once per pair) and its bound.
        let bounds = le.flatMap { $0 }
        var boundEnds: [Int] = []
        for piece in le { boundEnds.append((boundEnds.last ?? 0) + piece.count) }
        var prefix: [UInt8] = []
        prefix.reserveCapacity(512)
        bounds.withUnsafeBytes { bounds in
            for (position, cell) in state.pairs.enumerated() {
                let histogram = counts(state.counts[position])
                guard histogram.count > 0 else { continue }
                let labels = cell.labels
                prefix.removeAll(keepingCapacity: true)
                prefix.append(contentsOf: bucket)
                prefix.append(contentsOf: labels)
                writer.reserve((le.count + 4) * (bucket.count + labels.count + 64))
                prefix.withUnsafeBytes { prefix in
                    var cumulative: UInt64 = 0
                    var start = 0
                    for index in 0..<le.count {
                        cumulative &+= histogram.buckets[index]
                        let end = boundEnds[index]
                        writer.put(prefix)
                        writer.put(UnsafeRawBufferPointer(rebasing: bounds[start..<end]))
                        writer.putInteger(cumulative)
                        writer.put(0x0A)
                        start = end
                    }
                    writer.put(prefix)
                }
                writer.put(infinityLE)
                writer.putInteger(histogram.count)
                writer.put(0x0A)
                writer.put(sum)
                writer.put(labels)
                writer.put("} ")
                writer.putNumber(histogram.sum)
                writer.put(0x0A)
                writer.put(count)
                writer.put(labels)
                writer.put("} ")
                writer.putInteger(histogram.count)
                writer.put(0x0A)
                if withCreated {
                    writer.put(created)
                    writer.put(labels)
                    writer.put("} ")
                    writer.putNumber(cell.created)
                    writer.put(0x0A)
                }
            }
        }
    }

    /// The sum of the series of `family` whose labels include every pair of `labels`.
    static func value(of family: MetricDescriptor, labels: [String: String], in state: RegistrySnapshot) -> Double? {
        func pairMatches(_ cell: PairCell) -> Bool {
            (labels["provider"].map { $0 == cell.key.provider } ?? true)
                && (labels["model"].map { $0 == cell.key.model } ?? true)
        }
        var total: Double?
        func add(_ value: Double) { total = (total ?? 0) + value }
        let pairs = state.pairs.indices.filter { pairMatches(state.pairs[$0]) }
        switch family.name {
        case MetricCatalog.calls.name:
            for position in pairs {
                for call in state.calls(of: position) {
                    if let status = labels["status_code"], status != call.status.text { continue }
                    if let wanted = labels["error_type"], wanted != call.error.name { continue }
                    add(Double(call.count))
                }
            }
        case MetricCatalog.callDuration.name:
            for position in pairs { add(Double(state.counts[position].duration.count)) }
        case MetricCatalog.timeToFirstToken.name:
            for position in pairs { add(Double(state.counts[position].timeToFirstToken.count)) }
        case MetricCatalog.tokens.name:
            for position in pairs {
                if labels["direction"] != "output" { add(Double(state.counts[position].inputTokens)) }
                if labels["direction"] != "input" { add(Double(state.counts[position].outputTokens)) }
            }
        case MetricCatalog.retries.name:
            for position in pairs { add(Double(state.counts[position].retries)) }
        case MetricCatalog.cost.name:
            for position in pairs { add(state.counts[position].cost) }
        default:
            if let collected = collectedFamilies(state).first(where: { $0.descriptor.name == family.name }) {
                for sample in collected.samples {
                    let matches = sample.labels.allSatisfy { label in labels[label.name].map { $0 == label.value } ?? true }
                    if matches { add(sample.value) }
                }
                return total
            }
            for path in SmallFamilies.all where state.small[keyPath: path].descriptor.name == family.name {
                return state.small[keyPath: path].sum(matching: labels)
            }
        }
        return total
    }
}

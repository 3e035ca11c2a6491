import BulwarkCore
/// A counter or gauge family gathered outside the registry at scrape time (process metrics, log
/// sink counters) and rendered alongside it.
public struct CollectedFamily: Sendable {
    /// One series of the family.
    public struct Sample: Sendable {
        /// Label names and values.
        public var labels: [(name: String, value: String)]
        /// The value.
        public var value: Double

        /// Creates a sample.
        public init(labels: [(name: String, value: String)] = [], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    /// The family's descriptor (counter or gauge).
    public var descriptor: MetricDescriptor
    /// The series.
    public var samples: [Sample]
    /// The Unix time the counters started counting, for OpenMetrics `_created`.
    public var created: Double?

    /// Creates a family.
    public init(descriptor: MetricDescriptor, samples: [Sample], created: Double? = nil) {
        self.descriptor = descriptor
        self.samples = samples
        self.created = created
    }

    func render(into writer: inout ExpositionWriter) {
        guard !samples.isEmpty else { return }
        writer.header(descriptor)
        let base = descriptor.exposedName(for: writer.format)
        for sample in samples {
            let labels = LabelEncoding.encode(sample.labels)
            writer.sample(name: descriptor.name, labels: labels, value: sample.value)
            if descriptor.type == .counter, writer.format == .openMetrics, let created {
                writer.sample(name: base, suffix: "_created", labels: labels, value: created)
            }
        }
    }
}

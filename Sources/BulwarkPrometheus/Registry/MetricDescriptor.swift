import BulwarkCore
/// The kind of a metric family.
public enum MetricType: String, Sendable {
    case counter
    case gauge
    case histogram
}

/// A metric family's name, help text, type and unit.
public struct MetricDescriptor: Sendable, Hashable {
    /// The sample name; counters end in `_total`.
    public let name: String
    /// The HELP text.
    public let help: String
    /// The family's type.
    public let type: MetricType
    /// The OpenMetrics unit (`seconds`, `bytes`, `usd`); the family name ends with it.
    public let unit: String?

    /// Creates a descriptor.
    public init(name: String, help: String, type: MetricType, unit: String? = nil) {
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
    }

    /// The family name used in `# TYPE`/`# HELP` lines: OpenMetrics names a counter family without `_total`.
    public func exposedName(for format: ExpositionFormat) -> String {
        if format == .openMetrics, type == .counter, name.hasSuffix("_total") {
            return String(name.dropLast(6))
        }
        return name
    }
}

/// Where an event came from (`llm_api_events_ingested_total{source}`).
public enum EventSource: String, Sendable, CaseIterable {
    /// Recorded in-process by the resilient client.
    case client
    /// Posted to `POST /v1/events`.
    case http
}


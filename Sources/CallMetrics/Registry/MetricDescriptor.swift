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

/// Why a logical request ended the way it did (`llm_api_requests_total{outcome}`).
public enum RequestOutcome: String, Sendable, CaseIterable {
    /// Answered by the first provider tried.
    case success
    /// Answered by a provider further down the chain.
    case fallback
    /// Every provider failed.
    case failed
}

/// Where an event came from (`llm_api_events_ingested_total{source}`).
public enum EventSource: String, Sendable, CaseIterable {
    /// Recorded in-process by the resilient client.
    case client
    /// Posted to `POST /v1/events`.
    case http
}

/// How long a provider has been failing (`llm_api_outage_severity`).
public enum OutageSeverity: Int, Sendable, CaseIterable, Comparable {
    case none = 0
    case transient = 1
    case extended = 2
    case prolonged = 3

    public static func < (lhs: OutageSeverity, rhs: OutageSeverity) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The lowercase name (`none`, `transient`, `extended`, `prolonged`).
    public var name: String {
        switch self {
        case .none: return "none"
        case .transient: return "transient"
        case .extended: return "extended"
        case .prolonged: return "prolonged"
        }
    }
}

/// The rate-limit resources providers report (`llm_api_ratelimit_*{resource}`).
public enum RateLimitResource: String, Sendable, Hashable, CaseIterable, Codable {
    case requests
    case tokens
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
}

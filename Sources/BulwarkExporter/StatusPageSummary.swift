import BulwarkCore

/// What the exporter reads of an Atlassian Statuspage v2 `summary.json` (`GET <page>/api/v2/summary.json`):
/// the page's overall indicator, and the names of its unresolved incidents and degraded components.
///
/// ```json
/// {"page": {"id": "…", "name": "OpenAI", "url": "https://status.openai.com", "updated_at": "…"},
///  "status": {"indicator": "major", "description": "Partial System Outage"},
///  "components": [{"id": "…", "name": "API", "status": "partial_outage", …}],
///  "incidents": [{"id": "…", "name": "Elevated error rates", "status": "investigating", "impact": "major", …}],
///  "scheduled_maintenances": []}
/// ```
///
/// Only `status.indicator` is required; every other member is optional, and incidents or components
/// whose fields are not strings are skipped, so a page that adds or reshapes a field keeps working.
public struct StatusPageSummary: Sendable, Equatable {
    /// `status.indicator`, the page's blended status.
    public enum Indicator: String, Sendable, CaseIterable {
        /// All systems operational.
        case none
        /// A minor incident or degraded performance.
        case minor
        /// A major (partial) outage.
        case major
        /// A critical (full) outage.
        case critical
        /// Planned maintenance in progress; not an incident, so it publishes 0 like `none`.
        case maintenance

        /// The value of `llm_api_provider_status`: 0 none (and maintenance), 1 minor, 2 major, 3 critical.
        public var gaugeValue: Int {
            switch self {
            case .none, .maintenance: 0
            case .minor: 1
            case .major: 2
            case .critical: 3
            }
        }
    }

    /// An unresolved incident.
    public struct Incident: Sendable, Equatable {
        /// Its title, e.g. "Elevated error rates on the API".
        public var name: String
        /// `investigating`, `identified`, `monitoring`…; empty when absent.
        public var status: String
        /// `none`, `minor`, `major` or `critical`; empty when absent.
        public var impact: String

        /// Creates an incident.
        public init(name: String, status: String = "", impact: String = "") {
            self.name = name
            self.status = status
            self.impact = impact
        }
    }

    /// A component of the page and its status.
    public struct Component: Sendable, Equatable {
        /// Its name, e.g. "API" or "Chat Completions".
        public var name: String
        /// `operational`, `degraded_performance`, `partial_outage`, `major_outage` or `under_maintenance`.
        public var status: String

        /// Creates a component.
        public init(name: String, status: String) {
            self.name = name
            self.status = status
        }
    }

    /// Most incidents and components kept from one body, and the longest name kept (in characters):
    /// a page can list hundreds of components, and none of it may grow the exporter's memory unboundedly.
    public static let maxListed = 20
    /// See ``maxListed``.
    public static let maxNameLength = 200

    /// `status.indicator`.
    public var indicator: Indicator
    /// `status.description`, e.g. "Partial System Outage"; empty when absent.
    public var description: String
    /// `incidents[]`: the unresolved incidents, at most ``maxListed``.
    public var incidents: [Incident]
    /// `components[]` that are not `operational`, at most ``maxListed``.
    public var degradedComponents: [Component]

    /// Creates a summary.
    public init(indicator: Indicator, description: String = "", incidents: [Incident] = [], degradedComponents: [Component] = []) {
        self.indicator = indicator
        self.description = description
        self.incidents = incidents
        self.degradedComponents = degradedComponents
    }

    /// Parses a `summary.json` body (or the smaller `status.json`, which has `status` alone).
    ///
    /// - Throws: ``StatusPageError`` (kind ``StatusPageError/Kind/invalidBody``) naming what was wrong:
    ///   not JSON (with the byte offset), not an object, no `status.indicator`, or an indicator outside
    ///   `none`, `minor`, `major`, `critical`, `maintenance`.
    public init(json body: [UInt8]) throws(StatusPageError) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(body, selecting: Self.selection)
        } catch {
            throw StatusPageError(.invalidBody, "not JSON: \(error)")
        }
        guard case .object(let members) = root else {
            throw StatusPageError(.invalidBody, "expected a JSON object with status.indicator, got a JSON \(root.typeName)")
        }
        guard let status = members["status"] else {
            throw StatusPageError(.invalidBody, "no \"status\" object (is this a Statuspage v2 summary.json?)")
        }
        guard case .object(let statusMembers) = status else {
            throw StatusPageError(.invalidBody, "\"status\" is a \(status.typeName), expected an object")
        }
        guard let indicatorValue = statusMembers["indicator"] else {
            throw StatusPageError(.invalidBody, "no status.indicator")
        }
        guard case .string(let indicatorText) = indicatorValue else {
            throw StatusPageError(.invalidBody, "status.indicator is a \(indicatorValue.typeName), expected a string")
        }
        guard let indicator = Indicator(rawValue: indicatorText) else {
            let allowed = Indicator.allCases.map(\.rawValue).joined(separator: ", ")
            throw StatusPageError(
                .invalidBody, "status.indicator \(StatusPageError.quoted(indicatorText)) is not one of \(allowed)")
        }
        self.indicator = indicator
        description = Self.string(statusMembers["description"]) ?? ""
        incidents = Self.objects(members["incidents"]).compactMap { incident in
            guard let name = Self.string(incident["name"]) else { return nil }
            return Incident(name: name, status: Self.string(incident["status"]) ?? "", impact: Self.string(incident["impact"]) ?? "")
        }.prefix(Self.maxListed).map { $0 }
        degradedComponents = Self.objects(members["components"]).compactMap { component in
            guard let name = Self.string(component["name"]), let status = Self.string(component["status"]),
                status != "operational"
            else { return nil }
            return Component(name: name, status: status)
        }.prefix(Self.maxListed).map { $0 }
    }

    /// One line for the log: the indicator, the description and the incidents' names.
    public var logDescription: String {
        var text = indicator.rawValue
        if !description.isEmpty { text += " (\(description))" }
        if !incidents.isEmpty { text += "; incidents: " + incidents.map(\.name).joined(separator: "; ") }
        return text
    }

    /// Of a page's members, only these are built; the rest (incident updates, page metadata) is checked
    /// for syntax and skipped.
    private static let selection = JSONSelection.members([
        "status": .members(["indicator": .all, "description": .all]),
        "incidents": .members(["name": .all, "status": .all, "impact": .all]),
        "components": .members(["name": .all, "status": .all]),
    ])

    private static func string(_ value: JSONValue?) -> String? {
        guard case .string(let text) = value else { return nil }
        return String(text.prefix(maxNameLength))
    }

    private static func objects(_ value: JSONValue?) -> [[String: JSONValue]] {
        guard case .array(let elements) = value else { return [] }
        return elements.compactMap { element in
            guard case .object(let members) = element else { return nil }
            return members
        }
    }
}

import Foundation

/// A Statuspage `status.indicator`: what a provider's status page says about it as a whole.
public enum StatusPageIndicator: String, Sendable, CaseIterable, Comparable, Codable {
    /// All systems operational.
    case none
    /// A minor incident: degraded performance or some requests failing.
    case minor
    /// A major incident: a partial outage.
    case major
    /// A critical incident: a full outage.
    case critical

    public static func < (lhs: StatusPageIndicator, rhs: StatusPageIndicator) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Statuspage's blended description of the page.
    var pageDescription: String {
        switch self {
        case .none: "All Systems Operational"
        case .minor: "Minor Service Outage"
        case .major: "Partial System Outage"
        case .critical: "Major Service Outage"
        }
    }

    /// The status of the provider's API component.
    var componentStatus: String {
        switch self {
        case .none: "operational"
        case .minor: "degraded_performance"
        case .major: "partial_outage"
        case .critical: "major_outage"
        }
    }
}

extension Phase {
    /// What the provider's status page reports while the phase is active: its `status` when the scenario
    /// gives one; otherwise `major` when one of its rules fails every request (an error status or a reset,
    /// without probability, model or stream filter, or cap), `minor` when it has other faults or changes
    /// the timings, and `none` for an empty phase.
    public var reportedStatus: StatusPageIndicator {
        if let status { return status }
        let failsEveryRequest = faults.contains { rule in
            let fails: Bool
            switch rule.effect {
            case .status, .reset: fails = true
            case .sequence, .stall, .midStreamError, .truncate, .resetAfterChunks, .slow, .safetyBlock: fails = false
            }
            return fails && (rule.probability ?? 1) >= 1 && rule.model == nil && rule.stream == nil && rule.times == nil
        }
        if failsEveryRequest { return .major }
        if !faults.isEmpty || latency != nil || timeToFirstToken != nil || interChunk != nil { return .minor }
        return .none
    }
}

/// `GET /status/{provider}/api/v2/summary.json`: a Statuspage v2 summary of one simulated provider that
/// follows the scenario's phases. The indicator is the worst ``Phase/reportedStatus`` of the provider's
/// active phases; each active phase that reports more than `none` is an unresolved incident named after
/// the phase, started when the phase started; the one component, "API", has the matching status.
enum StatusPage {
    static func summary(
        _ provider: SimulatedProvider, scenario: Scenario, phaseTime: Double, now: Date, baseURL: String
    ) -> String {
        let pageID = "bulwark-simulated-\(provider.rawValue)"
        let active = scenario[provider].phases.enumerated().filter {
            $0.element.isActive(at: phaseTime) && $0.element.reportedStatus > .none
        }
        let indicator = active.map(\.element.reportedStatus).max() ?? .none
        let stamp = timestamp(now)
        let component = """
            {"id":\(JSONText.quoted(pageID + "-api")),"name":"API","status":"\(indicator.componentStatus)",\
            "created_at":"2024-01-01T00:00:00.000Z","updated_at":\(JSONText.quoted(stamp)),"position":1,\
            "description":null,"showcase":false,"start_date":null,"group_id":null,"page_id":\(JSONText.quoted(pageID)),\
            "group":false,"only_show_if_degraded":false}
            """
        let incidents = active.map { index, phase in
            let started = timestamp(now.addingTimeInterval(-(phaseTime - phase.fromSeconds)))
            let id = "\(pageID)-phase-\(index)"
            let name = phase.name ?? "Elevated errors on the \(provider.rawValue) API"
            let status = phase.reportedStatus
            return """
                {"id":\(JSONText.quoted(id)),"name":\(JSONText.quoted(name)),"status":"investigating",\
                "created_at":\(JSONText.quoted(started)),"updated_at":\(JSONText.quoted(started)),"monitoring_at":null,\
                "resolved_at":null,"impact":"\(status.rawValue)","shortlink":\(JSONText.quoted(baseURL + "/status/" + provider.rawValue)),\
                "started_at":\(JSONText.quoted(started)),"page_id":\(JSONText.quoted(pageID)),\
                "incident_updates":[{"id":\(JSONText.quoted(id + "-update-0")),"status":"investigating",\
                "body":\(JSONText.quoted("We are investigating: \(name).")),"incident_id":\(JSONText.quoted(id)),\
                "created_at":\(JSONText.quoted(started)),"updated_at":\(JSONText.quoted(started)),\
                "display_at":\(JSONText.quoted(started)),"affected_components":[{"code":\(JSONText.quoted(pageID + "-api")),\
                "name":"API","old_status":"operational","new_status":"\(status.componentStatus)"}],\
                "deliver_notifications":true,"custom_tweet":null,"tweet_id":null}],"components":[\(component)]}
                """
        }
        return """
            {"page":{"id":\(JSONText.quoted(pageID)),"name":\(JSONText.quoted("\(provider.rawValue) (simulated)")),\
            "url":\(JSONText.quoted(baseURL + "/status/" + provider.rawValue)),"time_zone":"Etc/UTC",\
            "updated_at":\(JSONText.quoted(stamp))},"components":[\(component)],"incidents":[\(incidents.joined(separator: ","))],\
            "scheduled_maintenances":[],"status":{"indicator":"\(indicator.rawValue)","description":"\(indicator.pageDescription)"}}

            """
    }

    /// ISO 8601 with milliseconds in UTC, as Statuspage writes its times.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

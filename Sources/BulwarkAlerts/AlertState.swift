public import BulwarkCore
import BulwarkPrometheus
/// One active alert (pending or firing) of the in-process evaluator, as Prometheus lists it at `/api/v1/alerts`.
public struct AlertState: Sendable, Hashable {
    /// Prometheus' alert states; inactive alerts are not listed.
    public enum Phase: String, Sendable, Hashable {
        /// The condition holds, but not yet for the rule's `for` duration.
        case pending
        /// The condition has held for the rule's `for` duration.
        case firing
    }

    /// The `alertname`.
    public var name: AlertName
    /// The `severity`.
    public var severity: AlertSeverity
    /// The `provider` label of per-provider alerts; `nil` for the global ones.
    public var provider: String?
    /// Pending or firing.
    public var phase: Phase
    /// Unix time at which the condition started to hold (Prometheus' `activeAt`).
    public var activeAt: Double
    /// Unix time at which the alert started firing; `nil` while pending.
    public var firedAt: Double?
    /// Unix time at which a firing alert's condition stopped holding; set only in ``AlertChanges/resolved``.
    public var resolvedAt: Double?
    /// The expression's value at the last evaluation (error ratio, P95 seconds, 429s per minute, open
    /// circuits, fallback ratio, budget ratio).
    public var value: Double
    /// `summary`, `description` and `runbook`, rendered from the rule's templates.
    public var annotations: [String: String]

    /// Creates an alert state.
    public init(
        name: AlertName, severity: AlertSeverity, provider: String?, phase: Phase, activeAt: Double,
        firedAt: Double? = nil, resolvedAt: Double? = nil, value: Double, annotations: [String: String] = [:]
    ) {
        self.name = name
        self.severity = severity
        self.provider = provider
        self.phase = phase
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.value = value
        self.annotations = annotations
    }

    /// `alertname`, `severity` and, for per-provider alerts, `provider`.
    public var labels: [String: String] {
        var labels = ["alertname": name.rawValue, "severity": severity.rawValue]
        if let provider { labels["provider"] = provider }
        return labels
    }

    var key: AlertKey { AlertKey(name: name, severity: severity, provider: provider) }
}

/// Identifies one alert: rule and label set.
struct AlertKey: Hashable, Comparable {
    let name: AlertName
    let severity: AlertSeverity
    let provider: String?

    static func < (lhs: AlertKey, rhs: AlertKey) -> Bool {
        let left = AlertName.allCases.firstIndex(of: lhs.name)!
        let right = AlertName.allCases.firstIndex(of: rhs.name)!
        if left != right { return left < right }
        if lhs.severity != rhs.severity { return lhs.severity < rhs.severity }
        return (lhs.provider ?? "") < (rhs.provider ?? "")
    }
}

/// What changed at one evaluation: the alerts that started firing and the firing alerts that resolved.
public struct AlertChanges: Sendable, Hashable {
    /// Alerts that moved to firing (their ``AlertState/firedAt`` is the evaluation time).
    public var fired: [AlertState]
    /// Alerts that were firing and whose condition no longer holds (``AlertState/resolvedAt`` set).
    public var resolved: [AlertState]

    /// Creates a change set.
    public init(fired: [AlertState] = [], resolved: [AlertState] = []) {
        self.fired = fired
        self.resolved = resolved
    }

    /// Whether nothing started or stopped firing.
    public var isEmpty: Bool { fired.isEmpty && resolved.isEmpty }
}

/// One alert in the shape Alertmanager's `POST /api/v2/alerts` takes.
public struct AlertmanagerAlert: Sendable, Hashable {
    /// `alertname`, `severity`, `provider`.
    public var labels: [String: String]
    /// `summary`, `description`, `runbook`.
    public var annotations: [String: String]
    /// Unix time the alert started firing.
    public var startsAt: Double
    /// Unix time it resolved, or (while firing) the time after which Alertmanager may consider it
    /// resolved unless it is pushed again.
    public var endsAt: Double
    /// Link back to the source of the alert.
    public var generatorURL: String

    /// Creates an alert.
    public init(labels: [String: String], annotations: [String: String], startsAt: Double, endsAt: Double, generatorURL: String) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }
}

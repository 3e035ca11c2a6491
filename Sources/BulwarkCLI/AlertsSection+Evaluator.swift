import Bulwark
import BulwarkAlerts

extension AlertsSection {
    /// The evaluator's configuration: the guide's defaults with this section's overrides applied.
    var evaluatorConfiguration: AlertConfiguration {
        var configuration = AlertConfiguration()
        if let evaluationIntervalSeconds { configuration.evaluationIntervalSeconds = evaluationIntervalSeconds }
        for (alert, override) in rules {
            var rule = configuration[alert]
            if let value = override.warning { rule.warning = value }
            if let value = override.critical { rule.critical = value }
            if let value = override.windowSeconds { rule.windowSeconds = value }
            if let value = override.forSeconds { rule.forSeconds = value }
            configuration[alert] = rule
        }
        return configuration
    }
}

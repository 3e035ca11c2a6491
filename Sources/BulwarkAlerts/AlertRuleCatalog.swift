public import BulwarkCore
import BulwarkPrometheus
import Foundation

/// One alerting rule: an alert at one severity, as PromQL and as annotation templates.
public struct AlertRuleDefinition: Sendable, Hashable {
    /// The `alertname`.
    public var name: AlertName
    /// The `severity` label.
    public var severity: AlertSeverity
    /// The PromQL expression; it returns the alert's value for each label set above the threshold.
    public var expression: String
    /// Seconds the expression must return a label set before that alert fires.
    public var forSeconds: Double
    /// `summary`, `description` and `runbook`, in that order, as Prometheus templates.
    public var annotations: [(name: String, template: String)] {
        [("summary", summary), ("description", description), ("runbook", runbook)]
    }
    /// The `summary` template.
    public var summary: String
    /// The `description` template.
    public var description: String
    /// A short, actionable first step (static text; alerts/README.md has the full runbook).
    public var runbook: String

    /// The annotations rendered for one alert, as Prometheus renders them.
    public func renderAnnotations(labels: [String: String], value: Double) -> [String: String] {
        var rendered: [String: String] = [:]
        for (name, template) in annotations { rendered[name] = AlertTemplate.render(template, labels: labels, value: value) }
        return rendered
    }
}

/// The alert rules of the guide, written once and rendered two ways: as the Prometheus rule file
/// (`alerts/llm-api.rules.yml` is ``prometheusRuleFile(_:)`` of the defaults) and as the definitions
/// the in-process ``AlertEvaluator`` evaluates and annotates.
///
/// Every expression aggregates across exporter instances: counters are summed by provider over instances,
/// models and status codes before any ratio is taken; the open-circuit gauge is `max`ed per provider (open on
/// any replica counts); the budget gauge, identical on every replica, is `max`ed, while the cost is summed;
/// the status-page gauge is `max`ed per provider (an exporter that has seen the incident counts).
public enum AlertRuleCatalog {
    /// The quantile of `LLMAPIHighLatency`.
    public static let latencyQuantile = 0.95

    /// Every rule (each alert × two severities) for `configuration`, in file order.
    public static func definitions(_ configuration: AlertConfiguration = AlertConfiguration()) -> [AlertRuleDefinition] {
        AlertName.allCases.flatMap { name in
            AlertSeverity.allCases.map { definition(name, $0, configuration) }
        }
    }

    /// The rule of one alert at one severity.
    public static func definition(
        _ name: AlertName, _ severity: AlertSeverity, _ configuration: AlertConfiguration = AlertConfiguration()
    ) -> AlertRuleDefinition {
        let rule = configuration[name]
        let threshold = rule.threshold(severity)
        let limit = PrometheusFormat.literal(threshold)
        let range = PrometheusFormat.duration(rule.windowSeconds)
        let level = severity.rawValue
        let expression: String
        let summary: String
        let description: String
        let runbook: String
        switch name {
        case .highErrorRate:
            expression = """
                sum by (provider) (rate(llm_api_calls_total{error_type!~"none|cancelled"}[\(range)]))
                  / sum by (provider) (rate(llm_api_calls_total{error_type!="cancelled"}[\(range)]))
                > \(limit)
                """
            let percent = PrometheusFormat.humanizePercentage(threshold)
            summary = "LLM API error rate above \(percent) on {{ $labels.provider }}"
            description = "{{ $value | humanizePercentage }} of {{ $labels.provider }} calls failed over the last \(range) (\(level) above \(percent))."
            runbook = "Break llm_api_calls_total down by error_type: authentication or permission means a bad key, rate_limited or quota_exhausted means limits, 5xx, overloaded or timeout means a provider incident (check its status page and that the fallback serves)."
        case .highLatency:
            expression = """
                histogram_quantile(\(PrometheusFormat.literal(latencyQuantile)), sum by (provider, le) (rate(llm_api_call_duration_seconds_bucket[\(range)])))
                > \(limit)
                """
            let seconds = PrometheusFormat.humanizeDuration(threshold)
            summary = "LLM API P95 latency above \(seconds) on {{ $labels.provider }}"
            description = "P95 latency of {{ $labels.provider }} calls is {{ $value | humanizeDuration }} over the last \(range) (\(level) above \(seconds))."
            runbook = "Compare llm_api_time_to_first_token_seconds and the models in use: long outputs and reasoning models are slow by nature; otherwise the provider is degraded, so shorten timeouts or route latency-sensitive traffic to the fallback."
        case .rateLimited:
            expression = """
                sum by (provider) (rate(llm_api_calls_total{status_code="429"}[\(range)])) * 60
                > \(limit)
                """
            let perMinute = PrometheusFormat.goG4(threshold)
            summary = "LLM API rate limited on {{ $labels.provider }}: over \(perMinute) HTTP 429 per minute"
            description = "{{ $labels.provider }} answered {{ $value | printf \"%.1f\" }} requests per minute with HTTP 429, averaged over the last \(range) (\(level) above \(perMinute)/min)."
            runbook = "Read llm_api_ratelimit_remaining to see which limit (requests or tokens) runs out; lower the client's rpm, tpm or concurrency to fit the plan, ask the provider for a higher tier, or spread load over the fallback providers."
        case .circuitOpen:
            expression = """
                (max by (provider) (llm_api_circuit_state{state="open"}) > 0)
                  * on () group_left ()
                count(max by (provider) (llm_api_circuit_state{state="open"}) > 0)
                > \(limit)
                """
            let when = threshold == 0 ? "any is open" : "more than \(PrometheusFormat.goG4(threshold)) are open"
            summary = "LLM API circuit breaker open for {{ $labels.provider }}"
            description = "The circuit breaker of {{ $labels.provider }} is open; {{ $value | printf \"%.0f\" }} provider circuit(s) open in all (\(level) when \(when))."
            runbook = "Calls skip this provider until the recovery timeout and half-open probes succeed; check its status page and llm_api_calls_total by error_type. Several circuits open at once points at the network, the keys or a shared upstream."
        case .highFallbackUsage:
            expression = """
                sum(rate(llm_api_requests_total{outcome="fallback"}[\(range)]))
                  / sum(rate(llm_api_requests_total[\(range)]))
                > \(limit)
                """
            let percent = PrometheusFormat.humanizePercentage(threshold)
            summary = "LLM API fallback serves over \(percent) of requests"
            description = "{{ $value | humanizePercentage }} of logical requests were answered by a fallback provider over the last \(range) (\(level) above \(percent))."
            runbook = "The primary provider is failing or slow: find it with LLMAPIHighErrorRate, LLMAPICircuitOpen and llm_api_fallbacks_total; fallback providers may cost more and answer differently."
        case .budgetExceeded:
            expression = """
                sum(increase(llm_api_cost_usd_total[\(range)]))
                  / (max(llm_api_daily_budget_usd) > 0)
                > \(limit)
                """
            let percent = PrometheusFormat.humanizePercentage(threshold)
            summary = "LLM API spend above \(percent) of the daily budget"
            description = "LLM API spend over the last \(range) is {{ $value | humanizePercentage }} of llm_api_daily_budget_usd (\(level) above \(percent))."
            runbook = "Find the spender with topk(5, sum by (provider, model) (increase(llm_api_cost_usd_total[1d]))); look for retry storms (llm_api_retries_total), runaway loops or a model change; cap max_tokens or move to a cheaper model; raise alerts.daily_budget_usd only if the spend is expected."
        case .sharedStateDown:
            expression = """
                count(llm_api_shared_state_up == 0)
                > \(limit)
                """
            let held = PrometheusFormat.duration(rule.forSeconds(severity))
            summary = "LLM API replicas without their shared-state store (Redis)"
            description = "{{ $value | printf \"%.0f\" }} replica(s) have run on local rate limits and breakers for over \(held): their shared-state store (Redis) does not answer (\(level))."
            runbook = "Check that Redis is up and reachable from the replicas (shared_state.redis_url, llm_api_shared_state_errors_total by operation); meanwhile each replica limits itself to the full configured quota, so together they can exceed the provider's limits: expect 429s."
        case .providerIncident:
            expression = """
                max by (provider) (llm_api_provider_status)
                > \(limit)
                """
            let reported = threshold < 1 ? "minor or worse" : threshold < 2 ? "major or critical" : "critical"
            summary = "LLM API provider {{ $labels.provider }} reports an incident on its status page"
            description = "The status page of {{ $labels.provider }} reports status {{ $value | printf \"%.0f\" }} (1 minor, 2 major, 3 critical; \(level) when \(reported))."
            runbook = "Read the provider's status page (the exporter logs its incident names) and check whether your calls fail too (LLMAPIHighErrorRate, llm_api_calls_total by error_type); if the fallback providers are healthy, consider moving traffic off this provider until the incident is resolved."
        }
        return AlertRuleDefinition(
            name: name, severity: severity, expression: expression, forSeconds: rule.forSeconds(severity),
            summary: summary, description: description, runbook: runbook)
    }

    /// The Prometheus rule file for `configuration` (`alerts/llm-api.rules.yml` for the defaults).
    public static func prometheusRuleFile(_ configuration: AlertConfiguration = AlertConfiguration()) -> String {
        var text = """
            # Prometheus alerting rules for Bulwark's llm_api_* metrics: the thresholds of the error-handling guide.
            #
            # GENERATED from Sources/BulwarkAlerts/AlertRuleCatalog.swift with the default AlertConfiguration;
            # the exporter's in-process evaluator (GET /alerts, llm_api_alert_firing) computes the same expressions
            # and renders the same annotations. Do not edit by hand: change the catalog, then run
            #   BULWARK_UPDATE_GOLDEN=1 swift test --filter CallMetricsTests.AlertRulesPromtoolTests
            # and check `promtool test rules alerts/tests/*.yml`. alerts/README.md explains every choice.
            #
            # Aggregation over exporter replicas: counters are summed by provider over instances, models and
            # status codes before any ratio is taken; the open-circuit gauge is max'ed per provider (open on any
            # replica counts); the budget gauge, the same on every replica, is max'ed while the cost is summed;
            # the status-page gauge is max'ed per provider (an exporter that has seen the incident counts).
            # Each alert has a warning rule and a critical twin; above the critical threshold both fire, and an
            # Alertmanager inhibit rule (alerts/README.md) silences the warning.

            groups:
              - name: llm-api
                rules:

            """
        for definition in definitions(configuration) {
            text += "      - alert: \(definition.name.rawValue)\n"
            text += "        expr: |\n"
            for line in definition.expression.split(separator: "\n", omittingEmptySubsequences: false) {
                text += "          \(line)\n"
            }
            if definition.forSeconds > 0 { text += "        for: \(PrometheusFormat.duration(definition.forSeconds))\n" }
            text += "        labels:\n"
            text += "          severity: \(definition.severity.rawValue)\n"
            text += "        annotations:\n"
            for (name, template) in definition.annotations {
                text += "          \(name): \(yamlQuoted(template))\n"
            }
        }
        return text
    }

    /// A YAML single-quoted scalar.
    static func yamlQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

public import BulwarkCore
import BulwarkPrometheus
/// Thresholds, windows and `for` durations of the alerts (the `alerts:` section of `bulwark.yaml`).
///
/// The defaults are the error-handling guide's thresholds, and
/// ``AlertRuleCatalog/prometheusRuleFile(_:)`` renders the same configuration as Prometheus rules,
/// so `alerts/llm-api.rules.yml` is the default configuration written in PromQL.
public struct AlertConfiguration: Sendable, Equatable {
    /// One alert's two thresholds, its window and how long its condition must hold before it fires.
    ///
    /// Each alert fires when its value is strictly greater than the threshold of a severity.
    public struct Rule: Sendable, Equatable {
        /// Threshold of the `warning` alert.
        public var warning: Double
        /// Threshold of the `critical` alert.
        public var critical: Double
        /// The range of the rate or increase, in seconds (`[5m]` in PromQL); unused by the circuit alert.
        public var windowSeconds: Double
        /// Seconds the condition must hold (state `pending`) before the alert fires; 0 fires at once.
        public var forSeconds: Double
        /// Seconds the condition must hold before the `critical` alert fires, when it differs from
        /// ``forSeconds`` (`LLMAPISharedStateDown`: the same condition, 1 min warning, 10 min critical).
        public var criticalForSeconds: Double?

        /// Creates a rule.
        public init(warning: Double, critical: Double, windowSeconds: Double, forSeconds: Double, criticalForSeconds: Double? = nil) {
            self.warning = warning
            self.critical = critical
            self.windowSeconds = windowSeconds
            self.forSeconds = forSeconds
            self.criticalForSeconds = criticalForSeconds
        }

        /// The `for` duration of `severity`.
        public func forSeconds(_ severity: AlertSeverity) -> Double {
            severity == .critical ? criticalForSeconds ?? forSeconds : forSeconds
        }

        /// The threshold of `severity`.
        public func threshold(_ severity: AlertSeverity) -> Double {
            severity == .warning ? warning : critical
        }
    }

    /// Seconds between evaluations (and between the samples of the sliding windows); Prometheus'
    /// `evaluation_interval`. Default 15 s.
    public var evaluationIntervalSeconds: Double
    /// `LLMAPIHighErrorRate`: failed attempts / all attempts. Default > 2 % / > 10 % over 5 min.
    public var errorRate: Rule
    /// `LLMAPIHighLatency`: P95 attempt latency in seconds. Default > 10 s / > 30 s over 5 min.
    public var latencyP95Seconds: Rule
    /// `LLMAPIRateLimited`: HTTP 429 responses per minute, averaged over the window. Default > 5 / > 20.
    public var rateLimitedPerMinute: Rule
    /// `LLMAPICircuitOpen`: number of providers with an open circuit. Default more than 0 (any) / more than 1.
    public var openCircuits: Rule
    /// `LLMAPIHighFallbackUsage`: fallback requests / all logical requests. Default > 10 % / > 50 % over 5 min.
    public var fallbackRatio: Rule
    /// `LLMAPIBudgetExceeded`: spend over the window / daily budget. Default > 120 % / > 150 % over a rolling 24 h.
    public var budgetRatio: Rule
    /// `LLMAPISharedStateDown`: replicas whose shared-state store (Redis) does not answer. Default more than
    /// 0 for 1 min (warning) / for 10 min (critical).
    public var sharedStateDown: Rule
    /// `LLMAPIProviderIncident`: a provider's status page indicator (`llm_api_provider_status`, 0 none,
    /// 1 minor, 2 major, 3 critical). Default more than 0 (a minor incident) / more than 1 (major or critical),
    /// at once.
    public var providerStatus: Rule
    /// The daily budget in US dollars. When set, the evaluator publishes it as `llm_api_daily_budget_usd`
    /// on creation; either way it reads the budget back from that gauge, exactly as the rule does.
    public var dailyBudgetUSD: Double?
    /// Spacing of the cost samples kept for the budget's (24 h) window; the other windows keep one sample
    /// per evaluation. Coarser samples keep the memory small: 24 h at 60 s is 1,442 numbers. Default 60 s.
    public var budgetResolutionSeconds: Double

    /// Creates a configuration; every parameter defaults to the guide's value.
    public init(
        evaluationIntervalSeconds: Double = 15,
        errorRate: Rule = Rule(warning: 0.02, critical: 0.10, windowSeconds: 300, forSeconds: 60),
        latencyP95Seconds: Rule = Rule(warning: 10, critical: 30, windowSeconds: 300, forSeconds: 60),
        rateLimitedPerMinute: Rule = Rule(warning: 5, critical: 20, windowSeconds: 300, forSeconds: 60),
        openCircuits: Rule = Rule(warning: 0, critical: 1, windowSeconds: 0, forSeconds: 0),
        fallbackRatio: Rule = Rule(warning: 0.10, critical: 0.50, windowSeconds: 300, forSeconds: 60),
        budgetRatio: Rule = Rule(warning: 1.2, critical: 1.5, windowSeconds: 86_400, forSeconds: 60),
        sharedStateDown: Rule = Rule(warning: 0, critical: 0, windowSeconds: 0, forSeconds: 60, criticalForSeconds: 600),
        providerStatus: Rule = Rule(warning: 0, critical: 1, windowSeconds: 0, forSeconds: 0),
        dailyBudgetUSD: Double? = nil,
        budgetResolutionSeconds: Double = 60
    ) {
        self.evaluationIntervalSeconds = evaluationIntervalSeconds
        self.errorRate = errorRate
        self.latencyP95Seconds = latencyP95Seconds
        self.rateLimitedPerMinute = rateLimitedPerMinute
        self.openCircuits = openCircuits
        self.fallbackRatio = fallbackRatio
        self.budgetRatio = budgetRatio
        self.sharedStateDown = sharedStateDown
        self.providerStatus = providerStatus
        self.dailyBudgetUSD = dailyBudgetUSD
        self.budgetResolutionSeconds = budgetResolutionSeconds
    }

    /// The rule of `alert`.
    public subscript(alert: AlertName) -> Rule {
        get {
            switch alert {
            case .highErrorRate: return errorRate
            case .highLatency: return latencyP95Seconds
            case .rateLimited: return rateLimitedPerMinute
            case .circuitOpen: return openCircuits
            case .highFallbackUsage: return fallbackRatio
            case .budgetExceeded: return budgetRatio
            case .sharedStateDown: return sharedStateDown
            case .providerIncident: return providerStatus
            }
        }
        set {
            switch alert {
            case .highErrorRate: errorRate = newValue
            case .highLatency: latencyP95Seconds = newValue
            case .rateLimited: rateLimitedPerMinute = newValue
            case .circuitOpen: openCircuits = newValue
            case .highFallbackUsage: fallbackRatio = newValue
            case .budgetExceeded: budgetRatio = newValue
            case .sharedStateDown: sharedStateDown = newValue
            case .providerIncident: providerStatus = newValue
            }
        }
    }

    /// Whether `alert` is computed over a window (every alert but the circuit, the shared-state store and
    /// the status pages, which read gauges now).
    static func isWindowed(_ alert: AlertName) -> Bool {
        alert != .circuitOpen && alert != .sharedStateDown && alert != .providerIncident
    }

    /// Every setting that cannot work, named by its `bulwark.yaml` key; empty when the configuration is valid.
    public var problems: [String] {
        var problems: [String] = []
        if !(evaluationIntervalSeconds > 0) || !evaluationIntervalSeconds.isFinite {
            problems.append("alerts.evaluation_interval_seconds: must be a positive number of seconds")
        }
        if !(budgetResolutionSeconds > 0) || !budgetResolutionSeconds.isFinite {
            problems.append("alerts.budget_resolution_seconds: must be a positive number of seconds")
        }
        for alert in AlertName.allCases {
            let rule = self[alert]
            let key = "alerts.\(Self.configurationKey(alert))"
            if !rule.warning.isFinite || !rule.critical.isFinite {
                problems.append("\(key): thresholds must be finite numbers")
            }
            if Self.isWindowed(alert), !(rule.windowSeconds > 0) || !rule.windowSeconds.isFinite {
                problems.append("\(key).window_seconds: must be a positive number of seconds")
            }
            if !(rule.forSeconds >= 0) || !rule.forSeconds.isFinite {
                problems.append("\(key).for_seconds: must be zero or a positive number of seconds")
            }
            if let critical = rule.criticalForSeconds, !(critical >= 0) || !critical.isFinite {
                problems.append("\(key): the critical for duration must be zero or a positive number of seconds")
            }
        }
        if let budget = dailyBudgetUSD, !(budget >= 0) || !budget.isFinite {
            problems.append("alerts.daily_budget_usd: must be zero or a positive number")
        }
        return problems
    }

    /// The configuration with every setting ``problems`` names replaced by its default, so an evaluator
    /// never divides by a zero window.
    func sanitized() -> AlertConfiguration {
        let defaults = AlertConfiguration()
        var result = self
        func positive(_ value: Double) -> Bool { value > 0 && value.isFinite }
        if !positive(result.evaluationIntervalSeconds) { result.evaluationIntervalSeconds = defaults.evaluationIntervalSeconds }
        if !positive(result.budgetResolutionSeconds) { result.budgetResolutionSeconds = defaults.budgetResolutionSeconds }
        for alert in AlertName.allCases {
            var rule = result[alert]
            if !rule.warning.isFinite { rule.warning = defaults[alert].warning }
            if !rule.critical.isFinite { rule.critical = defaults[alert].critical }
            if !positive(rule.windowSeconds) { rule.windowSeconds = defaults[alert].windowSeconds }
            if !(rule.forSeconds >= 0) || !rule.forSeconds.isFinite { rule.forSeconds = defaults[alert].forSeconds }
            if let critical = rule.criticalForSeconds, !(critical >= 0) || !critical.isFinite {
                rule.criticalForSeconds = defaults[alert].criticalForSeconds
            }
            result[alert] = rule
        }
        if let budget = result.dailyBudgetUSD, !(budget >= 0) || !budget.isFinite { result.dailyBudgetUSD = nil }
        return result
    }

    /// The `bulwark.yaml` key of an alert's rule under `alerts:`.
    public static func configurationKey(_ alert: AlertName) -> String { alert.configurationKey }
}

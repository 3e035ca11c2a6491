public import Bulwark
public import Configuration
import Foundation

extension BulwarkConfiguration {
    /// This configuration with the values `reader` holds laid over it, then validated as a whole.
    ///
    /// Keys are the YAML paths of `bulwark.yaml`, so one name works in the file, in a JSON file read by
    /// swift-configuration's `FileProvider`, and in the environment (``environmentReader(_:)`` maps
    /// `exporter.log_dir` to `BULWARK_EXPORTER_LOG_DIR`). Providers are addressed by name:
    /// `providers.<name>.base_url` (`BULWARK_PROVIDERS_OPENAI_BASE_URL`). Keys that are absent keep the
    /// value they had.
    ///
    /// ## Configuration keys
    /// - `exporter.listen`, `exporter.log_dir`, `exporter.max_series` (at least 100), `exporter.tls_cert`,
    ///   `exporter.tls_key`, `exporter.auth_token_env`, `exporter.basic_auth_user`,
    ///   `exporter.basic_auth_password_env`, `exporter.body_budget_bytes`, `exporter.per_ip_connection_limit`
    /// - `alerts.daily_budget_usd`, `alerts.alertmanager_url`, `alerts.evaluation_interval_seconds`
    /// - `retry.max_retries`, `retry.base_delay`, `retry.max_delay`, `retry.jitter`
    ///   (`full`/`equal`/`decorrelated`/`none`), `retry.retry_after_ceiling`, `retry.budget_ratio`
    /// - `circuit_breaker.failure_threshold`, `.recovery_timeout`, `.window_seconds`, `.half_open_max_calls`,
    ///   `.success_threshold`; `outage.extended_threshold`, `.prolonged_threshold`, `.window_seconds`
    /// - `streaming.stall_timeout`, `streaming.first_token_timeout`
    /// - `hedging.delay_ms`, `hedging.max_hedges`, `hedging.budget_ratio` (any of them turns hedging on)
    /// - `shared_state.redis_url` (turns shared state on), `shared_state.key_prefix`, `shared_state.timeout_ms`
    /// - `connect_timeout_seconds`, `shutdown_grace_period_seconds`
    /// - `providers.<name>.model`, `.base_url`, `.api_key_env`, `.priority`, `.timeout_seconds`,
    ///   `.max_retries`, `.rate_limits.rpm`, `.rate_limits.tpm`, `.rate_limits.max_concurrent`
    ///
    /// API keys are not configuration values here: they stay in the variables the file names.
    ///
    /// - Parameters:
    ///   - reader: where the overrides come from.
    ///   - source: how problems name the reader (for example `environment`).
    /// - Throws: ``ConfigurationError`` listing every value that could not be read and every problem of
    ///   the result, as ``BulwarkConfiguration/validate()`` finds them.
    public func overridden(by reader: ConfigReader, source: String = "overrides") throws(ConfigurationError) -> BulwarkConfiguration {
        try overridden(by: ConfigOverrides(reader: reader, keyName: { $0 }), source: source)
    }

    /// This configuration with the `BULWARK_*` variables of `environment` laid over it (see
    /// ``overridden(by:source:)`` for the keys): `BULWARK_EXPORTER_LISTEN=0.0.0.0:9464` sets
    /// `exporter.listen`. Problems name the variable.
    ///
    /// - Throws: ``ConfigurationError`` listing every variable that could not be read and every problem of
    ///   the result.
    /// - Parameter environment: the variables to read; `nil` reads the process environment.
    public func overriddenByEnvironment(_ environment: [String: String]? = nil) throws(ConfigurationError) -> BulwarkConfiguration {
        let reader = Self.environmentReader(environment)
        return try overridden(by: ConfigOverrides(reader: reader, keyName: Self.environmentVariable(for:)), source: "environment")
    }

    /// The variable ``environmentReader(_:)`` reads for a key: `exporter.log_dir` → `BULWARK_EXPORTER_LOG_DIR`.
    public static func environmentVariable(for key: String) -> String {
        "BULWARK_" + String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    private func overridden(by reader: ConfigOverrides, source: String) throws(ConfigurationError) -> BulwarkConfiguration {
        var values = reader
        var result = self
        result.applyExporter(&values)
        result.applyAlerts(&values)
        result.applyResilience(&values)
        result.applyProviders(&values)
        var problems = values.problems
        if result.exporter.maxSeries < 100 {
            problems.append(.init(path: values.keyName("exporter.max_series"), message: "must be at least 100, got \(result.exporter.maxSeries)"))
        }
        problems += result.problems()
        if !problems.isEmpty { throw ConfigurationError(source: source, problems: problems) }
        return result
    }

    /// A reader of the process environment under the `BULWARK_` prefix: `BULWARK_EXPORTER_LISTEN` is
    /// `exporter.listen`, `BULWARK_RETRY_MAX_RETRIES` is `retry.max_retries`.
    /// `nil` reads the process environment.
    public static func environmentReader(_ environment: [String: String]? = nil) -> ConfigReader {
        let variables = environment ?? ProcessInfo.processInfo.environment
        return ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables)).scoped(to: "bulwark")
    }

    private mutating func applyExporter(_ values: inout ConfigOverrides) {
        values.apply(values.string("exporter.listen"), to: &exporter.listen)
        values.apply(values.string("exporter.log_dir"), to: &exporter.logDirectory)
        values.apply(values.int("exporter.max_series"), to: &exporter.maxSeries)
        values.apply(values.string("exporter.tls_cert"), to: &exporter.tlsCertificate)
        values.apply(values.string("exporter.tls_key"), to: &exporter.tlsKey)
        values.apply(values.string("exporter.auth_token_env"), to: &exporter.authTokenEnv)
        values.apply(values.string("exporter.basic_auth_user"), to: &exporter.basicAuthUser)
        values.apply(values.string("exporter.basic_auth_password_env"), to: &exporter.basicAuthPasswordEnv)
        values.apply(values.int("exporter.body_budget_bytes"), to: &exporter.bodyBudgetBytes)
        values.apply(values.int("exporter.per_ip_connection_limit"), to: &exporter.perIPConnectionLimit)
    }

    private mutating func applyAlerts(_ values: inout ConfigOverrides) {
        values.apply(values.double("alerts.daily_budget_usd"), to: &alerts.dailyBudgetUSD)
        values.apply(values.string("alerts.alertmanager_url"), to: &alerts.alertmanagerURL)
        values.apply(values.double("alerts.evaluation_interval_seconds"), to: &alerts.evaluationIntervalSeconds)
    }

    private mutating func applyResilience(_ values: inout ConfigOverrides) {
        values.apply(values.int("retry.max_retries"), to: &retry.maxRetries)
        values.apply(values.double("retry.base_delay"), to: &retry.baseDelay)
        values.apply(values.double("retry.max_delay"), to: &retry.maxDelay)
        values.apply(values.choice("retry.jitter", as: JitterStrategy.self), to: &retry.jitter)
        values.apply(values.double("retry.retry_after_ceiling"), to: &retry.retryAfterCeiling)
        values.apply(values.double("retry.budget_ratio"), to: &retry.budgetRatio)

        values.apply(values.int("circuit_breaker.failure_threshold"), to: &circuitBreaker.failureThreshold)
        values.apply(values.double("circuit_breaker.recovery_timeout"), to: &circuitBreaker.recoveryTimeout)
        values.apply(values.double("circuit_breaker.window_seconds"), to: &circuitBreaker.windowSeconds)
        values.apply(values.int("circuit_breaker.half_open_max_calls"), to: &circuitBreaker.halfOpenMaxCalls)
        values.apply(values.int("circuit_breaker.success_threshold"), to: &circuitBreaker.successThreshold)

        values.apply(values.int("outage.extended_threshold"), to: &outage.extendedThreshold)
        values.apply(values.int("outage.prolonged_threshold"), to: &outage.prolongedThreshold)
        values.apply(values.double("outage.window_seconds"), to: &outage.windowSeconds)

        values.apply(values.double("streaming.stall_timeout"), to: &streaming.stallTimeout)
        values.apply(values.double("streaming.first_token_timeout"), to: &streaming.firstTokenTimeout)

        values.apply(values.double("connect_timeout_seconds"), to: &connectTimeoutSeconds)
        values.apply(values.double("shutdown_grace_period_seconds"), to: &shutdownGracePeriodSeconds)

        let delayMs = values.double("hedging.delay_ms")
        let maxHedges = values.int("hedging.max_hedges")
        let hedgeBudget = values.double("hedging.budget_ratio")
        if delayMs != nil || maxHedges != nil || hedgeBudget != nil {
            var hedge = hedging ?? HedgingConfiguration()
            if let delayMs { hedge.delay = delayMs / 1000 }
            values.apply(maxHedges, to: &hedge.maxHedges)
            values.apply(hedgeBudget, to: &hedge.budgetRatio)
            hedging = hedge
        }

        let redisURL = values.string("shared_state.redis_url")
        let keyPrefix = values.string("shared_state.key_prefix")
        let timeoutMs = values.int("shared_state.timeout_ms")
        if let url = redisURL ?? sharedState?.redisURL {
            var shared = sharedState ?? SharedStateConfiguration(redisURL: url)
            shared.redisURL = url
            values.apply(keyPrefix, to: &shared.keyPrefix)
            values.apply(timeoutMs, to: &shared.timeoutMs)
            sharedState = shared
        } else if keyPrefix != nil || timeoutMs != nil {
            values.problem("shared_state.redis_url", "is required when shared_state.key_prefix or shared_state.timeout_ms is set")
        }
    }

    private mutating func applyProviders(_ values: inout ConfigOverrides) {
        for index in providers.indices {
            let name = providers[index].name
            func key(_ field: String) -> ConfigKey { ConfigOverrides.providerKey(name, field) }
            values.apply(values.string(key("model")), to: &providers[index].model)
            values.apply(values.string(key("base_url")), to: &providers[index].baseURL)
            values.apply(values.string(key("api_key_env")), to: &providers[index].apiKeyEnvironmentVariable)
            values.apply(values.int(key("priority")), to: &providers[index].priority)
            values.apply(values.double(key("timeout_seconds")), to: &providers[index].timeoutSeconds)
            values.apply(values.int(key("max_retries")), to: &providers[index].maxRetries)
            values.apply(values.int(key("rate_limits.rpm")), to: &providers[index].rateLimits.requestsPerMinute)
            values.apply(values.int(key("rate_limits.tpm")), to: &providers[index].rateLimits.tokensPerMinute)
            values.apply(values.int(key("rate_limits.max_concurrent")), to: &providers[index].rateLimits.maxConcurrent)
        }
        providers.sort { $0.priority < $1.priority }
    }
}

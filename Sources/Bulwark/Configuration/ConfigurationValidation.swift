extension BulwarkConfiguration {
    /// Every problem of this configuration at once: duplicate provider names, negative or non-finite
    /// numbers, inconsistent pairs (a base delay above the maximum, …), a provider with no key variable
    /// unless it is ``ProviderConfiguration/keyless``, a `vertex` provider without project, location or
    /// a readable credentials file, `safety_settings` on a provider that takes none. The YAML loader and ``ResilientClient``'s
    /// initializers both use it, so a configuration built in code is held to the same rules as a file.
    public func problems() -> [ConfigurationError.Problem] {
        var problems: [ConfigurationError.Problem] = []
        func check(_ path: String, _ value: Double, minimum: Double = 0) {
            if !value.isFinite {
                problems.append(.init(path: path, message: "must be a finite number, got \(value)"))
            } else if value < minimum {
                problems.append(.init(path: path, message: "must be at least \(minimum), got \(value)"))
            }
        }
        func check(_ path: String, _ value: Int, minimum: Int) {
            if value < minimum { problems.append(.init(path: path, message: "must be at least \(minimum), got \(value)")) }
        }
        var seen: Set<String> = []
        for (index, provider) in providers.enumerated() {
            let path = "providers[\(index)]"
            if provider.name.isEmpty { problems.append(.init(path: "\(path).name", message: "is required")) }
            if !seen.insert(provider.name).inserted {
                problems.append(.init(
                    path: "providers", message: "provider name \"\(provider.name)\" is used twice; names label the metrics and must be unique"))
            }
            if provider.model.isEmpty { problems.append(.init(path: "\(path).model", message: "is required")) }
            if !provider.keyless, provider.kind != .vertex, provider.apiKeyEnvironmentVariable.isEmpty {
                problems.append(.init(
                    path: "\(path).api_key_env", message: "names no key variable; set one, or keyless: true for a local gateway"))
            }
            for problem in provider.googleCloudProblems() {
                problems.append(.init(path: "\(path).\(problem.key)", message: problem.message))
            }
            problems += provider.headerProblems(path: path)
            check("\(path).priority", provider.priority, minimum: 0)
            if let timeout = provider.timeoutSeconds { check("\(path).timeout_seconds", timeout, minimum: 0.001) }
            if let retries = provider.maxRetries { check("\(path).max_retries", retries, minimum: 0) }
            if let rpm = provider.rateLimits.requestsPerMinute { check("\(path).rate_limits.rpm", rpm, minimum: 1) }
            if let tpm = provider.rateLimits.tokensPerMinute { check("\(path).rate_limits.tpm", tpm, minimum: 1) }
            if let concurrent = provider.rateLimits.maxConcurrent { check("\(path).rate_limits.max_concurrent", concurrent, minimum: 1) }
            if let pricing = provider.pricing {
                check("\(path).pricing.input_per_million", pricing.inputPerMillion)
                check("\(path).pricing.output_per_million", pricing.outputPerMillion)
            }
        }
        check("retry.max_retries", retry.maxRetries, minimum: 0)
        check("retry.base_delay", retry.baseDelay)
        check("retry.max_delay", retry.maxDelay)
        check("retry.retry_after_ceiling", retry.retryAfterCeiling)
        check("retry.budget_ratio", retry.budgetRatio)
        if retry.baseDelay > retry.maxDelay {
            problems.append(.init(path: "retry.base_delay", message: "must not exceed retry.max_delay"))
        }
        check("circuit_breaker.failure_threshold", circuitBreaker.failureThreshold, minimum: 1)
        check("circuit_breaker.recovery_timeout", circuitBreaker.recoveryTimeout)
        check("circuit_breaker.window_seconds", circuitBreaker.windowSeconds, minimum: 1)
        check("circuit_breaker.half_open_max_calls", circuitBreaker.halfOpenMaxCalls, minimum: 1)
        check("circuit_breaker.success_threshold", circuitBreaker.successThreshold, minimum: 1)
        if circuitBreaker.successThreshold > circuitBreaker.halfOpenMaxCalls {
            problems.append(.init(path: "circuit_breaker.success_threshold", message: "must not exceed half_open_max_calls"))
        }
        check("outage.extended_threshold", outage.extendedThreshold, minimum: 1)
        check("outage.prolonged_threshold", outage.prolongedThreshold, minimum: 1)
        check("outage.window_seconds", outage.windowSeconds, minimum: 1)
        if outage.extendedThreshold > outage.prolongedThreshold {
            problems.append(.init(path: "outage.extended_threshold", message: "must not exceed prolonged_threshold"))
        }
        check("streaming.stall_timeout", streaming.stallTimeout, minimum: 0.001)
        check("streaming.first_token_timeout", streaming.firstTokenTimeout, minimum: 0.001)
        check("alerts.daily_budget_usd", alerts.dailyBudgetUSD)
        check("connect_timeout_seconds", connectTimeoutSeconds, minimum: 0.001)
        check("shutdown_grace_period_seconds", shutdownGracePeriodSeconds)
        if let hedging {
            check("hedging.delay_ms", hedging.delay * 1000, minimum: 1)
            check("hedging.max_hedges", hedging.maxHedges, minimum: 0)
            check("hedging.budget_ratio", hedging.budgetRatio)
        }
        return problems
    }

    /// Throws every problem of ``problems()`` at once, or returns.
    ///
    /// - Throws: ``ConfigurationError`` listing every problem.
    public func validate() throws(ConfigurationError) {
        let found = problems()
        if !found.isEmpty { throw ConfigurationError(source: nil, problems: found) }
    }
}

import BulwarkCore
import Foundation
import Yams

extension BulwarkConfiguration {
    /// Reads and validates `bulwark.yaml`; throws every problem at once.
    public static func load(path: String) throws(ConfigurationError) -> BulwarkConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(source: path, problems: [.init(path: "file", message: "cannot read: \(error.localizedDescription)")])
        }
        return try parse(yaml: text, source: path)
    }

    /// Parses configuration YAML; throws every problem at once.
    public static func parse(yaml: String, source: String? = nil) throws(ConfigurationError) -> BulwarkConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(source: source, problems: [.init(path: "yaml", message: "\(error)")])
        }
        var reader = NodeReader()
        let configuration = reader.configuration(root)
        // The checks a configuration built in code gets too; those the reader reported already (with
        // their line) are not repeated.
        var problems = reader.problems
        for problem in configuration.problems()
        where !problems.contains(where: { $0.path == problem.path && $0.message == problem.message }) {
            problems.append(problem)
        }
        if !problems.isEmpty { throw ConfigurationError(source: source, problems: problems) }
        return configuration
    }
}

/// Walks the YAML tree, reading typed values and collecting problems instead of stopping at the first.
struct NodeReader {
    var problems: [ConfigurationError.Problem] = []

    mutating func problem(_ path: String, _ node: Node?, _ message: String) {
        problems.append(.init(path: path, line: node?.mark?.line, message: message))
    }

    /// The mapping at `node`, checking that it has only `allowed` keys.
    mutating func mapping(_ node: Node?, _ path: String, allowed: [String]) -> Node.Mapping? {
        guard let node else { return nil }
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" { return nil }
        guard let mapping = node.mapping else {
            problem(path, node, "expected a mapping")
            return nil
        }
        for key in mapping.keys {
            guard let name = key.string else { continue }
            if !allowed.contains(name) {
                problem(path.isEmpty ? name : "\(path).\(name)", key, "unknown key; expected one of: \(allowed.joined(separator: ", "))")
            }
        }
        return mapping
    }

    mutating func string(_ mapping: Node.Mapping?, _ key: String, _ path: String) -> String? {
        guard let node = mapping?[key] else { return nil }
        guard case .scalar(let scalar) = node else {
            problem(path.isEmpty ? key : "\(path).\(key)", node, "expected a string")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ mapping: Node.Mapping?, _ key: String, _ path: String, minimum: Int) -> Int? {
        guard let node = mapping?[key] else { return nil }
        guard let value = node.int else {
            problem(path.isEmpty ? key : "\(path).\(key)", node, "expected an integer, got \"\(node.string ?? "?")\"")
            return nil
        }
        guard value >= minimum else {
            problem(path.isEmpty ? key : "\(path).\(key)", node, "must be at least \(minimum), got \(value)")
            return nil
        }
        return value
    }

    mutating func double(_ mapping: Node.Mapping?, _ key: String, _ path: String, minimum: Double) -> Double? {
        guard let node = mapping?[key] else { return nil }
        guard let value = node.float ?? node.int.map(Double.init), value.isFinite else {
            problem(path.isEmpty ? key : "\(path).\(key)", node, "expected a number, got \"\(node.string ?? "?")\"")
            return nil
        }
        guard value >= minimum else {
            problem(path.isEmpty ? key : "\(path).\(key)", node, "must be at least \(minimum), got \(value)")
            return nil
        }
        return value
    }

    mutating func configuration(_ root: Node?) -> BulwarkConfiguration {
        var configuration = BulwarkConfiguration()
        let top = mapping(root, "", allowed: [
            "providers", "retry", "circuit_breaker", "outage", "streaming", "exporter", "alerts",
            "connect_timeout_seconds", "shutdown_grace_period_seconds", "hedging", "shared_state",
        ])
        if let value = double(top, "connect_timeout_seconds", "", minimum: 0.001) { configuration.connectTimeoutSeconds = value }
        if let value = double(top, "shutdown_grace_period_seconds", "", minimum: 0) {
            configuration.shutdownGracePeriodSeconds = value
        }
        if let hedging = mapping(top?["hedging"], "hedging", allowed: ["delay_ms", "max_hedges", "budget_ratio"]) {
            var policy = HedgingConfiguration()
            if let value = double(hedging, "delay_ms", "hedging", minimum: 1) { policy.delay = value / 1000 }
            if let value = int(hedging, "max_hedges", "hedging", minimum: 0) { policy.maxHedges = value }
            if let value = double(hedging, "budget_ratio", "hedging", minimum: 0) { policy.budgetRatio = value }
            configuration.hedging = policy
        }
        if let list = top?["providers"] {
            if let sequence = list.sequence {
                for (index, item) in sequence.enumerated() {
                    if let provider = provider(item, index: index) { configuration.providers.append(provider) }
                }
                checkUniqueNames(configuration.providers, sequence)
            } else {
                problem("providers", list, "expected a list of providers")
            }
        }
        configuration.providers.sort { $0.priority < $1.priority }

        let retry = mapping(top?["retry"], "retry", allowed: [
            "max_retries", "base_delay", "max_delay", "jitter", "retry_after_ceiling", "budget_ratio",
        ])
        if let value = int(retry, "max_retries", "retry", minimum: 0) { configuration.retry.maxRetries = value }
        if let value = double(retry, "base_delay", "retry", minimum: 0) { configuration.retry.baseDelay = value }
        if let value = double(retry, "max_delay", "retry", minimum: 0) { configuration.retry.maxDelay = value }
        if let value = double(retry, "retry_after_ceiling", "retry", minimum: 0) { configuration.retry.retryAfterCeiling = value }
        if let value = double(retry, "budget_ratio", "retry", minimum: 0) { configuration.retry.budgetRatio = value }
        if let text = string(retry, "jitter", "retry") {
            if let jitter = JitterStrategy(rawValue: text) {
                configuration.retry.jitter = jitter
            } else {
                problem("retry.jitter", retry?["jitter"], "unknown strategy \"\(text)\"; expected full, equal, decorrelated or none")
            }
        }
        if configuration.retry.baseDelay > configuration.retry.maxDelay {
            problem("retry.base_delay", retry?["base_delay"], "must not exceed retry.max_delay")
        }

        let breaker = mapping(top?["circuit_breaker"], "circuit_breaker", allowed: [
            "failure_threshold", "recovery_timeout", "window_seconds", "half_open_max_calls", "success_threshold",
        ])
        if let value = int(breaker, "failure_threshold", "circuit_breaker", minimum: 1) { configuration.circuitBreaker.failureThreshold = value }
        if let value = double(breaker, "recovery_timeout", "circuit_breaker", minimum: 0) { configuration.circuitBreaker.recoveryTimeout = value }
        if let value = double(breaker, "window_seconds", "circuit_breaker", minimum: 1) { configuration.circuitBreaker.windowSeconds = value }
        if let value = int(breaker, "half_open_max_calls", "circuit_breaker", minimum: 1) { configuration.circuitBreaker.halfOpenMaxCalls = value }
        if let value = int(breaker, "success_threshold", "circuit_breaker", minimum: 1) { configuration.circuitBreaker.successThreshold = value }
        if configuration.circuitBreaker.successThreshold > configuration.circuitBreaker.halfOpenMaxCalls {
            problem("circuit_breaker.success_threshold", breaker?["success_threshold"], "must not exceed half_open_max_calls")
        }

        let outage = mapping(top?["outage"], "outage", allowed: ["extended_threshold", "prolonged_threshold", "window_seconds"])
        if let value = int(outage, "extended_threshold", "outage", minimum: 1) { configuration.outage.extendedThreshold = value }
        if let value = int(outage, "prolonged_threshold", "outage", minimum: 1) { configuration.outage.prolongedThreshold = value }
        if let value = double(outage, "window_seconds", "outage", minimum: 1) { configuration.outage.windowSeconds = value }
        if configuration.outage.extendedThreshold > configuration.outage.prolongedThreshold {
            problem("outage.extended_threshold", outage?["extended_threshold"], "must not exceed prolonged_threshold")
        }

        let streaming = mapping(top?["streaming"], "streaming", allowed: ["stall_timeout", "first_token_timeout"])
        if let value = double(streaming, "stall_timeout", "streaming", minimum: 0.001) { configuration.streaming.stallTimeout = value }
        if let value = double(streaming, "first_token_timeout", "streaming", minimum: 0.001) { configuration.streaming.firstTokenTimeout = value }

        let exporter = mapping(top?["exporter"], "exporter", allowed: [
            "listen", "log_dir", "auth_token_env", "basic_auth_user", "basic_auth_password_env", "tls_cert", "tls_key",
            "body_budget_bytes", "per_ip_connection_limit", "max_series", "status_pages", "status_poll_seconds",
        ])
        if let value = string(exporter, "listen", "exporter") { configuration.exporter.listen = value }
        if let value = string(exporter, "log_dir", "exporter") { configuration.exporter.logDirectory = value }
        configuration.exporter.authTokenEnv = string(exporter, "auth_token_env", "exporter")
        configuration.exporter.basicAuthUser = string(exporter, "basic_auth_user", "exporter")
        configuration.exporter.basicAuthPasswordEnv = string(exporter, "basic_auth_password_env", "exporter")
        configuration.exporter.tlsCertificate = string(exporter, "tls_cert", "exporter")
        configuration.exporter.tlsKey = string(exporter, "tls_key", "exporter")
        configuration.exporter.bodyBudgetBytes = int(exporter, "body_budget_bytes", "exporter", minimum: 1024)
        configuration.exporter.perIPConnectionLimit = int(exporter, "per_ip_connection_limit", "exporter", minimum: 1)
        if let value = int(exporter, "max_series", "exporter", minimum: 100) { configuration.exporter.maxSeries = value }
        configuration.exporter.statusPages = statusPages(exporter?["status_pages"])
        if let value = double(exporter, "status_poll_seconds", "exporter", minimum: 1) { configuration.exporter.statusPollSeconds = value }

        let ruleKeys = AlertName.allCases.map(\.configurationKey)
        let alerts = mapping(top?["alerts"], "alerts", allowed: ["daily_budget_usd", "alertmanager_url", "evaluation_interval_seconds"] + ruleKeys)
        if let value = double(alerts, "evaluation_interval_seconds", "alerts", minimum: 0.01) {
            configuration.alerts.evaluationIntervalSeconds = value
        }
        for alert in AlertName.allCases {
            let key = alert.configurationKey
            let path = "alerts.\(key)"
            guard let rule = mapping(alerts?[key], path, allowed: ["warning", "critical", "window_seconds", "for_seconds"]) else { continue }
            let override = AlertRuleOverride(
                warning: double(rule, "warning", path, minimum: 0), critical: double(rule, "critical", path, minimum: 0),
                windowSeconds: double(rule, "window_seconds", path, minimum: 1), forSeconds: double(rule, "for_seconds", path, minimum: 0))
            if let warning = override.warning, let critical = override.critical, warning > critical {
                problem("\(path).warning", rule["warning"], "must not exceed critical")
            }
            configuration.alerts.rules[alert] = override
        }
        if let value = double(alerts, "daily_budget_usd", "alerts", minimum: 0) { configuration.alerts.dailyBudgetUSD = value }
        if let value = string(alerts, "alertmanager_url", "alerts") {
            if URL(string: value)?.scheme?.hasPrefix("http") == true {
                configuration.alerts.alertmanagerURL = value
            } else {
                problem("alerts.alertmanager_url", alerts?["alertmanager_url"], "expected an http(s) URL")
            }
        }
        configuration.sharedState = sharedState(top?["shared_state"])
        return configuration
    }

    mutating func sharedState(_ node: Node?) -> SharedStateConfiguration? {
        guard let shared = mapping(node, "shared_state", allowed: ["redis_url", "key_prefix", "timeout_ms"]) else { return nil }
        guard let url = string(shared, "redis_url", "shared_state"), !url.isEmpty else {
            problem("shared_state.redis_url", node, "is required (redis://[user:password@]host:port/db)")
            return nil
        }
        let scheme = url.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() }
        if scheme != "redis" && scheme != "rediss" {
            // The URL may carry a password: name the scheme only.
            problem("shared_state.redis_url", shared["redis_url"], "expected redis://[user:password@]host:port/db")
        }
        var configuration = SharedStateConfiguration(redisURL: url)
        if let prefix = string(shared, "key_prefix", "shared_state") { configuration.keyPrefix = prefix }
        if let timeout = int(shared, "timeout_ms", "shared_state", minimum: 1) { configuration.timeoutMs = timeout }
        return configuration
    }

    mutating func provider(_ node: Node, index: Int) -> ProviderConfiguration? {
        let path = "providers[\(index)]"
        guard let entry = mapping(node, path, allowed: [
            "name", "kind", "model", "base_url", "api_key_env", "priority", "timeout_seconds", "max_retries",
            "rate_limits", "pricing", "api_version", "keyless", "api_key_file", "organization", "headers",
        ] + Self.googleCloudKeys) else {
            problem(path, node, "expected a mapping with at least name and model")
            return nil
        }
        let name = string(entry, "name", path)
        let kindText = string(entry, "kind", path) ?? name
        let kind = kindText.flatMap(ProviderKind.init(rawValue:))
        if kind == nil {
            problem("\(path).kind", entry["kind"] ?? node, kindText.map { "unknown kind \"\($0)\"; expected openai, anthropic, google or vertex" }
                ?? "kind is required when the name is not openai, anthropic, google or vertex")
        }
        if name == nil || name?.isEmpty == true { problem("\(path).name", node, "is required") }
        let model = string(entry, "model", path)
        if model == nil || model?.isEmpty == true { problem("\(path).model", node, "is required") }
        let baseURL = string(entry, "base_url", path)
        if let baseURL, URL(string: baseURL)?.scheme?.hasPrefix("http") != true {
            problem("\(path).base_url", entry["base_url"], "expected an http(s) URL, got \"\(baseURL)\"")
        }
        let limits = mapping(entry["rate_limits"], "\(path).rate_limits", allowed: ["rpm", "tpm", "max_concurrent"])
        let rateLimits = RateLimitConfiguration(
            requestsPerMinute: int(limits, "rpm", "\(path).rate_limits", minimum: 1),
            tokensPerMinute: int(limits, "tpm", "\(path).rate_limits", minimum: 1),
            maxConcurrent: int(limits, "max_concurrent", "\(path).rate_limits", minimum: 1))
        let prices = mapping(entry["pricing"], "\(path).pricing", allowed: ["input_per_million", "output_per_million"])
        var pricing: Pricing?
        if prices != nil {
            pricing = Pricing(
                inputPerMillion: double(prices, "input_per_million", "\(path).pricing", minimum: 0) ?? 0,
                outputPerMillion: double(prices, "output_per_million", "\(path).pricing", minimum: 0) ?? 0)
        }
        let priority = int(entry, "priority", path, minimum: 0) ?? index
        let timeout = double(entry, "timeout_seconds", path, minimum: 0.001)
        let maxRetries = int(entry, "max_retries", path, minimum: 0)
        let keyVariable = string(entry, "api_key_env", path)
        let apiVersion = string(entry, "api_version", path)
        var keyless = false
        if let node = entry["keyless"] {
            if let value = node.bool { keyless = value } else { problem("\(path).keyless", node, "expected true or false") }
        }
        let extras = providerExtras(entry, path: path, kind: kind, keyless: keyless)
        guard let kind else { return nil }
        var provider = ProviderConfiguration(
            name: name ?? "", kind: kind, model: model ?? "", baseURL: baseURL, apiKeyEnvironmentVariable: keyVariable,
            priority: priority, timeoutSeconds: timeout, maxRetries: maxRetries, rateLimits: rateLimits,
            pricing: pricing, apiVersion: apiVersion, keyless: keyless, apiKeyFile: extras.apiKeyFile,
            organization: extras.organization, project: extras.project, headers: extras.headers)
        readGoogleCloudKeys(entry, node, path, into: &provider)
        guard name != nil, model != nil else { return nil }
        return provider
    }

    mutating func checkUniqueNames(_ providers: [ProviderConfiguration], _ sequence: Node.Sequence) {
        var seen: Set<String> = []
        for provider in providers where !seen.insert(provider.name).inserted {
            problem("providers", Node.sequence(sequence), "provider name \"\(provider.name)\" is used twice; names label the metrics and must be unique")
        }
    }
}

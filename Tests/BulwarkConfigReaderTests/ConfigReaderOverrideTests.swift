import Bulwark
import BulwarkConfigReader
import Configuration
import Testing

@Suite struct ConfigReaderOverrideTests {
    static let yaml = """
        providers:
          - {name: openai, kind: openai, model: gpt-4o}
          - {name: anthropic, kind: anthropic, model: claude-sonnet-4-6}
        exporter: {listen: "127.0.0.1:9464", max_series: 5000}
        retry: {max_retries: 2, jitter: full}
        """

    static func file() throws -> BulwarkConfiguration {
        try BulwarkConfiguration.parse(yaml: yaml, source: "bulwark.yaml")
    }

    @Test func environmentVariablesOverrideTheFile() throws {
        let result = try Self.file().overriddenByEnvironment([
            "BULWARK_EXPORTER_LISTEN": "0.0.0.0:9500",
            "BULWARK_EXPORTER_LOG_DIR": "/var/log/bulwark",
            "BULWARK_EXPORTER_MAX_SERIES": "800",
            "BULWARK_RETRY_MAX_RETRIES": "5",
            "BULWARK_RETRY_JITTER": "decorrelated",
            "BULWARK_PROVIDERS_ANTHROPIC_BASE_URL": "http://127.0.0.1:8080",
            "BULWARK_PROVIDERS_ANTHROPIC_PRIORITY": "0",
            "BULWARK_PROVIDERS_OPENAI_PRIORITY": "1",
            "BULWARK_HEDGING_DELAY_MS": "250",
            "BULWARK_SHARED_STATE_REDIS_URL": "redis://127.0.0.1:6379/0",
            "OPENAI_API_KEY": "not an override",
        ])
        #expect(result.exporter.listen == "0.0.0.0:9500")
        #expect(result.exporter.logDirectory == "/var/log/bulwark")
        #expect(result.exporter.maxSeries == 800)
        #expect(result.retry.maxRetries == 5)
        #expect(result.retry.jitter == .decorrelated)
        #expect(result.providers.map(\.name) == ["anthropic", "openai"])
        #expect(result.providers[0].baseURL == "http://127.0.0.1:8080")
        #expect(result.hedging?.delay == 0.25)
        #expect(result.hedging?.maxHedges == HedgingConfiguration().maxHedges)
        #expect(result.sharedState?.redisURL == "redis://127.0.0.1:6379/0")
        #expect(result.sharedState?.timeoutMs == 20)
    }

    @Test func absentKeysKeepTheFileValues() throws {
        let file = try Self.file()
        #expect(try file.overriddenByEnvironment(["PATH": "/usr/bin", "BULWARKISH": "1"]) == file)
    }

    @Test func everyBadValueIsReportedAtOnceByItsVariable() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try Self.file().overriddenByEnvironment([
                "BULWARK_EXPORTER_MAX_SERIES": "lots",
                "BULWARK_RETRY_JITTER": "random",
                "BULWARK_RETRY_BASE_DELAY": "-1",
                "BULWARK_SHARED_STATE_TIMEOUT_MS": "50",
            ])
        }
        let paths = error?.problems.map(\.path) ?? []
        #expect(error?.source == "environment")
        #expect(paths.contains("BULWARK_EXPORTER_MAX_SERIES"))
        #expect(paths.contains("BULWARK_RETRY_JITTER"))
        #expect(paths.contains("BULWARK_SHARED_STATE_REDIS_URL"))
        #expect(paths.contains("retry.base_delay"), "the merged result is validated like a file: \(paths)")
        let jitter = error?.problems.first { $0.path == "BULWARK_RETRY_JITTER" }
        #expect(jitter?.message == "must be one of full, equal, decorrelated, none, got \"random\"")
    }

    @Test func aMaxSeriesBelowTheFloorIsRefused() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try Self.file().overriddenByEnvironment(["BULWARK_EXPORTER_MAX_SERIES": "10"])
        }
        #expect(error?.problems.map(\.path) == ["BULWARK_EXPORTER_MAX_SERIES"])
    }

    @Test func anyConfigProviderWorksUnderTheYAMLKeyPaths() throws {
        let reader = ConfigReader(provider: InMemoryProvider(values: [
            "exporter.listen": "127.0.0.1:9999",
            "circuit_breaker.failure_threshold": 9,
            "alerts.daily_budget_usd": 12.5,
            AbsoluteConfigKey(["providers", "openai", "model"]): "gpt-4.1",
        ]))
        let result = try Self.file().overridden(by: reader)
        #expect(result.exporter.listen == "127.0.0.1:9999")
        #expect(result.circuitBreaker.failureThreshold == 9)
        #expect(result.alerts.dailyBudgetUSD == 12.5)
        #expect(result.providers.first { $0.name == "openai" }?.model == "gpt-4.1")
    }

    @Test func variableNamesFollowTheEnvironmentProvidersEncoding() {
        #expect(BulwarkConfiguration.environmentVariable(for: "exporter.log_dir") == "BULWARK_EXPORTER_LOG_DIR")
        #expect(BulwarkConfiguration.environmentVariable(for: "providers.openai-eu.base_url") == "BULWARK_PROVIDERS_OPENAI_EU_BASE_URL")
        let reader = BulwarkConfiguration.environmentReader(["BULWARK_PROVIDERS_OPENAI_EU_BASE_URL": "http://x"])
        #expect(reader.string(forKey: ConfigKey(["providers", "openai-eu", "base_url"])) == "http://x")
    }
}

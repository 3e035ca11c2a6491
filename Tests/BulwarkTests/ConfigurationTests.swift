import Testing
@testable import Bulwark

@Suite struct ConfigurationTests {
    static let designExample = """
        providers:                       # tried in priority order
          - name: openai
            kind: openai
            model: gpt-4o
            base_url: https://api.openai.com/v1
            api_key_env: OPENAI_API_KEY
            priority: 0
            timeout_seconds: 60
            max_retries: 2
            rate_limits: {rpm: 500, tpm: 200000, max_concurrent: 50}
            pricing: {input_per_million: 2.50, output_per_million: 10.00}
          - name: anthropic
            kind: anthropic
            model: claude-sonnet-4-6
            base_url: https://api.anthropic.com
            api_key_env: ANTHROPIC_API_KEY
            priority: 1
          - name: google
            kind: google
            model: gemini-3-pro
            base_url: https://generativelanguage.googleapis.com/v1beta
            api_key_env: GOOGLE_API_KEY
            priority: 2
        retry: {max_retries: 5, base_delay: 1.0, max_delay: 60.0, jitter: full}
        circuit_breaker: {failure_threshold: 5, recovery_timeout: 60, window_seconds: 120, half_open_max_calls: 3, success_threshold: 2}
        outage: {extended_threshold: 5, prolonged_threshold: 20, window_seconds: 300}
        streaming: {stall_timeout: 15, first_token_timeout: 30}
        exporter: {listen: "127.0.0.1:9464", log_dir: ./bulwark-logs}
        alerts: {daily_budget_usd: 50}
        """

    @Test func parsesTheDesignExample() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.designExample)
        #expect(configuration.providers.map(\.name) == ["openai", "anthropic", "google"])
        #expect(configuration.providers[0].rateLimits == RateLimitConfiguration(requestsPerMinute: 500, tokensPerMinute: 200_000, maxConcurrent: 50))
        #expect(configuration.providers[0].pricing == Pricing(inputPerMillion: 2.5, outputPerMillion: 10))
        #expect(configuration.providers[0].timeoutSeconds == 60)
        #expect(configuration.providers[1].timeoutSeconds == nil)
        #expect(configuration.retry.jitter == .full)
        #expect(configuration.circuitBreaker == CircuitBreakerConfiguration())
        #expect(configuration.alerts.dailyBudgetUSD == 50)
    }

    @Test func fillsEveryDefaultFromAnEmptyFile() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: "")
        #expect(configuration == BulwarkConfiguration())
        #expect(configuration.retry.maxRetries == 5)
        #expect(configuration.streaming.stallTimeout == 15)
    }

    @Test func reportsEveryProblemAtOnceWithLines() {
        let yaml = """
            providers:
              - name: openai
                model: gpt-4o
                rate_limits: {rpm: many}
              - name: mystery
                model: m
              - name: openai
                kind: anthropic
            retry: {jitter: wobbly, max_retries: -1}
            circuit_breaker: {treshold: 5}
            """
        do {
            _ = try BulwarkConfiguration.parse(yaml: yaml, source: "bulwark.yaml")
            Issue.record("accepted a broken configuration")
        } catch {
            let text = error.description
            #expect(text.contains("bulwark.yaml: "))
            #expect(text.contains("line 4: providers[0].rate_limits.rpm: expected an integer"))
            #expect(text.contains("line 5: providers[1].kind: unknown kind \"mystery\""))
            #expect(text.contains("providers[2].model: is required"))
            #expect(text.contains("retry.jitter: unknown strategy \"wobbly\""))
            #expect(text.contains("retry.max_retries: must be at least 0"))
            #expect(text.contains("circuit_breaker.treshold: unknown key"))
            #expect(error.problems.count >= 6)
        }
    }

    @Test func stripsAndChecksKeysWithoutEverPrintingThem() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.designExample)
        let openAIKey = "sk-proj-abcdefghijklmnopqrstuvwxyz012345"
        let keys = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: [
            "OPENAI_API_KEY": "  \(openAIKey)\n",
            "ANTHROPIC_API_KEY": "sk-ant-api03-abcdefghijklmnop",
            "GOOGLE_API_KEY": "AIzaSyA-1234567890_abcdefghijklmnopqrst",
        ])
        #expect(keys["openai"]?.value == openAIKey)
        #expect("\(keys["openai"]!)" == "[REDACTED]")

        let badKey = "sk-ant-api03-secretsecretsecret"
        do {
            _ = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: [
                "OPENAI_API_KEY": badKey, "GOOGLE_API_KEY": "AIza-too-short",
            ])
            Issue.record("accepted bad keys")
        } catch {
            let text = error.description
            #expect(error.problems.count == 3)
            #expect(text.contains("OPENAI_API_KEY looks like an Anthropic key"))
            #expect(text.contains("ANTHROPIC_API_KEY is not set"))
            #expect(text.contains("GOOGLE_API_KEY has 14 characters"))
            #expect(!text.contains("secret"))
        }
    }

    @Test(arguments: [
        ("google", "AIzaSyA-1234567890_abcdefghijklmnopqrst", true),
        ("google", "AIzaSyA!1234567890_abcdefghijklmnopqrst", false),
        ("openai", "sk-abc", true),
        ("anthropic", "sk-abc", false),
        ("mistral", "anything", true),
    ])
    func checksKeyFormatsPerKind(kind: String, key: String, valid: Bool) {
        #expect((APIKeyValidator.problem(withKey: key, kind: kind) == nil) == valid)
    }
}

import Bulwark
import Testing

/// A configuration built in code is held to the YAML's rules: one `validate()` reports every problem at
/// once, and the client's initializer uses it.
@Suite struct ConfigurationValidationTests {
    static func provider(_ name: String, keyless: Bool = false, keyVariable: String? = nil) -> ProviderConfiguration {
        ProviderConfiguration(
            name: name, kind: .openai, model: "gpt-4o", baseURL: "http://127.0.0.1:1/v1",
            apiKeyEnvironmentVariable: keyVariable, keyless: keyless)
    }

    @Test func theDefaultsWithAProviderAreValid() throws {
        try BulwarkConfiguration(providers: [Self.provider("openai")]).validate()
        let defaults = BulwarkConfiguration()
        #expect(defaults.connectTimeoutSeconds == 10)
        #expect(defaults.shutdownGracePeriodSeconds == 10)
        #expect(defaults.hedging == nil)
        #expect(HedgingConfiguration() == HedgingConfiguration(delay: 2, maxHedges: 1, budgetRatio: 0.05))
    }

    @Test func reportsEveryProblemAtOnce() {
        var configuration = BulwarkConfiguration(
            providers: [Self.provider("openai"), Self.provider("openai"), Self.provider("gateway", keyVariable: "")],
            connectTimeoutSeconds: -1, shutdownGracePeriodSeconds: .nan,
            hedging: HedgingConfiguration(delay: 0.3, maxHedges: -1, budgetRatio: .infinity))
        configuration.retry.baseDelay = -1
        configuration.providers[0].rateLimits.requestsPerMinute = 0
        let problems = configuration.problems().map(\.description)
        #expect(problems.contains { $0.contains("\"openai\" is used twice") })
        #expect(problems.contains { $0.hasPrefix("providers[2].api_key_env: names no key variable") })
        #expect(problems.contains("connect_timeout_seconds: must be at least 0.001, got -1.0"))
        #expect(problems.contains("shutdown_grace_period_seconds: must be a finite number, got nan"))
        #expect(problems.contains("hedging.max_hedges: must be at least 0, got -1"))
        #expect(problems.contains("hedging.budget_ratio: must be a finite number, got inf"))
        #expect(problems.contains("retry.base_delay: must be at least 0.0, got -1.0"))
        #expect(problems.contains("providers[0].rate_limits.rpm: must be at least 1, got 0"))
        #expect(problems.count == 8)
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }

    @Test func aKeylessProviderNeedsNoKeyAndTheClientChecksTheConfiguration() throws {
        let gateway = BulwarkConfiguration(providers: [Self.provider("gateway", keyless: true, keyVariable: "")])
        _ = try ResilientClient(configuration: gateway, environment: [:], transport: NoTransport())
        var broken = gateway
        broken.providers.append(Self.provider("gateway"))
        broken.streaming.stallTimeout = -5
        do {
            _ = try ResilientClient(configuration: broken, environment: [:], transport: NoTransport())
            Issue.record("the client accepted a broken configuration")
        } catch {
            // The configuration's problems and the missing key, in one error.
            let text = error.description
            #expect(text.contains("\"gateway\" is used twice"))
            #expect(text.contains("streaming.stall_timeout: must be at least 0.001"))
            #expect(text.contains("OPENAI_API_KEY is not set"))
            #expect(error.problems.count == 3)
        }
    }

    @Test func theLoaderReadsTheNewKeysAndReportsThroughValidate() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
            connect_timeout_seconds: 3
            shutdown_grace_period_seconds: 0.5
            hedging: {delay_ms: 300, max_hedges: 1, budget_ratio: 0.1}
            providers:
              - {name: local, kind: openai, model: llama, base_url: "http://127.0.0.1:8080/v1", keyless: true}
            """)
        #expect(configuration.connectTimeoutSeconds == 3)
        #expect(configuration.shutdownGracePeriodSeconds == 0.5)
        #expect(configuration.hedging == HedgingConfiguration(delay: 0.3, maxHedges: 1, budgetRatio: 0.1))
        #expect(configuration.providers.first?.keyless == true)
        #expect(throws: ConfigurationError.self) {
            try BulwarkConfiguration.parse(yaml: "connect_timeout_seconds: 0\nhedging: {delay_ms: 0}\n")
        }
    }
}

/// A transport for tests that never send.
private struct NoTransport: HTTPTransport {
    func send(_ request: ProviderHTTPRequest, timeouts: TransportTimeouts) async throws(TransportError) -> TransportResponse {
        throw TransportError(kind: .connection, message: "no transport")
    }
}

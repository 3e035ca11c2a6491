import BulwarkSimulator
import Bulwark
import Foundation

/// The resilient client's configuration for the demo: the three providers in a fallback chain, all
/// pointing at the simulator, with fake keys that only the simulator accepts.
enum DemoSetup {
    /// Well-formed keys that pass the start-up format checks; the simulator accepts any key without
    /// `invalid` in it. They are not real keys and are never sent anywhere but the loopback simulator.
    static func fakeKey(for kind: ProviderKind) -> String {
        switch kind {
        case .openai: return "sk-bulwark-demo-simulated-key-not-real-0000"
        case .anthropic: return "sk-ant-bulwark-demo-simulated-key-not-real-0000"
        case .google: return "AIzaSy-Bulwark_Demo-Simulated_Key-00000"
        case .vertex: return ""
        }
    }

    /// The environment variable that carries the fake key of the provider at `index`.
    static func keyVariable(index: Int) -> String { "BULWARK_DEMO_KEY_\(index)" }

    /// The built-in chain: openai (primary), anthropic, google; prices as published for the models in
    /// DESIGN.md's example configuration (illustrative, per million tokens).
    static let builtInProviders: [ProviderConfiguration] = [
        ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", priority: 0, timeoutSeconds: 30, maxRetries: 3,
            pricing: Pricing(inputPerMillion: 2.50, outputPerMillion: 10.00)),
        ProviderConfiguration(
            name: "anthropic", kind: .anthropic, model: "claude-sonnet-4-6", priority: 1, timeoutSeconds: 30, maxRetries: 2,
            pricing: Pricing(inputPerMillion: 3.00, outputPerMillion: 15.00)),
        ProviderConfiguration(
            name: "google", kind: .google, model: "gemini-3-pro", priority: 2, timeoutSeconds: 30, maxRetries: 2,
            pricing: Pricing(inputPerMillion: 2.00, outputPerMillion: 12.00)),
    ]

    /// The demo's resilience settings: the guide's patterns, tuned so that the incidents of a few-minute
    /// timeline play out in seconds (a breaker that counts 8 failures in 10 s and tries again after
    /// 15 s × `timeScale`, short backoff, a 4 s stall timeout), and hedges after 2 s (above every
    /// provider's normal first token) for at most 10 % of requests (the scenario's slow tail makes them
    /// win and lose).
    static func builtInSettings(timeScale: Double) -> BulwarkConfiguration {
        var settings = BulwarkConfiguration(providers: builtInProviders)
        settings.retry.maxRetries = 3
        settings.retry.baseDelay = 0.5
        settings.retry.maxDelay = 4
        settings.retry.retryAfterCeiling = 10
        settings.circuitBreaker.failureThreshold = 8
        settings.circuitBreaker.windowSeconds = 10
        settings.circuitBreaker.recoveryTimeout = max(1, 15 * timeScale)
        settings.circuitBreaker.halfOpenMaxCalls = 3
        settings.circuitBreaker.successThreshold = 2
        settings.streaming.stallTimeout = 4
        settings.streaming.firstTokenTimeout = 30
        settings.alerts.dailyBudgetUSD = 0.50
        settings.hedging = HedgingConfiguration(delay: 2, maxHedges: 1, budgetRatio: 0.1)
        return settings
    }

    /// `settings` (the built-in ones, or a user's `bulwark.yaml`) with every provider pointed at the
    /// simulator at `simulatorURL` and given a fake key variable (`vertex` providers: an access-token
    /// variable, see ``environment(for:vertexToken:)``).
    static func pointedAtSimulator(_ settings: BulwarkConfiguration, simulatorURL: String) -> BulwarkConfiguration {
        var result = settings
        result.providers = settings.providers.enumerated().map { index, provider in
            var provider = provider
            switch provider.kind {
            case .openai: provider.baseURL = simulatorURL + "/v1"
            case .anthropic, .google: provider.baseURL = simulatorURL
            case .vertex:
                provider.baseURL = simulatorURL
                provider.credentialsFile = nil
                provider.accessTokenEnvironmentVariable = keyVariable(index: index)
                return provider
            }
            provider.apiKeyEnvironmentVariable = keyVariable(index: index)
            provider.apiKeyFile = nil
            return provider
        }
        return result
    }

    /// The environment the client reads its keys from: one fake key per provider, for `vertex` providers
    /// `vertexToken` (an access token the simulator issued), and the variables that `env:` header values
    /// name, from the process environment; nothing else.
    static func environment(for settings: BulwarkConfiguration, vertexToken: String) -> [String: String] {
        var environment: [String: String] = [:]
        let process = ProcessInfo.processInfo.environment
        for provider in settings.providers {
            if provider.kind == .vertex, let variable = provider.accessTokenEnvironmentVariable {
                environment[variable] = vertexToken
            } else {
                environment[provider.apiKeyEnvironmentVariable] = fakeKey(for: provider.kind)
            }
            for field in provider.headers where field.value.hasPrefix("env:") {
                let variable = String(field.value.dropFirst(4))
                environment[variable] = process[variable]
            }
        }
        return environment
    }

    /// The simulated API that serves a provider of `kind`.
    static func simulated(_ kind: ProviderKind) -> SimulatedProvider {
        switch kind {
        case .openai: return .openai
        case .anthropic: return .anthropic
        case .google, .vertex: return .google
        }
    }
}

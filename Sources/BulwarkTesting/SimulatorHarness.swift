public import Bulwark
public import BulwarkSimulator

/// Wire-faithful fake providers on a free loopback port, for your own tests of code that uses
/// ``ResilientClient``: script the faults in a ``Scenario`` (429 storms, 529s, outages, stalls),
/// point a client at the harness with ``configuration(chain:)`` and ``environment``, and read the
/// simulator's ground truth from ``stats()``.
///
/// ```swift
/// let harness = try SimulatorHarness(scenario: try Scenario.load(path: "Tests/Fixtures/storm.yaml"))
/// let client = try ResilientClient(configuration: harness.configuration(), environment: SimulatorHarness.environment)
/// _ = try await client.complete(ChatRequest(messages: [.user("Hello")]))
/// try await client.shutdown()
/// await harness.stop()
/// ```
public final class SimulatorHarness: Sendable {
    /// Well-formed test keys for the three providers, under the variable names ``configuration(chain:)`` uses.
    public static let environment: [String: String] = [
        "OPENAI_API_KEY": "sk-test-0123456789abcdefghijklmnop",
        "ANTHROPIC_API_KEY": "sk-ant-test-0123456789abcdefghijklmnop",
        "GOOGLE_API_KEY": "AIzaSyTest-0123456789_abcdefghijklmnopq",
    ]

    /// The running simulator.
    public let simulator: ProviderSimulator

    /// Starts the simulator with `scenario` on a free port of 127.0.0.1.
    ///
    /// - Parameter seed: Makes the scenario's random faults and the generated answers repeatable.
    public init(scenario: Scenario = .healthy, seed: UInt64 = 7) throws {
        simulator = ProviderSimulator(scenario: scenario, seed: seed)
        try simulator.start()
    }

    /// `http://127.0.0.1:<port>`, the root of all three simulated APIs.
    public var baseURL: String { simulator.baseURL }

    /// A configuration whose providers, in the order of `chain`, are the simulated ones.
    public func configuration(chain: [SimulatedProvider] = [.openai, .anthropic, .google]) -> BulwarkConfiguration {
        var configuration = BulwarkConfiguration()
        configuration.providers = chain.enumerated().map { index, provider in
            let kind = Self.kind(provider)
            return ProviderConfiguration(
                name: provider.rawValue, kind: kind, model: Self.model(kind), baseURL: Self.baseURL(kind, root: baseURL),
                priority: index)
        }
        return configuration
    }

    /// What the simulator saw: requests, faults served, connections, per provider.
    public func stats() -> SimulatorStats { simulator.stats() }

    /// Stops the simulator.
    public func stop() async { await simulator.stop() }

    /// The provider kind a simulated provider speaks.
    public static func kind(_ provider: SimulatedProvider) -> ProviderKind {
        switch provider {
        case .openai: .openai
        case .anthropic: .anthropic
        case .google: .google
        }
    }

    /// The model the harness configures for `kind`.
    public static func model(_ kind: ProviderKind) -> String {
        switch kind {
        case .openai: "gpt-4o"
        case .anthropic: "claude-sonnet-4-6"
        case .google: "gemini-3-pro"
        case .vertex: "gemini-2.5-pro"
        }
    }

    /// The `base_url` of `kind` on a simulator at `root`, as the adapters expect it.
    public static func baseURL(_ kind: ProviderKind, root: String) -> String {
        switch kind {
        case .openai: "\(root)/v1"
        case .anthropic: root
        case .google: "\(root)/v1beta"
        case .vertex: root
        }
    }
}

import BulwarkCore
import BulwarkPrometheus
import Foundation
import Logging
import BulwarkSimulator
import Bulwark
import BulwarkTesting
import Synchronization
import Tracing

/// A real simulator on loopback (BulwarkTesting's ``SimulatorHarness``), a client pointed at it on a
/// manual clock, and what both recorded.
final class ClientHarness: Sendable {
    static let keys = SimulatorHarness.environment

    let harness: SimulatorHarness
    var simulator: ProviderSimulator { harness.simulator }
    let client: ResilientClient
    let clock: ManualClock
    let recorder = InMemoryRecorder()
    let registry = MetricsRegistry()
    let transport: AsyncHTTPClientTransport

    /// - Parameters:
    ///   - chain: provider kinds in priority order.
    ///   - logger, tracer: what the client logs and traces through.
    init(
        scenario: Scenario, chain: [SimulatedProvider] = [.openai, .anthropic, .google], seed: UInt64 = 7,
        logger: Logger = ResilientClient.defaultLogger, tracer: (any Tracer)? = nil,
        configure: (inout BulwarkConfiguration) -> Void = { _ in }
    ) throws {
        harness = try SimulatorHarness(scenario: scenario, seed: seed)
        var configuration = harness.configuration(chain: chain)
        configuration.retry.maxRetries = 2
        configuration.streaming.stallTimeout = 0.5
        configuration.streaming.firstTokenTimeout = 5
        for index in configuration.providers.indices {
            configuration.providers[index].pricing = Pricing(inputPerMillion: 1, outputPerMillion: 2)
        }
        configure(&configuration)
        clock = ManualClock()
        let keys = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: Self.keys)
        // Created only once nothing can throw: an HTTPClient must be shut down before it is released.
        transport = AsyncHTTPClientTransport()
        client = ResilientClient(
            configuration: configuration, keys: keys, transport: transport,
            recorder: MultiplexRecorder([recorder, registry]), clock: clock, timerClock: SystemClock(),
            random: RandomSource(seed: seed), logger: logger, tracer: tracer)
    }

    static func model(_ kind: ProviderKind) -> String { SimulatorHarness.model(kind) }

    /// Runs `operation`, advancing the manual clock whenever the client waits; returns the waits.
    func drive<T: Sendable>(
        _ operation: @escaping @Sendable (ResilientClient) async throws -> T
    ) async -> (result: Result<T, any Error>, waits: [Double]) {
        let client = self.client
        let task = Task { try await operation(client) }
        let done = Atomic<Bool>(false)
        let watcher = Task {
            _ = await task.result
            done.store(true, ordering: .releasing)
        }
        var waits: [Double] = []
        let giveUp = Date().addingTimeInterval(60)
        while !done.load(ordering: .acquiring), Date() < giveUp {
            if clock.sleeperCount > 0 {
                if let step = clock.advanceToNextDeadline() { waits.append((step * 1e6).rounded() / 1e6) }
            } else {
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        _ = await watcher.value
        return (await task.result, waits)
    }

    func complete(_ prompt: String = "Say hello", options: RequestOptions = RequestOptions()) async
        -> (result: Result<ResilientResponse, any Error>, waits: [Double])
    {
        await drive { client in
            try await client.complete(ChatRequest(messages: [.user(prompt)], maxTokens: 64), options: options)
        }
    }

    /// Streams a request; returns the text delivered, the final response or error, and the waits.
    func stream(_ prompt: String = "Say hello") async -> (text: String, result: Result<ResilientResponse, any Error>, waits: [Double]) {
        let collected = Mutex("")
        let outcome = await drive { client -> ResilientResponse in
            var final: ResilientResponse?
            for try await update in client.stream(ChatRequest(messages: [.user(prompt)], maxTokens: 64)) {
                switch update {
                case .text(let text): collected.withLock { $0 += text }
                case .completed(let response): final = response
                }
            }
            return final!
        }
        return (collected.withLock { $0 }, outcome.result, outcome.waits)
    }

    /// Attempts the client recorded, per provider.
    func attempts(_ provider: SimulatedProvider) -> Int {
        recorder.events.filter { $0.provider == provider.rawValue }.count
    }

    func shutdown() async {
        await transport.shutdown()
        await simulator.stop()
    }
}

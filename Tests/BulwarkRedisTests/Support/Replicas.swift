import Bulwark
import BulwarkCore
import BulwarkPrometheus
import BulwarkRedis
import BulwarkSimulator
import BulwarkTesting

/// Several `ResilientClient`s — the replicas of a service — pointed at one simulator, each with its own
/// registry and, when `redisURL` is set, its own Redis store on the shared Redis.
final class Replicas: Sendable {
    let clients: [ResilientClient]
    let registries: [MetricsRegistry]
    let stores: [RedisSharedStateStore]
    let transport: AsyncHTTPClientTransport

    init(
        count: Int, harness: SimulatorHarness, chain: [SimulatedProvider], redisURL: String?, timeoutMs: Int = 20,
        configure: (inout BulwarkConfiguration) -> Void
    ) throws {
        var configuration = harness.configuration(chain: chain)
        if let redisURL { configuration.sharedState = SharedStateConfiguration(redisURL: redisURL, timeoutMs: timeoutMs) }
        configure(&configuration)
        let keys = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: SimulatorHarness.environment)
        var stores: [RedisSharedStateStore] = []
        if let shared = configuration.sharedState {
            for _ in 0..<count { stores.append(try RedisSharedStateStore(configuration: shared)) }
        }
        let registries = (0..<count).map { _ in MetricsRegistry() }
        transport = AsyncHTTPClientTransport()
        let transport = self.transport
        clients = (0..<count).map { index in
            ResilientClient(
                configuration: configuration, keys: keys, transport: transport, recorder: registries[index],
                sharedState: stores.isEmpty ? nil : stores[index])
        }
        self.registries = registries
        self.stores = stores
    }

    /// Waits until every store has a connection up.
    func waitForStores() async -> Bool {
        await eventually { stores.allSatisfy { $0.client.isAvailable } }
    }

    func shutdown() async {
        for store in stores { store.shutdown() }
        await transport.shutdown()
    }

    static func request() -> ChatRequest { ChatRequest(messages: [.user("Say hello")], maxTokens: 16) }

    /// `llm_api_shared_state_errors_total{operation}` summed over the replicas.
    func sharedStateErrors(_ operation: SharedStateOperation) -> Double {
        registries.reduce(0) { $0 + ($1.value(MetricCatalog.sharedStateErrors, labels: ["operation": operation.rawValue]) ?? 0) }
    }

    /// `llm_api_shared_state_up` of each replica (`nil`: never set).
    func sharedStateUp() -> [Double?] { registries.map { $0.value(MetricCatalog.sharedStateUp) } }
}

extension SimulatorStats {
    /// Requests the simulated `provider` answered with `status`.
    func count(_ provider: SimulatedProvider, status: Int) -> Int {
        counts.filter { $0.key.provider == provider && $0.key.status == status }.values.reduce(0, +)
    }

    /// Requests the simulated `provider` received.
    func requests(_ provider: SimulatedProvider) -> Int { providers[provider]?.requests ?? 0 }
}

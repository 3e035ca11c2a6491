import Bulwark
import BulwarkCore
import BulwarkPrometheus
import BulwarkRedis
import BulwarkSimulator
import BulwarkTesting
import BulwarkTestSupport
import Testing

/// A replica reports the provider state it learns from the shared store (`llm_api_circuit_state`,
/// `llm_api_outage_severity`, `providerStatus()`), not only what its own breaker saw, and counts no
/// opening it did not cause.
@Suite(.enabled(if: Tools.canRun(.redisServer)), .serialized) struct SharedCircuitReportingTests {
    private static let failingOpenAI = "providers: {openai: {latency: 2, faults: [{status: 503}]}, anthropic: {latency: 2}}"

    private func circuit(_ registry: MetricsRegistry, _ state: CircuitState) -> Double? {
        registry.value(MetricCatalog.circuitState, labels: ["provider": "openai", "state": state.rawValue])
    }

    private func status(_ client: ResilientClient) -> (circuit: CircuitState, outage: OutageSeverity)? {
        client.providerStatus().first { $0.provider == "openai" }.map { ($0.circuit, $0.outage.severity) }
    }

    @Test func aReplicaShowsTheBreakerAnotherReplicaOpened() async throws {
        let redis = try await RedisServerProcess()
        let harness = try SimulatorHarness(scenario: try Scenario(yaml: Self.failingOpenAI))
        let replicas = try Replicas(count: 2, harness: harness, chain: [.openai, .anthropic], redisURL: redis.url) { configuration in
            configuration.retry.maxRetries = 0
            configuration.circuitBreaker.failureThreshold = 3
            configuration.circuitBreaker.recoveryTimeout = 600
            configuration.outage.extendedThreshold = 3
        }
        #expect(await replicas.waitForStores())
        let (a, b) = (replicas.clients[0], replicas.clients[1])
        for _ in 0..<3 { #expect(try await a.complete(Replicas.request()).provider == "anthropic") }
        #expect(circuit(replicas.registries[0], .open) == 1)
        #expect(circuit(replicas.registries[1], .closed) == 1, "B has learnt nothing yet")
        #expect(status(b)?.circuit == .closed)
        let probe = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 500)
        defer { probe.shutdown() }
        #expect(await eventually { (try? await probe.command(["ZCARD", "bulwark:{openai}:outage"]))?.integer == 3 },
                "the opening and the failures were published")
        #expect(await eventually { (try? await probe.command(["HGET", "bulwark:{openai}:cb", "until"]))?.integer != nil })

        // B's first call learns from Redis that the breaker is open, and sends nothing to openai.
        #expect(try await b.complete(Replicas.request()).provider == "anthropic")
        #expect(harness.stats().requests(.openai) == 3)
        let registry = replicas.registries[1]
        #expect(circuit(registry, .open) == 1)
        #expect(circuit(registry, .closed) == 0)
        #expect(circuit(registry, .halfOpen) == 0)
        #expect(status(b)?.circuit == .open)
        #expect(registry.value(MetricCatalog.outageSeverity, labels: ["provider": "openai"]) == 2, "extended, from 3 shared failures")
        #expect(status(b)?.outage == .extended)
        // Only the replica whose breaker opened counts the opening: summed over replicas it is one.
        #expect(replicas.registries[0].value(MetricCatalog.circuitOpens, labels: ["provider": "openai"]) == 1)
        #expect((registry.value(MetricCatalog.circuitOpens, labels: ["provider": "openai"]) ?? 0) == 0)

        // When the shared breaker closes (an operator's reset here), B reports closed at its next call.
        _ = try await probe.command(["DEL", "bulwark:{openai}:cb", "bulwark:{openai}:outage"])
        _ = try? await b.complete(Replicas.request())
        #expect(circuit(registry, .closed) == 1)
        #expect(status(b)?.circuit == .closed)
        await replicas.shutdown()
        await harness.stop()
    }

    @Test func aReplicaShowsHalfOpenWhileAnotherReplicaRunsTheTrial() async throws {
        let redis = try await RedisServerProcess()
        let harness = try SimulatorHarness(scenario: try Scenario(
            yaml: "providers: {openai: {latency: 1500, faults: [{status: 503}]}, anthropic: {latency: 2}}"))
        let replicas = try Replicas(count: 3, harness: harness, chain: [.openai, .anthropic], redisURL: redis.url) { configuration in
            configuration.retry.maxRetries = 0
            configuration.circuitBreaker.failureThreshold = 3
            configuration.circuitBreaker.recoveryTimeout = 0.5
            configuration.circuitBreaker.halfOpenMaxCalls = 1
        }
        #expect(await replicas.waitForStores())
        let (a, b, c) = (replicas.clients[0], replicas.clients[1], replicas.clients[2])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { _ = try? await a.complete(Replicas.request()) } }
        }
        #expect(circuit(replicas.registries[0], .open) == 1)
        let probe = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 500)
        defer { probe.shutdown() }
        #expect(await eventually { (try? await probe.command(["HGET", "bulwark:{openai}:cb", "until"]))?.integer != nil })
        // Past the shared recovery time B's call is the trial; it takes 1.5 s to fail.
        try await Task.sleep(for: .milliseconds(600))
        let trial = Task { try? await b.complete(Replicas.request()) }
        #expect(await eventually { self.circuit(replicas.registries[1], .halfOpen) == 1 }, "B runs the shared trial")
        #expect(await eventually { harness.stats().requests(.openai) == 4 })
        // C finds the only trial slot taken: half-open, and no attempt of its own on openai.
        #expect(try await c.complete(Replicas.request()).provider == "anthropic")
        #expect(circuit(replicas.registries[2], .halfOpen) == 1)
        #expect(status(c)?.circuit == .halfOpen)
        _ = await trial.value
        #expect(harness.stats().requests(.openai) == 4)
        let opens = replicas.registries.map { $0.value(MetricCatalog.circuitOpens, labels: ["provider": "openai"]) ?? 0 }
        #expect(opens == [1, 0, 0])
        await replicas.shutdown()
        await harness.stop()
    }
}

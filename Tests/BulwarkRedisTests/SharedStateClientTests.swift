import Bulwark
import BulwarkCore
import BulwarkRedis
import BulwarkSimulator
import BulwarkTesting
import BulwarkTestSupport
import Foundation
import Testing

/// Replicas (several `ResilientClient`s) sharing one Redis against one simulator: one budget, one breaker,
/// and local state when Redis is gone or slow.
@Suite(.enabled(if: Tools.canRun(.redisServer)), .serialized) struct SharedStateClientTests {
    /// Each replica sends `perReplica` requests at once; returns how many were answered.
    private func burst(_ replicas: Replicas, perReplica: Int) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            for client in replicas.clients {
                for _ in 0..<perReplica {
                    group.addTask { (try? await client.complete(Replicas.request())) != nil }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    private func limitedScenario(rpm: Int) throws -> Scenario {
        try Scenario(yaml: "providers: {openai: {latency: 5, rate_limits: {rpm: \(rpm), tpm: 0, input_tpm: 0, output_tpm: 0}}}")
    }

    private func configureLimited(_ configuration: inout BulwarkConfiguration, rpm: Int) {
        configuration.retry.maxRetries = 0
        configuration.retry.retryAfterCeiling = 0.5
        configuration.providers[0].rateLimits = RateLimitConfiguration(requestsPerMinute: rpm)
    }

    @Test func threeReplicasShareOneRequestBudget() async throws {
        let redis = try await RedisServerProcess()
        // Shared: the three replicas together send exactly the provider's 12 per minute, and no 429 comes back.
        let harness = try SimulatorHarness(scenario: try limitedScenario(rpm: 12))
        let shared = try Replicas(count: 3, harness: harness, chain: [.openai], redisURL: redis.url) {
            configureLimited(&$0, rpm: 12)
        }
        #expect(await shared.waitForStores())
        let answered = await burst(shared, perReplica: 8)
        let stats = harness.stats()
        #expect(stats.requests(.openai) == 12, "\(stats.counts)")
        #expect(stats.count(.openai, status: 429) == 0)
        #expect(answered == 12)
        #expect(shared.sharedStateErrors(.admit) == 0)
        #expect(shared.sharedStateUp().allSatisfy { $0 == 1 })
        await shared.shutdown()
        await harness.stop()

        // Local only: each replica spends its own 12, the provider refuses what exceeds its quota.
        let control = try SimulatorHarness(scenario: try limitedScenario(rpm: 12))
        let local = try Replicas(count: 3, harness: control, chain: [.openai], redisURL: nil) { configureLimited(&$0, rpm: 12) }
        let answeredLocally = await burst(local, perReplica: 8)
        let controlStats = control.stats()
        #expect(controlStats.requests(.openai) == 24)
        #expect(controlStats.count(.openai, status: 429) == 12)
        #expect(answeredLocally == 12)
        await local.shutdown()
        await control.stop()
    }

    @Test func anOutageSeenByOneReplicaOpensTheBreakerOfTheOthers() async throws {
        let redis = try await RedisServerProcess()
        let harness = try SimulatorHarness(scenario: try Scenario(yaml: "providers: {openai: {latency: 2, faults: [{status: 503}]}, anthropic: {latency: 2}}"))
        let replicas = try Replicas(count: 3, harness: harness, chain: [.openai, .anthropic], redisURL: redis.url) { configuration in
            configuration.retry.maxRetries = 0
            configuration.circuitBreaker.failureThreshold = 3
        }
        #expect(await replicas.waitForStores())
        for _ in 0..<3 {
            let answer = try await replicas.clients[0].complete(Replicas.request())
            #expect(answer.provider == "anthropic")
        }
        #expect(harness.stats().requests(.openai) == 3)
        let probe = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 500)
        defer { probe.shutdown() }
        #expect(await eventually { (try? await probe.command(["HGET", "bulwark:{openai}:cb", "until"]))?.integer != nil },
                "the opening was published")
        for client in replicas.clients.dropFirst() {
            for _ in 0..<4 {
                let answer = try await client.complete(Replicas.request())
                #expect(answer.provider == "anthropic")
                #expect(answer.usedFallback)
            }
        }
        // Replicas 2 and 3 never sent their own failing attempts to openai.
        #expect(harness.stats().requests(.openai) == 3)
        #expect(harness.stats().requests(.anthropic) == 11)
        await replicas.shutdown()
        await harness.stop()
    }

    @Test func failuresSeenByOneReplicaCountInTheOutageWindowOfTheOthers() async throws {
        let redis = try await RedisServerProcess()
        let harness = try SimulatorHarness(scenario: try Scenario(yaml: "providers: {openai: {latency: 2, faults: [{status: 503}]}, anthropic: {latency: 2}}"))
        let replicas = try Replicas(count: 2, harness: harness, chain: [.openai, .anthropic], redisURL: redis.url) { configuration in
            configuration.retry.maxRetries = 5
            configuration.retry.baseDelay = 0.005
            configuration.retry.maxDelay = 0.01
            configuration.circuitBreaker.failureThreshold = 100
            configuration.outage.extendedThreshold = 3
        }
        #expect(await replicas.waitForStores())
        // Replica 1 retries openai until its own outage window says "extended" (3 failures), then falls back.
        #expect(try await replicas.clients[0].complete(Replicas.request()).provider == "anthropic")
        #expect(harness.stats().requests(.openai) == 3)
        let probe = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 500)
        defer { probe.shutdown() }
        #expect(await eventually { (try? await probe.command(["ZCARD", "bulwark:{openai}:outage"]))?.integer == 3 },
                "the failures were published")
        // Replica 2 has seen no failure itself, but the shared window holds 3: one failing attempt, then the fallback.
        #expect(try await replicas.clients[1].complete(Replicas.request()).provider == "anthropic")
        #expect(harness.stats().requests(.openai) == 4)
        await replicas.shutdown()
        await harness.stop()
    }

    @Test func killedRedisFailsNoRequestAndSharingResumesAfterRestart() async throws {
        let redis = try await RedisServerProcess()
        let harness = try SimulatorHarness(scenario: try limitedScenario(rpm: 0))
        let replicas = try Replicas(count: 3, harness: harness, chain: [.openai], redisURL: redis.url) {
            configureLimited(&$0, rpm: 10_000)
        }
        #expect(await replicas.waitForStores())
        #expect(await burst(replicas, perReplica: 5) == 15)
        await redis.kill()
        // Every request is answered through the local limiter while Redis is gone.
        #expect(await burst(replicas, perReplica: 5) == 15)
        #expect(replicas.sharedStateErrors(.admit) >= 3)
        #expect(replicas.sharedStateUp().allSatisfy { $0 == 0 })
        try await redis.start()
        let resumed = await eventually(timeout: 15) {
            _ = await burst(replicas, perReplica: 1)
            return replicas.sharedStateUp().allSatisfy { $0 == 1 }
        }
        #expect(resumed, "every replica uses the store again")
        let probe = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 500)
        defer { probe.shutdown() }
        #expect(await eventually { probe.isAvailable })
        let counted = try await probe.command(["ZCARD", "bulwark:{openai}:req"]).integer ?? 0
        #expect(counted >= 3, "admissions are counted in the restarted Redis")
        #expect(harness.stats().count(.openai, status: 200) == harness.stats().requests(.openai))
        await replicas.shutdown()
        await harness.stop()
    }

    @Test func slowRedisCostsNoMoreThanTheTimeout() async throws {
        let redis = try await RedisServerProcess()
        let harness = try SimulatorHarness(scenario: try limitedScenario(rpm: 0))
        let replicas = try Replicas(count: 1, harness: harness, chain: [.openai], redisURL: redis.url, timeoutMs: 20) {
            configureLimited(&$0, rpm: 10_000)
        }
        #expect(await replicas.waitForStores())
        let sleeper = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 5_000)
        defer { sleeper.shutdown() }
        #expect(await eventually { sleeper.isAvailable })
        let blocked = Task { try await sleeper.command(["DEBUG", "SLEEP", "1.5"]) }
        try await Task.sleep(for: .milliseconds(50))
        let client = replicas.clients[0]
        var slowest = Duration.zero
        for _ in 0..<5 {
            let start = ContinuousClock.now
            _ = try await client.complete(Replicas.request())
            slowest = max(slowest, ContinuousClock.now - start)
        }
        _ = try await blocked.value
        // Five calls during a 1.5 s stall: each waited for Redis at most its 20 ms (generous bound for CI).
        #expect(slowest < .milliseconds(400), "slowest call \(slowest)")
        #expect(replicas.sharedStateErrors(.admit) >= 1)
        await replicas.shutdown()
        await harness.stop()
    }
}

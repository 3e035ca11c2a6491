import Bulwark
import BulwarkRedis
import BulwarkSimulator
import BulwarkTesting
import BulwarkTestSupport
import Foundation
import Testing

/// What shared state adds to a call: exactly one Redis round trip (one `EVALSHA`) when nothing needs
/// correcting afterwards, and its time, printed against the same calls without shared state
/// (`swift test --filter SharedStateCostTests`; the figure is a benchmark, not asserted).
@Suite(.enabled(if: Tools.canRun(.redisServer)), .serialized) struct SharedStateCostTests {
    static let calls = 400

    private func medianMicroseconds(_ client: ResilientClient) async throws -> Double {
        var samples: [Double] = []
        for _ in 0..<Self.calls {
            let start = ContinuousClock.now
            _ = try await client.complete(Replicas.request())
            let elapsed = ContinuousClock.now - start
            samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
        }
        return samples.sorted()[samples.count / 2]
    }

    @Test func oneRoundTripPerCall() async throws {
        let redis = try await RedisServerProcess()
        // No rate-limit headers (every limit 0), so nothing but the admission reaches Redis.
        let harness = try SimulatorHarness(scenario: try Scenario(
            yaml: "providers: {openai: {rate_limits: {rpm: 0, tpm: 0, input_tpm: 0, output_tpm: 0}}}"))
        let configure = { (configuration: inout BulwarkConfiguration) in
            configuration.providers[0].rateLimits = RateLimitConfiguration(requestsPerMinute: 1_000_000)
        }
        let local = try Replicas(count: 1, harness: harness, chain: [.openai], redisURL: nil, configure: configure)
        let shared = try Replicas(count: 1, harness: harness, chain: [.openai], redisURL: redis.url, configure: configure)
        #expect(await shared.waitForStores())
        let probe = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 500)
        defer { probe.shutdown() }
        #expect(await eventually { probe.isAvailable })
        // Warm up both (connections, script load), then count from zero.
        for _ in 0..<20 {
            _ = try await local.clients[0].complete(Replicas.request())
            _ = try await shared.clients[0].complete(Replicas.request())
        }
        _ = try await probe.command(["CONFIG", "RESETSTAT"])
        let withoutShared = try await medianMicroseconds(local.clients[0])
        let withShared = try await medianMicroseconds(shared.clients[0])
        let stats = try await probe.command(["INFO", "commandstats"]).text ?? ""
        let evalsha = stats.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_evalsha:") }
        #expect(evalsha?.contains("calls=\(Self.calls),") == true, "\(stats)")
        #expect(!stats.contains("cmdstat_eval:"), "scripts are never sent as source after the first load")
        print(String(
            format: "shared state cost: median call %.0f µs without, %.0f µs with shared state (+%.0f µs, ratio %.2f), %d calls",
            withoutShared, withShared, withShared - withoutShared, withShared / withoutShared, Self.calls))
        await local.shutdown()
        await shared.shutdown()
        await harness.stop()
    }
}

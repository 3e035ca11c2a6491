import BenchmarkSupport
import Bulwark
import BulwarkPrometheus
import BulwarkRedis
import BulwarkSimulator
import Foundation

/// What `shared_state` adds to a call: the same `ResilientClient.complete` against the in-process
/// simulator with and without a Redis store, on a `redis-server` the benchmark starts on a free loopback
/// port, in alternating rounds (``ClientOverheadBenchmark/compare(_:_:clock:)``), and the Redis commands
/// per call from `INFO commandstats`.
enum SharedStateCostBenchmark {
    static func run(into table: inout ResultTable) async throws {
        let redis: LocalRedisServer
        do {
            redis = try await LocalRedisServer.start()
        } catch {
            print("shared state cost: skipped: \(error)")
            table.add("one call with shared_state on a local Redis vs without", "—", "—", "skipped: \(error)")
            return
        }
        defer { redis.stop() }
        // No rate-limit headers: nothing but the admission (and no completion) has to reach Redis.
        let simulator = ProviderSimulator(
            scenario: try Scenario(yaml: "providers: {openai: {rate_limits: {rpm: 0, tpm: 0, input_tpm: 0, output_tpm: 0}}}"),
            seed: 1)
        try simulator.start()
        let transport = AsyncHTTPClientTransport()
        var configuration = BulwarkConfiguration()
        configuration.providers = [ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", baseURL: "\(simulator.baseURL)/v1",
            rateLimits: RateLimitConfiguration(requestsPerMinute: 100_000_000))]
        let environment = ["OPENAI_API_KEY": "sk-bench-0123456789abcdefghijklmnop"]
        let local = try ResilientClient(
            configuration: configuration, environment: environment, transport: transport, recorder: MetricsRegistry())
        let sharedSettings = SharedStateConfiguration(redisURL: redis.url, timeoutMs: 100)
        let store = try RedisSharedStateStore(configuration: sharedSettings)
        defer { store.shutdown() }
        configuration.sharedState = sharedSettings
        let registry = MetricsRegistry()
        let shared = try ResilientClient(
            configuration: configuration, environment: environment, transport: transport, recorder: registry,
            sharedState: store)
        let probe = RedisClient(url: try RedisURL(parsing: redis.url), timeoutMs: 1_000, connections: 1)
        defer { probe.shutdown() }
        while !store.client.isAvailable || !probe.isAvailable { try await Task.sleep(for: .milliseconds(10)) }

        let request = ChatRequest(messages: [.user("Benchmark prompt")], maxTokens: 32)
        let clock = ContinuousClock()
        for _ in 0..<200 { _ = try await shared.complete(request) }
        _ = try await probe.command(["CONFIG", "RESETSTAT"])
        let result = try await ClientOverheadBenchmark.compare(
            { _ = try await shared.complete(request) }, { _ = try await local.complete(request) }, clock: clock)
        let stats = try await probe.command(["INFO", "commandstats"]).text ?? ""
        let sent = Self.sentCommands(in: stats)
        // compare() warms up with 50 calls of each kind before its rounds.
        let perCall = Double(sent.calls) / Double(ClientOverheadBenchmark.rounds + 50)
        let errors = registry.value(MetricCatalog.sharedStateErrors, labels: ["operation": "admit"]) ?? 0
        table.add(
            "one call to the simulator with shared_state on a local Redis vs without (median of \(ClientOverheadBenchmark.rounds.formatted()))",
            formatTime(result.medians.0), formatTime(result.medians.1),
            "adds \(formatTime(result.added)) per call (median of the rounds' differences), "
                + String(format: "ratio %.2f; %.2f commands sent to Redis per call", result.medians.0 / result.medians.1, perCall)
                + " (\(sent.names)), " + String(format: "the script running %.1f µs in Redis; %.0f admit errors", sent.microsecondsPerCall, errors))

        // The floor of any round trip through the client: a PING, over the store's own pool (a hop to its
        // connection's thread, the loopback exchange, the resumption on the cooperative pool).
        var pings: [Double] = []
        for _ in 0..<ClientOverheadBenchmark.rounds {
            pings.append(try await clock.measure { _ = try await store.client.command(["PING"]) }.seconds)
        }
        pings.sort()
        // The admission alone, as the client sends it before each attempt (the script and its round trip).
        let admission = SharedAdmissionRequest(
            provider: "openai", limits: configuration.providers[0].rateLimits, estimatedTokens: 1_056, leaseSeconds: 35,
            halfOpenMaxCalls: 1)
        var admits: [Double] = []
        for _ in 0..<ClientOverheadBenchmark.rounds {
            admits.append(try await clock.measure { _ = try await store.admit(admission) }.seconds)
        }
        admits.sort()
        table.add(
            "one admission alone (RedisSharedStateStore.admit: EVALSHA of the admission script; median of \(ClientOverheadBenchmark.rounds.formatted()))",
            formatTime(admits[admits.count / 2]), "—", "—")
        table.add(
            "one PING through the store's RedisClient (thread hop, loopback round trip, resumption; median of \(ClientOverheadBenchmark.rounds.formatted()))",
            formatTime(pings[pings.count / 2]), "—", "—")

        await transport.shutdown()
        await simulator.stop()
    }

    /// The commands the client sent (`EVALSHA`, `EVAL`, `SCRIPT`: the script's own `ZADD`s and the like
    /// are counted by `INFO commandstats` too, but run inside Redis), from lines such as
    /// `cmdstat_evalsha:calls=3000,usec=30000,usec_per_call=10.00,…`, and the script's time per call.
    static func sentCommands(in stats: String) -> (calls: Int, names: String, microsecondsPerCall: Double) {
        var calls = 0
        var names: [String] = []
        var microsecondsPerCall = 0.0
        for line in stats.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":"), line.hasPrefix("cmdstat_") else { continue }
            let name = line[line.index(line.startIndex, offsetBy: 8)..<colon]
            guard ["evalsha", "eval", "script"].contains(name) else { continue }
            var fields: [Substring: Substring] = [:]
            for pair in line[line.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            let count = Int(fields["calls"] ?? "") ?? 0
            calls += count
            names.append("\(name.uppercased()) \(count)")
            if name == "evalsha" { microsecondsPerCall = Double(fields["usec_per_call"] ?? "") ?? 0 }
        }
        return (calls, names.joined(separator: ", "), microsecondsPerCall)
    }
}

import Bulwark
import BulwarkExporter
import BulwarkRedis
import BulwarkSimulator
import Foundation
import ServiceLifecycle

/// `bulwark demo --replicas N`: N replicas of one service in this process, each with its own resilient
/// client, Redis store (its own connections), traffic driver and exporter (its own `/metrics`, as each
/// replica of a deployment is its own scrape target), drawing from one budget per provider in a
/// `redis-server` the demo starts. Replica 1 is the demo's usual exporter (alerts, status pages, logs in
/// `--log-dir`); replica n > 1 serves `/metrics` on the next port and logs in `--log-dir/replica-n`.
struct DemoReplica: Sendable {
    let number: Int
    let exporter: Exporter
    let client: ResilientClient
    let store: RedisSharedStateStore?
    let traffic: DemoTraffic
}

enum DemoReplicas {
    static let range = 1...16

    /// `settings` for replicas sharing the Redis at `redisURL`; a provider without a configured request
    /// limit gets the simulated provider's, so that the shared budget has a quota to keep.
    static func sharedSettings(_ settings: BulwarkConfiguration, redisURL: String, scenario: Scenario) -> BulwarkConfiguration {
        var shared = settings
        shared.sharedState = SharedStateConfiguration(redisURL: redisURL)
        shared.providers = settings.providers.map { provider in
            var provider = provider
            if provider.rateLimits.requestsPerMinute == nil {
                let simulated = DemoSetup.simulated(provider.kind)
                let rpm = scenario.providers[simulated]?.rateLimits?.rpm ?? RateLimits.nominal(for: simulated).rpm ?? 0
                if rpm > 0 { provider.rateLimits.requestsPerMinute = rpm }
            }
            return provider
        }
        return shared
    }

    /// The exporter of replica `number` > 1: `/metrics` only (no status pages, no Alertmanager), on the
    /// port after the previous replica's (any free port when the first is 0).
    static func exporterConfiguration(_ first: ExporterConfiguration, number: Int) -> ExporterConfiguration {
        var configuration = first
        configuration.port = first.port == 0 ? 0 : first.port + number - 1
        configuration.logDirectory = first.logDirectory.map { ($0 as NSString).appendingPathComponent("replica-\(number)") }
        configuration.statusPages = [:]
        configuration.alertmanagerURL = nil
        return configuration
    }

    /// Replica `replica`'s attempts by provider and status, and its `llm_api_shared_state_up`, as its
    /// `/metrics` shows them.
    static func read(_ replica: DemoReplica) -> (number: Int, snapshot: DemoSnapshot, sharedStateUp: Double?) {
        let samples = ExpositionSamples.parse(replica.exporter.registry.render(format: .prometheusText))
        var snapshot = DemoSnapshot(elapsed: 0, phases: [])
        snapshot.read(samples)
        return (replica.number, snapshot, samples.first { $0.name == "llm_api_shared_state_up" }?.value)
    }

    /// Requests admitted in each provider's shared window (the last 60 s), summed over every replica, as
    /// Redis counts them.
    static func quotaUsed(_ settings: BulwarkConfiguration) async -> [String: Int] {
        guard let shared = settings.sharedState, let url = try? RedisURL(parsing: shared.redisURL) else { return [:] }
        let probe = RedisClient(url: url, timeoutMs: 500, connections: 1)
        defer { probe.shutdown() }
        var used: [String: Int] = [:]
        for provider in settings.providers where provider.rateLimits.requestsPerMinute != nil {
            let key = "\(shared.keyPrefix){\(provider.name)}:req"
            if let count = try? await probe.command(["ZCOUNT", key, "-inf", "+inf"]).integer { used[provider.name] = Int(count) }
        }
        return used
    }

    /// The replicas' part of the summary: requests sent to each provider by each replica and in all, the
    /// simulator's 429s, and the shared quota used against the configured one.
    static func summary(
        _ replicas: [(number: Int, snapshot: DemoSnapshot, sharedStateUp: Double?)], settings: BulwarkConfiguration, stats: SimulatorStats,
        quotaUsed: [String: Int], redisURL: String
    ) -> String {
        let names = settings.providers.map(\.name)
        var lines = ["replicas: \(replicas.count), one shared budget per provider in \(redisURL)"]
        lines.append("  " + DemoFormat.left("requests", 12) + names.map { DemoFormat.right($0, 11) }.joined() + DemoFormat.right("shared_state_up", 17))
        var total: [String: Int] = [:]
        for (number, snapshot, up) in replicas {
            var row = "  " + DemoFormat.left("replica \(number)", 12)
            for name in names {
                let count = Int(snapshot.calls.filter { $0.key.provider == name }.values.reduce(0, +).rounded())
                total[name, default: 0] += count
                row += DemoFormat.right(String(count), 11)
            }
            row += DemoFormat.right(up.map { String(Int($0)) } ?? "-", 17)
            lines.append(row)
        }
        lines.append("  " + DemoFormat.left("all", 12) + names.map { DemoFormat.right(String(total[$0] ?? 0), 11) }.joined())
        let throttled = names.map { name -> String in
            let provider = settings.providers.first { $0.name == name }
            let simulated = provider.map { DemoSetup.simulated($0.kind) }
            let count = stats.counts.filter { $0.key.provider == simulated && $0.key.status == 429 }.values.reduce(0, +)
            return "\(name) \(count)"
        }
        lines.append("simulator 429s: " + throttled.joined(separator: ", "))
        let quotas = settings.providers.compactMap { provider -> String? in
            guard let rpm = provider.rateLimits.requestsPerMinute else { return nil }
            return "\(provider.name) \(quotaUsed[provider.name].map(String.init) ?? "?") of \(rpm) rpm"
        }
        if !quotas.isEmpty { lines.append("shared quota used in the last minute (all replicas): " + quotas.joined(separator: ", ")) }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The replicas' traffic drivers as one service: they run side by side and the service ends when every
/// one has drained, so that the group has a single service whose end shuts it down.
struct DemoReplicaTraffic: Service {
    let traffic: [DemoTraffic]

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for driver in traffic { group.addTask { try await driver.run() } }
        }
    }
}

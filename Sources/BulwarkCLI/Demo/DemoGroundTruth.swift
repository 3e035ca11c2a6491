import BulwarkSimulator
import Bulwark

/// The check at the end of a run: the attempts the exporter recorded (`llm_api_calls_total`, summed per
/// provider and status code) against the requests the simulator received (its own counts per provider
/// and status).
///
/// The client's providers are mapped to the simulated API they call (by kind), so a configuration
/// with two providers of one kind is compared per API. A stream that failed after its `200` head is
/// counted by both as `200`; a connection closed before any response as `0`.
struct DemoGroundTruth: Sendable {
    struct Row: Sendable, Equatable {
        var provider: String
        var status: Int
        var exporter: Int
        var simulator: Int
    }

    var rows: [Row]

    var agrees: Bool { rows.allSatisfy { $0.exporter == $0.simulator } }
    var exporterTotal: Int { rows.reduce(0) { $0 + $1.exporter } }
    var simulatorTotal: Int { rows.reduce(0) { $0 + $1.simulator } }

    init(calls: [DemoSnapshot.CallKey: Double], providers: [ProviderConfiguration], stats: SimulatorStats) {
        var kinds: [String: SimulatedProvider] = [:]
        for provider in providers { kinds[provider.name] = DemoSetup.simulated(provider.kind) }
        var exporter: [DemoSnapshot.CallKey: Int] = [:]
        for (key, value) in calls {
            let api = kinds[key.provider]?.rawValue ?? key.provider
            exporter[DemoSnapshot.CallKey(provider: api, status: key.status), default: 0] += Int(value.rounded())
        }
        var simulator: [DemoSnapshot.CallKey: Int] = [:]
        for (key, value) in stats.counts {
            simulator[DemoSnapshot.CallKey(provider: key.provider.rawValue, status: key.status), default: 0] += value
        }
        rows = Set(exporter.keys).union(simulator.keys).sorted().map { key in
            Row(provider: key.provider, status: key.status, exporter: exporter[key] ?? 0, simulator: simulator[key] ?? 0)
        }
    }

    /// The comparison as a table, then the verdict.
    var report: String {
        var lines = ["ground truth: llm_api_calls_total by provider and status code vs the simulator's own counts"]
        lines.append("  " + DemoFormat.left("provider", 12) + DemoFormat.right("status", 7) + DemoFormat.right("exporter", 10)
            + DemoFormat.right("simulator", 11))
        for row in rows {
            lines.append(
                "  " + DemoFormat.left(row.provider, 12) + DemoFormat.right(String(row.status), 7)
                    + DemoFormat.right(String(row.exporter), 10) + DemoFormat.right(String(row.simulator), 11)
                    + (row.exporter == row.simulator ? "" : "   <- differs"))
        }
        if agrees {
            lines.append("ground truth: agree (\(exporterTotal) attempts recorded, \(simulatorTotal) requests received by the simulator)")
        } else {
            lines.append("ground truth: DISAGREE (\(exporterTotal) attempts recorded, \(simulatorTotal) requests received by the simulator)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

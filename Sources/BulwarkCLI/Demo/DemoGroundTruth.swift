import BulwarkSimulator
import Bulwark

/// The check at the end of a run: the attempts the exporter recorded (`llm_api_calls_total`, summed per
/// provider and status code) against the requests the simulator received (its own counts per provider
/// and status).
///
/// The client's providers are mapped to the simulated API they call (by kind), so a configuration
/// with two providers of one kind is compared per API. A stream that failed after its `200` head is
/// counted by both as `200`; a connection closed before any response as `0`.
///
/// Attempts cancelled in flight (their caller gave up, or they lost a hedge race) reached the simulator,
/// which counted them under the answer it was preparing, while the client, which got no answer, records
/// them `error_type=cancelled`. So the attempts that were not cancelled are compared per status (the
/// simulator's count may only be larger), and each API's cancelled attempts must be exactly the requests
/// the simulator received beyond them: every request received is one attempt recorded, and no attempt
/// is recorded that did not reach the simulator.
struct DemoGroundTruth: Sendable {
    struct Row: Sendable, Equatable {
        var provider: String
        var status: Int
        /// Attempts recorded with this status that were not cancelled.
        var exporter: Int
        var simulator: Int
    }

    /// Per API: the attempts recorded `cancelled`, and the requests the simulator received beyond the
    /// attempts recorded with their status.
    struct Cancelled: Sendable, Equatable {
        var provider: String
        var exporter: Int
        var simulator: Int
    }

    var rows: [Row]
    var cancelled: [Cancelled]

    var agrees: Bool {
        rows.allSatisfy { $0.exporter <= $0.simulator } && cancelled.allSatisfy { $0.exporter == $0.simulator }
    }
    var exporterTotal: Int { rows.reduce(0) { $0 + $1.exporter } + cancelled.reduce(0) { $0 + $1.exporter } }
    var simulatorTotal: Int { rows.reduce(0) { $0 + $1.simulator } }

    init(
        calls: [DemoSnapshot.CallKey: Double], cancelledCalls: [DemoSnapshot.CallKey: Double] = [:],
        providers: [ProviderConfiguration], stats: SimulatorStats
    ) {
        var kinds: [String: SimulatedProvider] = [:]
        for provider in providers { kinds[provider.name] = DemoSetup.simulated(provider.kind) }
        func api(_ provider: String) -> String { kinds[provider]?.rawValue ?? provider }
        var exporter: [DemoSnapshot.CallKey: Int] = [:]
        for (key, value) in calls {
            let kept = value - (cancelledCalls[key] ?? 0)
            exporter[DemoSnapshot.CallKey(provider: api(key.provider), status: key.status), default: 0] += Int(kept.rounded())
        }
        var cancelledByAPI: [String: Int] = [:]
        for (key, value) in cancelledCalls { cancelledByAPI[api(key.provider), default: 0] += Int(value.rounded()) }
        var simulator: [DemoSnapshot.CallKey: Int] = [:]
        for (key, value) in stats.counts {
            simulator[DemoSnapshot.CallKey(provider: key.provider.rawValue, status: key.status), default: 0] += value
        }
        rows = Set(exporter.keys).union(simulator.keys).sorted().compactMap { key in
            let row = Row(provider: key.provider, status: key.status, exporter: exporter[key] ?? 0, simulator: simulator[key] ?? 0)
            // Only cancelled attempts had this status: nothing to compare.
            return row.exporter == 0 && row.simulator == 0 ? nil : row
        }
        var surplus: [String: Int] = [:]
        for row in rows where row.simulator > row.exporter { surplus[row.provider, default: 0] += row.simulator - row.exporter }
        cancelled = Set(cancelledByAPI.keys).union(surplus.keys).sorted().map { provider in
            Cancelled(provider: provider, exporter: cancelledByAPI[provider] ?? 0, simulator: surplus[provider] ?? 0)
        }
    }

    /// The comparison as a table, then the verdict.
    var report: String {
        var lines = ["ground truth: llm_api_calls_total by provider and status code vs the simulator's own counts"]
        lines.append("  " + DemoFormat.left("provider", 12) + DemoFormat.right("status", 10) + DemoFormat.right("exporter", 10)
            + DemoFormat.right("simulator", 11))
        func line(_ provider: String, _ status: String, _ exporter: Int, _ simulator: Int, _ note: String) -> String {
            "  " + DemoFormat.left(provider, 12) + DemoFormat.right(status, 10) + DemoFormat.right(String(exporter), 10)
                + DemoFormat.right(String(simulator), 11) + note
        }
        for row in rows {
            lines.append(line(row.provider, String(row.status), row.exporter, row.simulator, row.exporter > row.simulator ? "   <- differs" : ""))
        }
        for entry in cancelled {
            lines.append(line(
                entry.provider, "cancelled", entry.exporter, entry.simulator,
                entry.exporter == entry.simulator ? "   (received, then given up: counted above by the simulator)" : "   <- differs"))
        }
        if agrees {
            lines.append("ground truth: agree (\(exporterTotal) attempts recorded, \(simulatorTotal) requests received by the simulator)")
        } else {
            lines.append("ground truth: DISAGREE (\(exporterTotal) attempts recorded, \(simulatorTotal) requests received by the simulator)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

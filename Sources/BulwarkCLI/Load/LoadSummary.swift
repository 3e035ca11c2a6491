import Foundation

/// The one JSON object `bulwark load` prints (DESIGN.md, Command line), plus what only the caller saw
/// (`caller_timeouts`, `waited_for_slot`).
struct LoadSummary {
    var caller: LoadDriver.CallerView
    var counts: LoadRecorder.Counts

    static let outcomeNames = ["success", "fallback", "failed", "cancelled"]

    var json: String {
        let latency = caller.latency
        var outcomes: [String: Int] = Dictionary(uniqueKeysWithValues: Self.outcomeNames.map { ($0, 0) })
        for (name, count) in counts.outcomes { outcomes[name, default: 0] += count }
        let object: [String: Any] = [
            "requests": caller.started,
            "outcomes": outcomes,
            "attempts": counts.attempts,
            "attempts_by_status": Dictionary(uniqueKeysWithValues: counts.attemptsByStatus.map { (String($0.key), $0.value) }),
            "hedges": counts.hedges,
            "latency_ms": [
                "p50": Self.rounded(latency.percentile(0.5)), "p90": Self.rounded(latency.percentile(0.9)),
                "p99": Self.rounded(latency.percentile(0.99)), "max": Self.rounded(latency.maxMs),
            ],
            "duration_s": Self.rounded(caller.elapsedSeconds),
            "throughput_rps": caller.elapsedSeconds > 0 ? Self.rounded(Double(caller.finished) / caller.elapsedSeconds) : 0,
            "caller_timeouts": caller.callerTimeouts,
            "waited_for_slot": caller.waitedForSlot,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Three decimals: enough for milliseconds and rates, without binary noise.
    private static func rounded(_ value: Double) -> Double { (value * 1_000).rounded() / 1_000 }
}

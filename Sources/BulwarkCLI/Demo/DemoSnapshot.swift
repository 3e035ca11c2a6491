import BulwarkCore
import BulwarkAlerts
import Foundation
import Bulwark
import Synchronization

/// One sample of the Prometheus text exposition: name, labels, value.
struct ExpositionSample: Sendable, Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Reads the samples of a Prometheus text (0.0.4) exposition, as a scraper would.
enum ExpositionSamples {
    static func parse(_ bytes: [UInt8]) -> [ExpositionSample] {
        var samples: [ExpositionSample] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            if end > start, bytes[start] != UInt8(ascii: "#"), let sample = parseLine(bytes[start..<end]) {
                samples.append(sample)
            }
            start = end + 1
        }
        return samples
    }

    /// One line `name{label="value",…} value [timestamp]`; `nil` when it is not a sample.
    static func parseLine(_ line: ArraySlice<UInt8>) -> ExpositionSample? {
        var index = line.startIndex
        while index < line.endIndex, line[index] != UInt8(ascii: "{"), line[index] != UInt8(ascii: " ") { index += 1 }
        guard index > line.startIndex else { return nil }
        let name = String(decoding: line[line.startIndex..<index], as: UTF8.self)
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == UInt8(ascii: "{") {
            index += 1
            while index < line.endIndex, line[index] != UInt8(ascii: "}") {
                let keyStart = index
                while index < line.endIndex, line[index] != UInt8(ascii: "=") { index += 1 }
                let key = String(decoding: line[keyStart..<index], as: UTF8.self)
                index += 1
                guard index < line.endIndex, line[index] == UInt8(ascii: "\"") else { return nil }
                index += 1
                var value: [UInt8] = []
                while index < line.endIndex, line[index] != UInt8(ascii: "\"") {
                    if line[index] == UInt8(ascii: "\\"), index + 1 < line.endIndex {
                        index += 1
                        value.append(line[index] == UInt8(ascii: "n") ? UInt8(ascii: "\n") : line[index])
                    } else {
                        value.append(line[index])
                    }
                    index += 1
                }
                index += 1
                if index < line.endIndex, line[index] == UInt8(ascii: ",") { index += 1 }
                labels[key] = String(decoding: value, as: UTF8.self)
            }
            index += 1
        }
        while index < line.endIndex, line[index] == UInt8(ascii: " ") { index += 1 }
        var valueEnd = index
        while valueEnd < line.endIndex, line[valueEnd] != UInt8(ascii: " ") { valueEnd += 1 }
        guard let value = Double(String(decoding: line[index..<valueEnd], as: UTF8.self)) else { return nil }
        return ExpositionSample(name: name, labels: labels, value: value)
    }
}

/// What the demo shows at one instant: the registry's view (what Prometheus scrapes), the client's
/// breakers, the traffic driver's counters and the in-process alerts.
struct DemoSnapshot: Sendable {
    /// Attempts by provider label and status code (`llm_api_calls_total`, summed over model and error type).
    struct CallKey: Sendable, Hashable, Comparable {
        var provider: String
        var status: Int

        static func < (lhs: CallKey, rhs: CallKey) -> Bool { (lhs.provider, lhs.status) < (rhs.provider, rhs.status) }
    }

    /// A provider's breaker and outage state, from the client.
    struct ProviderState: Sendable {
        var name: String
        var circuit: CircuitState
        var outage: OutageSeverity
    }

    var elapsed: Double
    var phases: [String]
    var requests: [RequestOutcome: Double] = [:]
    var calls: [CallKey: Double] = [:]
    /// The part of `calls` whose `error_type` is `cancelled` (the caller gave up, or a hedge lost).
    var cancelledCalls: [CallKey: Double] = [:]
    /// `llm_api_hedges_total` by result (`won`, `lost`).
    var hedges: [String: Double] = [:]
    var retries = 0.0
    var fallbackMoves = 0.0
    var costUSD = 0.0
    var budgetUSD: Double?
    var inputTokens = 0.0
    var outputTokens = 0.0
    /// `remaining / limit` by provider and resource.
    var headroom: [String: [String: Double]] = [:]
    var providers: [ProviderState] = []
    var alerts: [AlertState] = []
    var traffic = DemoTrafficCounters.Values()

    var totalRequests: Double { requests.values.reduce(0, +) }
    var attempts: Double { calls.values.reduce(0, +) }

    /// Attempts of `provider` whose status satisfies `matching`.
    func attempts(_ provider: String, _ matching: (Int) -> Bool) -> Double {
        calls.reduce(0) { $0 + ($1.key.provider == provider && matching($1.key.status) ? $1.value : 0) }
    }

    /// Fills the registry's part from its exposition.
    mutating func read(_ samples: [ExpositionSample]) {
        var remaining: [String: [String: Double]] = [:]
        var limits: [String: [String: Double]] = [:]
        for sample in samples {
            switch sample.name {
            case "llm_api_calls_total":
                let key = CallKey(provider: sample.labels["provider"] ?? "", status: Int(sample.labels["status_code"] ?? "") ?? -1)
                calls[key, default: 0] += sample.value
                if sample.labels["error_type"] == "cancelled" { cancelledCalls[key, default: 0] += sample.value }
            case "llm_api_hedges_total":
                hedges[sample.labels["result"] ?? "", default: 0] += sample.value
            case "llm_api_requests_total":
                if let outcome = sample.labels["outcome"].flatMap(RequestOutcome.init(rawValue:)) {
                    requests[outcome, default: 0] += sample.value
                }
            case "llm_api_retries_total": retries += sample.value
            case "llm_api_fallbacks_total": fallbackMoves += sample.value
            case "llm_api_cost_usd_total": costUSD += sample.value
            case "llm_api_daily_budget_usd": budgetUSD = sample.value
            case "llm_api_tokens_total":
                if sample.labels["direction"] == "input" { inputTokens += sample.value } else { outputTokens += sample.value }
            case "llm_api_ratelimit_remaining":
                remaining[sample.labels["provider"] ?? "", default: [:]][sample.labels["resource"] ?? ""] = sample.value
            case "llm_api_ratelimit_limit":
                limits[sample.labels["provider"] ?? "", default: [:]][sample.labels["resource"] ?? ""] = sample.value
            default:
                continue
            }
        }
        for (provider, resources) in remaining {
            for (resource, left) in resources {
                if let limit = limits[provider]?[resource], limit > 0 { headroom[provider, default: [:]][resource] = left / limit }
            }
        }
    }
}

/// Notable moments of the run (phase changes, breaker transitions, alerts), for the progress display.
final class DemoEventLog: Sendable {
    struct Entry: Sendable {
        var sequence: Int
        var elapsed: Double
        var text: String
        var severity: Severity
    }

    enum Severity: Sendable {
        case info, warning, critical, good
    }

    private struct State {
        var entries: [Entry] = []
        var next = 0
        /// Alerts that fired at any time during the run.
        var fired: [String] = []
    }

    private let state = Mutex(State())
    private let start: ContinuousClock.Instant

    init(start: ContinuousClock.Instant) {
        self.start = start
    }

    var elapsed: Double {
        let duration = start.duration(to: .now)
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    func record(_ text: String, severity: Severity = .info) {
        let elapsed = self.elapsed
        state.withLock { state in
            state.entries.append(Entry(sequence: state.next, elapsed: elapsed, text: text, severity: severity))
            state.next += 1
            if state.entries.count > 200 { state.entries.removeFirst(state.entries.count - 200) }
        }
    }

    /// Records an alert that started firing.
    func recordFiring(_ name: String, critical: Bool) {
        record("alert firing: \(name)", severity: critical ? .critical : .warning)
        state.withLock { state in
            if !state.fired.contains(name) { state.fired.append(name) }
        }
    }

    /// Entries after `sequence` (all when `nil`).
    func entries(after sequence: Int?) -> [Entry] {
        state.withLock { state in state.entries.filter { sequence == nil || $0.sequence > sequence! } }
    }

    /// The last `count` entries.
    func recent(_ count: Int) -> [Entry] {
        state.withLock { Array($0.entries.suffix(count)) }
    }

    /// Every alert that fired during the run, in order of first firing.
    var firedAlerts: [String] { state.withLock { $0.fired } }

    static func describe(_ alert: AlertState) -> String {
        "\(alert.name.rawValue) \(alert.severity.rawValue)" + (alert.provider.map { " (\($0))" } ?? "")
    }
}

import Foundation
@testable import Bulwark
import Testing

/// Reproduces the simulation of the AWS Architecture Blog's "Exponential Backoff and Jitter" (Marc
/// Brooker, 2015) with Bulwark's own ``BackoffPolicy``.
///
/// The model is the article's: N clients start together and each wants to update one row guarded by
/// optimistic concurrency control. A client reads the row's version and writes with it; the write
/// succeeds only when no other write landed in between, and a client whose write fails backs off,
/// reads again and retries. Every network hop takes |N(10, 2)| milliseconds; backoff base 5 ms, cap
/// 2000 ms. "Calls" counts writes (the work the contended resource does); "time" is when the last
/// client succeeds. Everything runs on a simulated clock (a discrete-event queue) with seeded
/// generators, so the numbers repeat exactly.
struct OCCSimulation {
    struct Result {
        var calls: Double
        var completionMs: Double
    }

    private enum Step {
        case readArrives, readReturns, writeArrives
        case writeReturns(success: Bool)
    }

    private struct Event: Comparable {
        var time: Double
        var sequence: Int
        var client: Int
        var step: Step
        var version = 0

        static func < (lhs: Event, rhs: Event) -> Bool { (lhs.time, lhs.sequence) < (rhs.time, rhs.sequence) }
        static func == (lhs: Event, rhs: Event) -> Bool { (lhs.time, lhs.sequence) == (rhs.time, rhs.sequence) }
    }

    /// The backoff under test; `nil` is the article's "no backoff" baseline.
    var policy: BackoffPolicy?
    var clients: Int
    var networkMeanMs = 10.0
    var networkDeviationMs = 2.0

    /// One run with the given seed.
    func run(seed: UInt64) -> Result {
        var random = SplitMix64(seed: seed)
        var queue = MinHeap<Event>(less: <)
        var sequence = 0
        var version = 0
        var calls = 0
        var finished = 0
        var now = 0.0
        var retries = [Int](repeating: 0, count: clients)
        var previousDelay = [Double?](repeating: nil, count: clients)

        func networkDelay() -> Double {
            // Box–Muller from two uniform draws in (0, 1].
            let u1 = Double(random.next() >> 11 + 1) / 9_007_199_254_740_992
            let u2 = Double(random.next() >> 11) / 9_007_199_254_740_992
            let normal = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
            return abs(networkMeanMs + networkDeviationMs * normal)
        }
        func schedule(_ client: Int, _ step: Step, after delay: Double, version: Int = 0) {
            sequence += 1
            queue.push(Event(time: now + delay, sequence: sequence, client: client, step: step, version: version))
        }

        for client in 0..<clients { schedule(client, .readArrives, after: networkDelay()) }
        while let event = queue.pop() {
            now = event.time
            switch event.step {
            case .readArrives:
                schedule(event.client, .readReturns, after: networkDelay(), version: version)
            case .readReturns:
                schedule(event.client, .writeArrives, after: networkDelay(), version: event.version)
            case .writeArrives:
                calls += 1
                let success = event.version == version
                if success { version += 1 }
                schedule(event.client, .writeReturns(success: success), after: networkDelay())
            case .writeReturns(let success):
                if success {
                    finished += 1
                    continue
                }
                var backoff = 0.0
                if let policy {
                    backoff = policy.delay(
                        retry: retries[event.client], previousDelay: previousDelay[event.client], using: &random)
                    previousDelay[event.client] = backoff
                }
                retries[event.client] += 1
                schedule(event.client, .readArrives, after: networkDelay() + backoff)
            }
        }
        precondition(finished == clients)
        return Result(calls: Double(calls), completionMs: now)
    }

    /// The mean over `runs` runs with seeds 1…runs.
    func average(runs: Int) -> Result {
        var total = Result(calls: 0, completionMs: 0)
        for seed in 1...runs {
            let result = run(seed: UInt64(seed) &* 0x9E37_79B9 &+ UInt64(clients))
            total.calls += result.calls
            total.completionMs += result.completionMs
        }
        return Result(calls: total.calls / Double(runs), completionMs: total.completionMs / Double(runs))
    }
}

@Suite("Jitter simulation (AWS Architecture Blog)")
struct JitterSimulationTests {
    private static let base = 5.0
    private static let cap = 2_000.0
    private static let runs = 50
    private static let clientCounts = [10, 25, 50, 100]

    private static let strategies: [(name: String, policy: BackoffPolicy)] = [
        ("exponential, no jitter", BackoffPolicy(baseDelay: base, maxDelay: cap, jitter: .none)),
        ("full jitter", BackoffPolicy(baseDelay: base, maxDelay: cap, jitter: .full)),
        ("equal jitter", BackoffPolicy(baseDelay: base, maxDelay: cap, jitter: .equal)),
        ("decorrelated (3 x previous)", BackoffPolicy(baseDelay: base, maxDelay: cap, jitter: .decorrelated)),
        (
            "decorrelated, literal U(base, delay)",
            BackoffPolicy(baseDelay: base, maxDelay: cap, jitter: .decorrelated, decorrelatedBound: .exponential)
        ),
    ]

    private static func simulate() -> [String: [Int: OCCSimulation.Result]] {
        var results: [String: [Int: OCCSimulation.Result]] = [:]
        for (name, policy) in strategies {
            for clients in clientCounts {
                results[name, default: [:]][clients] = OCCSimulation(policy: policy, clients: clients).average(
                    runs: runs)
            }
        }
        for clients in clientCounts {
            results["no backoff (baseline)", default: [:]][clients] =
                OCCSimulation(policy: nil, clients: clients).average(runs: runs)
        }
        return results
    }

    private static func table(_ results: [String: [Int: OCCSimulation.Result]]) -> String {
        let names = strategies.map(\.name) + ["no backoff (baseline)"]
        let width = names.map(\.count).max()!
        func pad(_ text: String, _ count: Int) -> String {
            text + String(repeating: " ", count: max(0, count - text.count))
        }
        func cell(_ text: String) -> String { String(repeating: " ", count: max(0, 14 - text.count)) + text }
        var lines: [String] = []
        lines.append(
            "OCC contention, \(runs) runs each, base \(Int(base)) ms, cap \(Int(cap)) ms, network |N(10 ms, 2 ms)| per hop"
        )
        lines.append(pad("calls (writes) per run", width) + clientCounts.map { cell("\($0) clients") }.joined())
        for name in names {
            lines.append(
                pad(name, width) + clientCounts.map { cell(String(format: "%.0f", results[name]![$0]!.calls)) }.joined()
            )
        }
        lines.append(pad("completion time (ms)", width) + clientCounts.map { cell("\($0) clients") }.joined())
        for name in names {
            lines.append(
                pad(name, width)
                    + clientCounts.map { cell(String(format: "%.0f", results[name]![$0]!.completionMs)) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    @Test func jitterCutsTheWorkAndTimeOfContendingClientsAsPublished() {
        let results = Self.simulate()
        print(Self.table(results))
        func calls(_ name: String, _ clients: Int = 100) -> Double { results[name]![clients]!.calls }
        func time(_ name: String, _ clients: Int = 100) -> Double { results[name]![clients]!.completionMs }
        let noJitter = "exponential, no jitter"
        let (full, equal, decorrelated) = ("full jitter", "equal jitter", "decorrelated (3 x previous)")
        let jittered = [full, equal, decorrelated, "decorrelated, literal U(base, delay)"]

        // "The no-jitter exponential backoff approach is the clear loser. It not only takes more work, but
        // also takes more time than the jittered approaches."
        #expect(calls(noJitter) > 1.7 * calls(full))
        #expect(calls(noJitter) > 1.5 * calls(decorrelated))
        for clients in [50, 100] {
            #expect(jittered.allSatisfy { calls($0, clients) < calls(noJitter, clients) })
        }
        for clients in Self.clientCounts where clients >= 25 {
            #expect(jittered.allSatisfy { 5 * time($0, clients) < time(noJitter, clients) })
        }
        // "Of the jittered approaches, Equal Jitter is the loser. It does slightly more work than Full
        // Jitter, and takes much longer."
        #expect(calls(full) < calls(equal))
        #expect(time(equal) > 1.2 * time(full) && time(equal) > 1.2 * time(decorrelated))
        // "The Full Jitter approach uses less work, but slightly more time" than Decorrelated Jitter.
        #expect(calls(full) < calls(decorrelated))
        #expect(time(decorrelated) < time(full))
        // Work without jitter grows much faster with contention.
        let noJitterGrowth = calls(noJitter) / calls(noJitter, 10)
        let fullGrowth = calls(full) / calls(full, 10)
        #expect(noJitterGrowth > 1.5 * fullGrowth)
    }

    @Test func simulationRepeatsExactlyForASeed() {
        let simulation = OCCSimulation(policy: BackoffPolicy(baseDelay: 5, maxDelay: 2_000, jitter: .full), clients: 30)
        let first = simulation.run(seed: 99)
        let second = simulation.run(seed: 99)
        #expect(first.calls == second.calls && first.completionMs == second.completionMs)
        #expect(first.calls >= 30)
    }
}

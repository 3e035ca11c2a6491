import BulwarkTestSupport
import Foundation
import Testing

/// `bulwark load` against a running `bulwark simulate`: the summary's counts are the client's record,
/// and they must equal what the simulator received.
@Suite(.serialized) struct LoadEndToEndTests {
    static let keys = [
        "OPENAI_API_KEY": "sk-test-0123456789abcdefghijklmnop",
        "ANTHROPIC_API_KEY": "sk-ant-test-0123456789abcdefghijklmnop",
    ]

    /// Starts `bulwark simulate` with `scenario` and writes a bulwark.yaml with openai then anthropic.
    static func start(scenario: String, extra: String = "") throws -> (simulator: ChildProcess, port: Int, config: String) {
        let directory = try makeTemporaryDirectory("bulwark-load")
        try scenario.write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        let simulator = try ChildProcess(
            try Tools.bulwark(), ["simulate", "--listen", "127.0.0.1:0", "--scenario", "\(directory)/scenario.yaml", "--seed", "11"])
        let base = try simulator.waitForOutput(#"on (http://127\.0\.0\.1:\d+)"#)
        let port = Int(base.split(separator: ":").last!)!
        let yaml = """
            providers:
              - {name: openai, kind: openai, model: gpt-4o, base_url: "\(base)/v1", priority: 0, max_retries: 2}
              - {name: anthropic, kind: anthropic, model: claude-sonnet-4-6, base_url: "\(base)", priority: 1, max_retries: 1}
            retry: {base_delay: 0.02, max_delay: 0.1}
            circuit_breaker: {failure_threshold: 1000}
            \(extra)
            """
        try yaml.write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)
        return (simulator, port, "\(directory)/bulwark.yaml")
    }

    /// Runs `bulwark load`; returns its exit status, its JSON summary and everything it printed.
    static func load(_ arguments: [String]) throws -> (status: Int32, summary: [String: Any]?, output: String) {
        let process = try ChildProcess(try Tools.bulwark(), ["load"] + arguments, environment: keys)
        let status = process.wait(timeout: 120)
        let line = process.outputText.split(separator: "\n").last { $0.hasPrefix("{\"") }
        let summary = line.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        return (status, summary, process.outputText)
    }

    /// The simulator's ground truth: requests received, by status, over all providers.
    static func groundTruth(port: Int) throws -> (total: Int, byStatus: [String: Int]) {
        let response = try RawHTTPClient.request(port: port, path: "/simulator/stats")
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        var byStatus: [String: Int] = [:]
        for case let entry as [String: Any] in stats["counts"] as? [Any] ?? [] {
            byStatus[String(entry["status"] as! Int), default: 0] += entry["count"] as! Int
        }
        return (stats["total"] as! Int, byStatus)
    }

    @Test func summaryCountsEqualTheSimulatorsGroundTruth() throws {
        let scenario = """
            providers:
              openai:
                faults:
                  - {status: 503, probability: 0.2}
                  - {status: 429, probability: 0.1, retry_after_ms: 30}
            """
        let (simulator, port, config) = try Self.start(scenario: scenario)
        defer { simulator.stop() }
        let result = try Self.load(["--config", config, "--rate", "40", "--duration", "3", "--stream-share", "0.3"])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(result.summary, "\(result.output)")
        let truth = try Self.groundTruth(port: port)
        #expect(summary["requests"] as? Int == 120)
        #expect(summary["attempts"] as? Int == truth.total)
        #expect(summary["attempts_by_status"] as? [String: Int] == truth.byStatus)
        #expect((truth.byStatus["503"] ?? 0) > 0 && (truth.byStatus["429"] ?? 0) > 0)
        let outcomes = try #require(summary["outcomes"] as? [String: Int])
        #expect(Set(outcomes.keys) == ["success", "fallback", "failed", "cancelled"])
        #expect(outcomes.values.reduce(0, +) == 120, "\(outcomes)")
        #expect((outcomes["fallback"] ?? 0) > 0)
        let latency = try #require(summary["latency_ms"] as? [String: Double])
        #expect(latency["p50"]! <= latency["p90"]! && latency["p90"]! <= latency["p99"]! && latency["p99"]! <= latency["max"]!)
        #expect((summary["duration_s"] as? Double ?? 0) >= 2.9)
        #expect((summary["throughput_rps"] as? Double ?? 0) > 0)
        for key in Self.keys.values { #expect(!result.output.contains(key)) }
    }

    @Test func callersWhoGiveUpCancelTheirRequestsAndNoProviderIsBlamed() throws {
        let (simulator, port, config) = try Self.start(scenario: "providers:\n  openai:\n    latency: 2000\n")
        defer { simulator.stop() }
        let result = try Self.load(["--config", config, "--rate", "20", "--duration", "1", "--caller-timeout-ms", "200"])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(result.summary, "\(result.output)")
        #expect(summary["requests"] as? Int == 20)
        #expect(summary["caller_timeouts"] as? Int == 20)
        let outcomes = try #require(summary["outcomes"] as? [String: Int])
        #expect(outcomes["cancelled"] == 20, "\(outcomes)")
        // One attempt each: no retry, no fallback to anthropic.
        #expect(summary["attempts"] as? Int == 20)
        let latency = try #require(summary["latency_ms"] as? [String: Double])
        #expect(latency["max"]! < 1_500, "callers waited \(latency)")
        let truth = try Self.groundTruth(port: port)
        #expect(truth.total == 20)
        // The simulator notices an abort from its own side of the socket, a moment after the client left.
        var aborts = -1
        for _ in 0..<20 where aborts < 20 {
            let stats = try RawHTTPClient.request(port: port, path: "/simulator/stats")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any])
            aborts = json["client_aborts"] as? Int ?? -1
            if aborts < 20 { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(aborts == 20, "simulator client_aborts: \(aborts)")
    }

    @Test func servesMetricsDuringTheRunAndWritesLogs() throws {
        let (simulator, _, config) = try Self.start(scenario: "name: healthy\n")
        defer { simulator.stop() }
        let logs = try makeTemporaryDirectory("bulwark-load-logs")
        let process = try ChildProcess(
            try Tools.bulwark(),
            ["load", "--config", config, "--rate", "20", "--duration", "3", "--listen", "127.0.0.1:0", "--log-dir", logs],
            environment: Self.keys)
        let url = try process.waitForOutput(#"/metrics on http://127\.0\.0\.1:(\d+)/metrics"#)
        Thread.sleep(forTimeInterval: 1.5)
        let metrics = try RawHTTPClient.request(port: Int(url)!, path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("llm_api_calls_total"), "\(metrics.text.prefix(400))")
        #expect(process.wait(timeout: 60) == 0, "\(process.outputText)")
        let lines = try runCommand(try Tools.bulwark(), ["logs", "cat", logs]).output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 60)
    }

    @Test func namesEveryBadFlagAndConfigurationProblemInOneErrorAndExitsTwo() throws {
        let directory = try makeTemporaryDirectory("bulwark-load-bad")
        try "providers:\n  - {name: openai, kind: openai, model: gpt-4o, max_retries: -1}\n"
            .write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)
        let result = try Self.load([
            "--config", "\(directory)/bulwark.yaml", "--rate", "fast", "--duration=-2", "--concurrency", "0",
            "--stream-share", "1.5", "--caller-timeout-ms", "0", "--listen", "nowhere",
        ])
        #expect(result.status == 2)
        for expected in [
            "--rate must be a number, got \"fast\"", "--duration must be above 0", "--concurrency must be a whole number",
            "--stream-share must be between 0 and 1", "--caller-timeout-ms must be above 0", "--listen: invalid listen address",
            "max_retries",
        ] {
            #expect(result.output.contains(expected), "missing \(expected) in \(result.output)")
        }
        #expect(result.summary == nil)
        let unknown = try Self.load(["--rate", "1", "--duration", "1", "--no-such-flag"])
        #expect(unknown.status == 2)
        #expect(unknown.output.contains("--no-such-flag"), "\(unknown.output)")
    }
}

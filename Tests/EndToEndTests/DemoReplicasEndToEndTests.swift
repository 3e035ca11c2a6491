import BulwarkTestSupport
import Foundation
import Testing

/// `bulwark demo --replicas N`: the demo starts its own redis-server, N clients draw from one budget per
/// provider through it, each serves its own `/metrics`, and the summary adds them up.
@Suite(.serialized) struct DemoReplicasEndToEndTests {
    @Test(.enabled(if: Tools.canRun(.redisServer), "needs redis-server"))
    func threeReplicasShareTheRedisTheDemoStarts() throws {
        let demo = try ChildProcess(try Tools.bulwark(), [
            "demo", "--replicas", "3", "--listen", "127.0.0.1:0", "--no-logs", "--time-scale", "0.15", "--duration", "10",
            "--rate", "5", "--progress-interval", "5",
        ])
        defer { demo.stop() }
        var ports = [try #require(Int(try demo.waitForOutput(#"\nmetrics: http://127\.0\.0\.1:(\d+)/metrics"#)))]
        for number in 2...3 {
            ports.append(try #require(Int(try demo.waitForOutput("replica \(number) metrics: http://127\\.0\\.0\\.1:(\\d+)/metrics"))))
        }
        #expect(Set(ports).count == 3, "each replica is its own scrape target: \(ports)")
        let redisPort = try #require(Int(try demo.waitForOutput(#"sharing redis://127\.0\.0\.1:(\d+)/0"#)))

        // While the traffic runs, every replica draws from the shared store.
        for port in ports {
            var up = false
            let deadline = Date().addingTimeInterval(20)
            while !up, Date() < deadline, demo.process.isRunning {
                let scrape = try? RawHTTPClient.request(port: port, path: "/metrics")
                up = scrape?.text.split(separator: "\n").contains("llm_api_shared_state_up 1") == true
                    && scrape?.text.contains("llm_api_calls_total{") == true
                if !up { Thread.sleep(forTimeInterval: 0.2) }
            }
            #expect(up, "replica on port \(port) never reported llm_api_shared_state_up 1 with calls")
        }

        let status = demo.wait(timeout: 90)
        let output = demo.outputText
        #expect(status == 0, "the demo exited \(status):\n\(output)")
        #expect(output.contains("ground truth: agree"), "the summed replicas disagree with the simulator:\n\(output)")
        #expect(output.contains("replicas: 3, one shared budget per provider in redis://127.0.0.1:\(redisPort)/0"))

        // Per replica and summed requests per provider: the sum row is the sum of the rows, every replica
        // sent requests and used the store.
        let rows = try Self.rows(in: output)
        #expect(rows.count == 4, "\(rows)")
        let replicaRows = rows.filter { $0.name.hasPrefix("replica") }
        let summed = try #require(rows.first { $0.name == "all" })
        #expect(replicaRows.count == 3)
        for column in summed.counts.indices {
            #expect(replicaRows.reduce(0) { $0 + $1.counts[column] } == summed.counts[column])
        }
        #expect(replicaRows.allSatisfy { $0.counts[0] > 0 }, "every replica called openai: \(replicaRows)")
        #expect(replicaRows.allSatisfy { $0.up == 1 }, "\(replicaRows)")

        // The shared window in Redis counted every replica's openai requests, within the configured quota.
        let used = try #require(Self.capture(#"shared quota used in the last minute \(all replicas\): openai (\d+) of (\d+) rpm"#, in: output))
        #expect(used.0 >= summed.counts[0], "Redis admitted \(used.0), replicas sent \(summed.counts[0])")
        #expect(used.0 <= used.1)
        #expect(output.contains("simulator 429s: openai "))

        // The demo stopped its redis-server (SIGTERM at exit; it may take a moment to close its socket).
        var stopped = false
        let deadline = Date().addingTimeInterval(10)
        while !stopped, Date() < deadline {
            if let connection = try? RawHTTPClient(port: redisPort, timeoutSeconds: 2) {
                connection.close()
                Thread.sleep(forTimeInterval: 0.1)
            } else {
                stopped = true
            }
        }
        #expect(stopped, "redis-server on port \(redisPort) still accepts connections after the demo exited")
    }

    @Test func replicasOutsideOneToSixteenAreRefused() throws {
        for value in ["0", "17"] {
            let result = try runCommand(try Tools.bulwark(), ["demo", "--replicas", value, "--duration", "1"])
            #expect(result.status == 2, "--replicas \(value): \(result.output)")
            #expect(result.output.contains("--replicas must be between 1 and 16"), "\(result.output)")
        }
    }

    private struct Row: CustomStringConvertible {
        var name: String
        var counts: [Int]
        var up: Int?
        var description: String { "\(name) \(counts) up \(up.map(String.init) ?? "-")" }
    }

    /// The rows of the replicas table: `  replica 1    412    80    3    1` and `  all    …`.
    private static func rows(in output: String) throws -> [Row] {
        let lines = output.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("  requests") })
        var rows: [Row] = []
        for line in lines[(header + 1)...] {
            let fields = line.split(separator: " ").map(String.init)
            if fields.first == "replica", fields.count == 6 {
                rows.append(Row(name: "replica \(fields[1])", counts: fields[2..<5].compactMap { Int($0) }, up: Int(fields[5])))
            } else if fields.first == "all", fields.count == 4 {
                rows.append(Row(name: "all", counts: fields[1...].compactMap { Int($0) }, up: nil))
            } else {
                break
            }
        }
        return rows
    }

    private static func capture(_ pattern: String, in text: String) -> (Int, Int)? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let first = Range(match.range(at: 1), in: text), let second = Range(match.range(at: 2), in: text)
        else { return nil }
        return Int(text[first]).flatMap { a in Int(text[second]).map { (a, $0) } }
    }
}

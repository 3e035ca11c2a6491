import BulwarkTestSupport
import Foundation
import Testing

/// Three `bulwark load` processes — three replicas — with `shared_state` on one `redis-server`, against one
/// `bulwark simulate` enforcing openai's `rpm: 30`: together they send openai exactly its quota, get no
/// 429, send the rest to the fallback, and their admissions are counted in Redis.
@Suite(.enabled(if: Tools.canRun(.redisServer)), .serialized) struct SharedStateLoadEndToEndTests {
    @Test func threeLoadProcessesShareOneQuota() throws {
        let directory = try makeTemporaryDirectory("bulwark-shared-load")
        let redisPort = try Self.freePort()
        let redis = try ChildProcess(try Tools.locate(.redisServer), [
            "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        ])
        defer { redis.stop() }
        _ = try redis.waitForOutput("(Ready to accept connections)")
        let scenario = """
            providers:
              openai: {latency: 20, rate_limits: {rpm: 30, tpm: 0, input_tpm: 0, output_tpm: 0}}
              anthropic: {latency: 20, rate_limits: {rpm: 0, tpm: 0, input_tpm: 0, output_tpm: 0}}
            """
        try scenario.write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        let simulator = try ChildProcess(
            try Tools.bulwark(), ["simulate", "--listen", "127.0.0.1:0", "--scenario", "\(directory)/scenario.yaml"])
        defer { simulator.stop() }
        let base = try simulator.waitForOutput(#"on (http://127\.0\.0\.1:\d+)"#)
        let port = Int(base.split(separator: ":").last!)!
        let yaml = """
            providers:
              - {name: openai, kind: openai, model: gpt-4o, base_url: "\(base)/v1", priority: 0, rate_limits: {rpm: 30}}
              - {name: anthropic, kind: anthropic, model: claude-sonnet-4-6, base_url: "\(base)", priority: 1}
            retry: {base_delay: 0.02, max_delay: 0.1, retry_after_ceiling: 1}
            shared_state: {redis_url: "redis://127.0.0.1:\(redisPort)/0", key_prefix: "e2e:", timeout_ms: 50}
            """
        try yaml.write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)

        let loads = try (0..<3).map { _ in
            try ChildProcess(
                try Tools.bulwark(), ["load", "--config", "\(directory)/bulwark.yaml", "--rate", "3", "--duration", "6"],
                environment: LoadEndToEndTests.keys)
        }
        var attempts = 0
        var requests = 0
        for load in loads {
            #expect(load.wait(timeout: 120) == 0, "\(load.outputText)")
            let line = load.outputText.split(separator: "\n").last { $0.hasPrefix("{\"") }
            let summary = line.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            attempts += summary?["attempts"] as? Int ?? 0
            requests += summary?["requests"] as? Int ?? 0
            let outcomes = summary?["outcomes"] as? [String: Int] ?? [:]
            #expect(outcomes["failed"] == 0, "\(load.outputText)")
        }
        #expect(requests >= 45, "three processes at 3/s for 6 s")

        let stats = try RawHTTPClient.request(port: port, path: "/simulator/stats")
        let json = try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any]
        let providers = json?["providers"] as? [String: [String: Any]] ?? [:]
        let openai = providers["openai"]?["by_status"] as? [String: Int] ?? [:]
        #expect(openai["200"] == 30, "openai served its whole quota: \(openai)")
        #expect((openai["429"] ?? 0) == 0, "no attempt answered 429: \(openai) of \(attempts) attempts")
        #expect((providers["anthropic"]?["requests"] as? Int ?? 0) == requests - 30, "the rest went to the fallback")

        // The three processes drew from one budget in Redis.
        let count = try runCommand(
            try Tools.executable("redis-cli"), ["-p", String(redisPort), "ZCARD", "e2e:{openai}:req"])
        #expect(count.output.trimmingCharacters(in: .whitespacesAndNewlines) == "30", "\(count.output)")
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcessError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ChildProcessError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

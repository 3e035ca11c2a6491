import BulwarkCore
import BulwarkTestSupport
import Foundation
import Testing

/// `bulwark chat` against a running `bulwark simulate`, on the real clock: the real binaries, the
/// real retries and waits, the exit codes a user sees.
@Suite(.serialized) struct ChatEndToEndTests {
    static let keys = [
        "OPENAI_API_KEY": "sk-test-0123456789abcdefghijklmnop",
        "ANTHROPIC_API_KEY": "sk-ant-test-0123456789abcdefghijklmnop",
        "GOOGLE_API_KEY": "AIzaSyTest-0123456789_abcdefghijklmnopq",
    ]

    /// Starts `bulwark simulate` with `scenario` and writes a bulwark.yaml whose chain points at it.
    static func start(scenario: String, chain: [String]) throws -> (simulator: ChildProcess, config: String, directory: String) {
        let directory = try makeTemporaryDirectory("bulwark-chat")
        try scenario.write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        let simulator = try ChildProcess(
            try Tools.bulwark(), ["simulate", "--listen", "127.0.0.1:0", "--scenario", "\(directory)/scenario.yaml", "--seed", "3"])
        let base = try simulator.waitForOutput(#"on (http://127\.0\.0\.1:\d+)"#)
        let urls = ["openai": "\(base)/v1", "anthropic": base, "google": "\(base)/v1beta"]
        let models = ["openai": "gpt-4o", "anthropic": "claude-sonnet-4-6", "google": "gemini-3-pro"]
        var yaml = "providers:\n"
        for (index, name) in chain.enumerated() {
            yaml += "  - {name: \(name), kind: \(name), model: \(models[name]!), base_url: \"\(urls[name]!)\", priority: \(index)}\n"
        }
        yaml += "retry: {max_retries: 2, base_delay: 0.05, max_delay: 0.2}\n"
        try yaml.write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)
        return (simulator, "\(directory)/bulwark.yaml", directory)
    }

    static func chat(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = try ChildProcess(try Tools.bulwark(), ["chat"] + arguments, environment: keys)
        let status = process.wait(timeout: 60)
        return (status, process.outputText)
    }

    @Test func answersThroughThePrimaryAndLogsTheAttempt() throws {
        let (simulator, config, directory) = try Self.start(scenario: "name: healthy\n", chain: ["openai", "anthropic"])
        defer { simulator.stop() }
        let result = try Self.chat(["--config", config, "--log-dir", "\(directory)/logs", "Say hello"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("[provider=openai attempts=1 fallback=false"), "\(result.output)")
        let lines = try runCommand(try Tools.bulwark(), ["logs", "cat", "\(directory)/logs"]).output.split(separator: "\n")
        let events = try lines.filter { $0.hasPrefix("{") }.map { try APICallMetric(jsonBytes: Array($0.utf8)) }
        #expect(events.count == 1)
        #expect(events.first?.provider == "openai" && events.first?.statusCode == 200 && events.first?.outputTokens ?? 0 > 0)
    }

    @Test func streamsAndFallsBackAfterRetryingAnOverloadedPrimary() throws {
        let scenario = "providers:\n  anthropic:\n    faults:\n      - {status: 529}\n"
        let (simulator, config, _) = try Self.start(scenario: scenario, chain: ["anthropic", "google"])
        defer { simulator.stop() }
        let result = try Self.chat(["--config", config, "--stream", "Tell me something"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("[provider=google attempts=4 fallback=true"), "\(result.output)")
    }

    @Test func exitsNonZeroWithEveryProvidersNormalizedErrorWhenAllFail() throws {
        let scenario = "providers:\n  openai:\n    faults:\n      - {status: 401}\n  google:\n    faults:\n      - {status: \"400-api_key_invalid\"}\n"
        let (simulator, config, _) = try Self.start(scenario: scenario, chain: ["openai", "google"])
        defer { simulator.stop() }
        let result = try Self.chat(["--config", config, "Hello?"])
        #expect(result.status == 1)
        #expect(result.output.contains("all providers failed"), "\(result.output)")
        #expect(result.output.contains("openai: authentication (HTTP 401)"), "\(result.output)")
        #expect(result.output.contains("google: authentication (HTTP 400)"), "\(result.output)")
        for key in Self.keys.values { #expect(!result.output.contains(key)) }
    }

    @Test func refusesToStartNamingEveryBadKey() throws {
        let (simulator, config, _) = try Self.start(scenario: "name: healthy\n", chain: ["openai", "anthropic"])
        defer { simulator.stop() }
        let process = try ChildProcess(
            try Tools.bulwark(), ["chat", "--config", config, "Hello"],
            environment: ["OPENAI_API_KEY": "sk-ant-wrong-provider-key-123456", "ANTHROPIC_API_KEY": "  "])
        #expect(process.wait(timeout: 30) == 2)
        #expect(process.outputText.contains("OPENAI_API_KEY looks like an Anthropic key"), "\(process.outputText)")
        #expect(process.outputText.contains("ANTHROPIC_API_KEY is empty"), "\(process.outputText)")
        #expect(!process.outputText.contains("sk-ant-wrong-provider-key-123456"))
    }
}

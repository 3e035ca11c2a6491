import BulwarkTestSupport
import Foundation
import Testing

/// `BULWARK_*` variables override `bulwark.yaml` in the real binary (swift-configuration's environment provider).
@Suite(.serialized) struct EnvironmentOverridesEndToEndTests {
    @Test func serveListensWhereTheEnvironmentSays() throws {
        let logs = try makeTemporaryDirectory("bulwark-env-logs")
        defer { try? FileManager.default.removeItem(atPath: logs) }
        // No --listen: the default would be 127.0.0.1:9464.
        let serve = try ChildProcess(
            try Tools.bulwark(), ["serve", "--log-dir", logs],
            environment: ["BULWARK_EXPORTER_LISTEN": "127.0.0.1:0"])
        defer { serve.stop() }
        let port = try serve.waitForOutput(#"listen=127\.0\.0\.1:(\d+)"#)
        #expect(port != "9464", "the variable's port 0 (any free port) was not used")
        let health = try RawHTTPClient.request(port: Int(port) ?? 0, path: "/healthz")
        #expect(health.status == 200)
    }

    @Test func aBadVariableIsNamedAndNothingStarts() throws {
        let directory = try makeTemporaryDirectory("bulwark-env-config")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bulwark.yaml"
        try "providers:\n  - {name: openai, kind: openai, model: gpt-4o}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let check = try ChildProcess(
            try Tools.bulwark(), ["check-config", "--skip-keys", path],
            environment: ["BULWARK_EXPORTER_MAX_SERIES": "lots", "BULWARK_RETRY_JITTER": "random"])
        #expect(check.wait() == 2)
        let output = check.outputText
        #expect(output.contains("environment: 2 problems"), "\(output)")
        #expect(output.contains("BULWARK_EXPORTER_MAX_SERIES: cannot be read"), "\(output)")
        #expect(output.contains(#"BULWARK_RETRY_JITTER: must be one of full, equal, decorrelated, none, got "random""#), "\(output)")
    }
}

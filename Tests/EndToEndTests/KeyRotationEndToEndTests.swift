import BulwarkTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `bulwark load` reading its OpenAI key from a Kubernetes-style secret volume (the key file reached
/// through the `..data` symlink that the kubelet swaps), against `bulwark simulate` whose accepted keys
/// the test switches: a malformed replacement is refused and counted, a rotation loses no request,
/// SIGHUP re-reads the file, the extra headers arrive exactly, and no key or secret header value is
/// ever printed.
@Suite(.serialized) struct KeyRotationEndToEndTests {
    static let oldKey = "sk-e2e-rotation-old-0123456789abcdef"
    static let newKey = "sk-e2e-rotation-new-0123456789abcdef"
    static let malformed = "malformed-e2e-content-0123456789"
    static let titleSecret = "title-secret-e2e-Hq4Zt8"

    /// A secret volume: `<dir>/openai → ..data/openai`, `..data → ..v<version>`; a new version is written
    /// in a directory of its own and `..data` swapped to it by one rename, as the kubelet does.
    struct SecretVolume {
        let directory: String
        var version = 0

        init(directory: String, key: String) throws {
            self.directory = directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try publish(key)
            try FileManager.default.createSymbolicLink(atPath: "\(directory)/openai", withDestinationPath: "..data/openai")
        }

        var keyPath: String { "\(directory)/openai" }

        mutating func publish(_ key: String) throws {
            version += 1
            let versionDirectory = "\(directory)/..v\(version)"
            try FileManager.default.createDirectory(atPath: versionDirectory, withIntermediateDirectories: true)
            try (key + "\n").write(toFile: "\(versionDirectory)/openai", atomically: false, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: "\(directory)/..data_tmp", withDestinationPath: "..v\(version)")
            #expect(rename("\(directory)/..data_tmp", "\(directory)/..data") == 0)
        }
    }

    static func setValidKeys(_ keys: [String], port: Int) throws {
        let body = try JSONSerialization.data(withJSONObject: ["valid_keys": keys])
        let response = try RawHTTPClient.request(
            port: port, method: "POST", path: "/simulator/keys?provider=openai",
            headers: [("Content-Type", "application/json"), ("Content-Length", "\(body.count)")], body: Array(body))
        #expect(response.status == 200, "\(response.text)")
        #expect(!response.text.contains("sk-e2e"))
    }

    /// The value of `llm_api_key_reloads_total{provider="openai",result=…}` on the load's /metrics.
    static func reloads(_ result: String, metricsPort: Int) -> Int {
        guard let metrics = try? RawHTTPClient.request(port: metricsPort, path: "/metrics") else { return -1 }
        let prefix = "llm_api_key_reloads_total{provider=\"openai\",result=\"\(result)\"} "
        guard let line = metrics.text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Int(Double(line.dropFirst(prefix.count)) ?? -1)
    }

    /// Polls /metrics (the watcher looks once a second) until the counter reaches `count`.
    static func waitForReloads(_ result: String, count: Int, metricsPort: Int) -> Int {
        var value = reloads(result, metricsPort: metricsPort)
        for _ in 0..<100 where value < count {
            Thread.sleep(forTimeInterval: 0.1)
            value = reloads(result, metricsPort: metricsPort)
        }
        return value
    }

    @Test func aRotatedKeyFileLosesNoRequestAndAMalformedOneIsRefused() throws {
        let directory = try makeTemporaryDirectory("bulwark-key-rotation")
        try "name: healthy\n".write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        let simulator = try ChildProcess(
            try Tools.bulwark(), ["simulate", "--listen", "127.0.0.1:0", "--scenario", "\(directory)/scenario.yaml", "--seed", "7"])
        defer { simulator.stop() }
        let base = try simulator.waitForOutput(#"on (http://127\.0\.0\.1:\d+)"#)
        let port = Int(base.split(separator: ":").last!)!
        try Self.setValidKeys([Self.oldKey], port: port)

        var volume = try SecretVolume(directory: "\(directory)/secrets", key: Self.oldKey)
        let yaml = """
            providers:
              - name: openai
                kind: openai
                model: gpt-4o
                base_url: "\(base)/v1"
                api_key_file: \(volume.keyPath)
                organization: org-e2e
                project: proj_e2e
                headers: {HTTP-Referer: "https://example.com/e2e", X-Title: "env:BULWARK_E2E_TITLE"}
                max_retries: 0
            """
        try yaml.write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)
        let load = try ChildProcess(
            try Tools.bulwark(),
            ["load", "--config", "\(directory)/bulwark.yaml", "--rate", "20", "--duration", "12", "--listen", "127.0.0.1:0"],
            environment: ["BULWARK_E2E_TITLE": Self.titleSecret])
        defer { load.stop() }
        let metricsPort = Int(try load.waitForOutput(#"/metrics on http://127\.0\.0\.1:(\d+)/metrics"#))!
        Thread.sleep(forTimeInterval: 0.5)

        // A malformed replacement: refused, counted, the old key keeps working.
        try volume.publish(Self.malformed)
        #expect(Self.waitForReloads("invalid", count: 1, metricsPort: metricsPort) == 1)
        #expect(Self.reloads("ok", metricsPort: metricsPort) == 0)

        // The rotation: both keys valid at the provider, the file swapped, the old key revoked once the
        // reload shows (and the requests already sent with it had time to finish).
        try Self.setValidKeys([Self.oldKey, Self.newKey], port: port)
        try volume.publish(Self.newKey)
        #expect(Self.waitForReloads("ok", count: 1, metricsPort: metricsPort) == 1)
        Thread.sleep(forTimeInterval: 1)
        try Self.setValidKeys([Self.newKey], port: port)

        // SIGHUP re-reads the file.
        load.signal(SIGHUP)
        #expect(Self.waitForReloads("ok", count: 2, metricsPort: metricsPort) == 2)

        #expect(load.wait(timeout: 60) == 0, "\(load.outputText)")
        let line = try #require(load.outputText.split(separator: "\n").last { $0.hasPrefix("{\"") }, "\(load.outputText)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let byStatus = try #require(summary["attempts_by_status"] as? [String: Int])
        #expect(byStatus == ["200": 240], "\(byStatus)")
        #expect((summary["outcomes"] as? [String: Int])?["success"] == 240)

        let stats = try RawHTTPClient.request(port: port, path: "/simulator/stats")
        #expect(!stats.text.contains("\"status\": 401") && !stats.text.contains("\"status\":401"), "\(stats.text)")
        let headers = try RawHTTPClient.request(port: port, path: "/simulator/headers?provider=openai")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(headers.body)) as? [String: Any])
        let last = try #require((json["requests"] as? [[[String]]])?.last)
        func value(_ name: String) -> [String] { last.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] } }
        #expect(value("OpenAI-Organization") == ["org-e2e"])
        #expect(value("OpenAI-Project") == ["proj_e2e"])
        #expect(value("HTTP-Referer") == ["https://example.com/e2e"])
        #expect(value("X-Title") == [Self.titleSecret])
        #expect(value("Authorization") == ["[REDACTED]"])

        let output = load.outputText + simulator.outputText
        #expect(output.contains("providers.openai.api_key_file: key refused: the key in file \(volume.keyPath)"), "\(output)")
        #expect(output.contains("new key from file \(volume.keyPath) in use"), "\(output)")
        for secret in [Self.oldKey, Self.newKey, Self.malformed, Self.titleSecret] {
            #expect(!output.contains(secret), "\(secret) printed")
        }
    }

    @Test func checkConfigNamesEveryKeyAndHeaderProblemAtOnceWithoutSecrets() throws {
        let directory = try makeTemporaryDirectory("bulwark-key-check")
        try Self.malformed.write(toFile: "\(directory)/malformed", atomically: true, encoding: .utf8)
        let yaml = """
            providers:
              - name: openai
                model: gpt-4o
                api_key_file: \(directory)/malformed
                headers: {X-Title: "env:BULWARK_E2E_UNSET_TITLE"}
              - name: anthropic
                model: claude-sonnet-4-6
                api_key_file: \(directory)/missing
              - name: google
                model: gemini-3-pro
                api_key_env: GOOGLE_API_KEY
                api_key_file: \(directory)/malformed
                headers: {x-goog-api-key: "\(Self.titleSecret)", "X-Bad\\tName": v}
            """
        try yaml.write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)
        let file = try runCommand(try Tools.bulwark(), ["check-config", "\(directory)/bulwark.yaml"])
        #expect(file.status == 2)
        for expected in [
            "line 12: providers[2].api_key_file: give either api_key_env or api_key_file, not both",
            "line 13: providers[2].headers: x-goog-api-key is set by Bulwark",
            "line 13: providers[2].headers: a header name is not valid",
        ] {
            #expect(file.output.contains(expected), "missing \(expected) in \(file.output)")
        }
        // With the file fixed, the keys and variables: every one named at once.
        let fixed = yaml.split(separator: "\n").prefix(8).joined(separator: "\n") + "\n"
        try fixed.write(toFile: "\(directory)/bulwark.yaml", atomically: true, encoding: .utf8)
        let keys = try runCommand(try Tools.bulwark(), ["check-config", "\(directory)/bulwark.yaml"])
        #expect(keys.status == 2)
        for expected in [
            "line 4: providers.openai.api_key_file: the key in file \(directory)/malformed does not start with sk-",
            "line 5: providers.openai.headers.X-Title: environment variable BULWARK_E2E_UNSET_TITLE is not set",
            "line 8: providers.anthropic.api_key_file: cannot read file \(directory)/missing",
        ] {
            #expect(keys.output.contains(expected), "missing \(expected) in \(keys.output)")
        }
        for output in [file.output, keys.output] {
            #expect(!output.contains(Self.malformed) && !output.contains(Self.titleSecret), "\(output)")
        }
    }
}

import BulwarkTestSupport
import Foundation
import Testing

/// `check-config`, `chat` and `serve` never print a key pasted into the wrong place.
@Suite(.serialized) struct KeyEchoEndToEndTests {
    static let key = "sk-proj-" + String(repeating: "Hh4_Jk7-", count: 12)
    static let fragment = "Hh4_Jk7"

    static func write(_ yaml: String) throws -> String {
        let directory = try makeTemporaryDirectory("bulwark-keyecho")
        let path = "\(directory)/bulwark.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aKeyInApiKeyEnvIsNeverPrinted() throws {
        let path = try Self.write("""
            providers:
              - name: openai
                kind: openai
                model: gpt-4o
                base_url: http://127.0.0.1:9/v1
                api_key_env: \(Self.key)
            """)
        let bulwark = try Tools.bulwark()
        for arguments in [["check-config", path], ["chat", "--config", path, "hello"]] {
            let result = try runCommand(bulwark, arguments)
            #expect(result.status != 0)
            #expect(!result.output.contains(Self.fragment), "\(arguments[0]) printed the key: \(result.output)")
            #expect(result.output.contains("api_key_env"), "\(arguments[0]): \(result.output)")
        }
    }

    @Test func aKeyInABaseURLOrABrokenLineIsNeverPrinted() throws {
        let bulwark = try Tools.bulwark()
        for yaml in [
            "providers:\n  - name: openai\n    kind: openai\n    model: m\n    base_url: api.openai.com/\(Self.key)\n    api_key_env: OPENAI_API_KEY\n",
            "providers:\n  - name: openai\n    kind: openai\n    model: m\n    api_key_env: \"\(Self.key)\n  - : [\n",
        ] {
            let result = try runCommand(bulwark, ["check-config", "--skip-keys", try Self.write(yaml)])
            #expect(result.status != 0)
            #expect(!result.output.contains(Self.fragment), "printed the key: \(result.output)")
        }
    }

    @Test func aSecretGivenInsteadOfAVariableNameIsNotPrinted() throws {
        let result = try runCommand(try Tools.bulwark(), ["serve", "--listen", "127.0.0.1:0", "--no-logs", "--auth-token-env", Self.key])
        #expect(result.status != 0)
        #expect(!result.output.contains(Self.fragment), "\(result.output)")
    }
}

/// `serve` names the TLS file it cannot use and stops, instead of serving plain HTTP.
@Suite struct TLSSetupEndToEndTests {
    @Test func unusableTLSFilesAreNamed() throws {
        let directory = try makeTemporaryDirectory("bulwark-tls-bad")
        try "not a certificate".write(toFile: "\(directory)/cert.pem", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".write(
            toFile: "\(directory)/garbled.pem", atomically: true, encoding: .utf8)
        try "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".write(
            toFile: "\(directory)/key.pem", atomically: true, encoding: .utf8)
        let bulwark = try Tools.bulwark()
        let cases: [([String], String)] = [
            (["--tls-cert", "\(directory)/missing.pem", "--tls-key", "\(directory)/key.pem"], "missing.pem"),
            (["--tls-cert", "\(directory)/cert.pem", "--tls-key", "\(directory)/key.pem"], "not PEM"),
            (["--tls-cert", "\(directory)/garbled.pem"], "--tls-key"),
            (["--tls-cert", "\(directory)/garbled.pem", "--tls-key", "\(directory)/key.pem"], "TLS certificate or key was refused"),
        ]
        for (arguments, expected) in cases {
            let result = try runCommand(bulwark, ["serve", "--listen", "127.0.0.1:0", "--no-logs"] + arguments, timeout: 30)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.output.contains(expected), "\(arguments): \(result.output)")
        }
    }
}

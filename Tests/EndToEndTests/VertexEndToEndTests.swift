import BulwarkTestSupport
import Foundation
import Testing

/// `kind: vertex` through the real binaries: `bulwark check-config` naming every problem, and
/// `bulwark chat` against `bulwark simulate --vertex-public-key` with a service-account key made by
/// openssl (the JWT exchange, the bearer token, streaming, a safety block).
@Suite(.serialized) struct VertexEndToEndTests {
    @Test func checkConfigNamesEveryVertexAndSafetyProblemWithItsLine() throws {
        let directory = try makeTemporaryDirectory("bulwark-vertex-check")
        let missing = "\(directory)/missing-sa.json"
        let path = "\(directory)/bulwark.yaml"
        try """
            providers:
              - name: vertex
                kind: vertex
                model: gemini-2.5-pro
                location: europe-west4
                credentials_file: \(missing)
                safety_settings:
                  - {category: HARM_CATEGORY_VIOLENCE, threshold: BLOCK_ONLY_HIGH}
              - name: google
                kind: google
                model: gemini-3-pro
                safety_settings: [{category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_SOMETIMES}]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runCommand(try Tools.bulwark(), ["check-config", "--skip-keys", path])
        #expect(result.status == 2, "\(result.output)")
        for expected in [
            "\(path): 4 problems",
            "line 8: providers[0].safety_settings[0].category: unknown value \"HARM_CATEGORY_VIOLENCE\"",
            "line 2: providers[0].project: is required for vertex providers",
            "line 6: providers[0].credentials_file: \(missing): cannot read the service-account file (no such file)",
            "line 12: providers[1].safety_settings[0].threshold: unknown value \"BLOCK_SOMETIMES\"; expected one of: BLOCK_LOW_AND_ABOVE",
        ] {
            #expect(result.output.contains(expected), "missing \(expected) in \(result.output)")
        }
    }

    /// An RSA key pair from openssl: the private key in PKCS#8 PEM, the public key in SPKI PEM.
    static func keyPair(in directory: String) throws -> (privateKey: String, publicKeyFile: String) {
        let openssl = try Tools.locate(.openssl)
        let privateFile = "\(directory)/key.pem"
        let publicFile = "\(directory)/public.pem"
        let generated = try runCommand(openssl, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", privateFile])
        try #require(generated.status == 0, "\(generated.output)")
        let exported = try runCommand(openssl, ["pkey", "-in", privateFile, "-pubout", "-out", publicFile])
        try #require(exported.status == 0, "\(exported.output)")
        return (try String(contentsOfFile: privateFile, encoding: .utf8), publicFile)
    }

    @Test(.enabled(if: Tools.canRun(.openssl), "needs openssl to make the service-account key"))
    func chatOverVertexAgainstTheSimulatorStreamingAndBlocked() throws {
        let directory = try makeTemporaryDirectory("bulwark-vertex-chat")
        let trusted = try Self.keyPair(in: directory)
        try """
            providers:
              google:
                faults:
                  - {safety_block: HARM_CATEGORY_HARASSMENT, safety_probability: MEDIUM, model: gemini-blocked}
            """.write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        let simulator = try ChildProcess(
            try Tools.bulwark(),
            ["simulate", "--listen", "127.0.0.1:0", "--scenario", "\(directory)/scenario.yaml", "--vertex-public-key", trusted.publicKeyFile])
        defer { simulator.stop() }
        let base = try simulator.waitForOutput(#"vertex on (http://127\.0\.0\.1:\d+)"#)
        let keyFile = "\(directory)/sa.json"
        let account: [String: Any] = [
            "type": "service_account", "project_id": "e2e-project", "private_key_id": "e2e",
            "private_key": trusted.privateKey, "client_email": "bulwark@e2e-project.iam.gserviceaccount.com",
            "token_uri": "\(base)/oauth2/token",
        ]
        try JSONSerialization.data(withJSONObject: account).write(to: URL(fileURLWithPath: keyFile))
        let config = "\(directory)/bulwark.yaml"
        func writeConfig(model: String) throws {
            try """
                providers:
                  - name: vertex
                    kind: vertex
                    model: \(model)
                    project: e2e-project
                    location: europe-west4
                    base_url: "\(base)"
                    credentials_file: \(keyFile)
                    safety_settings: [{category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_MEDIUM_AND_ABOVE}]
                retry: {max_retries: 1, base_delay: 0.05, max_delay: 0.1}
                """.write(toFile: config, atomically: true, encoding: .utf8)
        }
        let bulwark = try Tools.bulwark()
        try writeConfig(model: "gemini-2.5-pro")
        let check = try runCommand(bulwark, ["check-config", config])
        #expect(check.status == 0, "\(check.output)")
        for arguments in [["chat", "--config", config, "Say hello"], ["chat", "--config", config, "--stream", "Say hello"]] {
            let chat = try runCommand(bulwark, arguments, timeout: 60)
            #expect(chat.status == 0, "\(arguments): \(chat.output)")
            #expect(chat.output.contains("[provider=vertex attempts=1 fallback=false"), "\(chat.output)")
            #expect(!chat.output.contains("PRIVATE KEY"))
        }
        try writeConfig(model: "gemini-blocked")
        let blocked = try runCommand(bulwark, ["chat", "--config", config, "Say hello"], timeout: 60)
        #expect(blocked.status == 1, "\(blocked.output)")
        #expect(
            blocked.output.contains("content_filtered (HTTP 200): Gemini blocked the prompt (blockReason SAFETY: HARM_CATEGORY_HARASSMENT rated MEDIUM)"),
            "\(blocked.output)")
    }
}

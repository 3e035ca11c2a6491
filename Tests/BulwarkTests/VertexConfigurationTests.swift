import Foundation
import Bulwark
import Testing

/// `kind: vertex` and `safety_settings` in bulwark.yaml and in code: every problem at once, with lines
/// from the loader, the credentials file named and its key never shown.
@Suite struct VertexConfigurationTests {
    /// A private key's PEM shape; the loader checks the file's fields, not the key's mathematics.
    static let fakePrivateKey = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7SECRETKEY\n-----END PRIVATE KEY-----\n"

    static func write(_ text: String, name: String) throws -> String {
        let directory = NSTemporaryDirectory() + "bulwark-vertex-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func keyFile(privateKey: String = fakePrivateKey, tokenURI: String = "https://oauth2.googleapis.com/token") throws -> String {
        let object: [String: Any] = [
            "type": "service_account", "project_id": "my-project", "private_key_id": "abc",
            "private_key": privateKey, "client_email": "bulwark@my-project.iam.gserviceaccount.com", "token_uri": tokenURI,
        ]
        let data = try JSONSerialization.data(withJSONObject: object)
        return try write(String(decoding: data, as: UTF8.self), name: "sa.json")
    }

    @Test func readsAVertexProviderAndSafetySettings() throws {
        let file = try Self.keyFile()
        let configuration = try BulwarkConfiguration.parse(yaml: """
            providers:
              - name: vertex
                kind: vertex
                model: gemini-2.5-pro
                project: my-project
                location: europe-west4
                credentials_file: \(file)
                safety_settings:
                  - {category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_ONLY_HIGH}
                  - {category: HARM_CATEGORY_DANGEROUS_CONTENT, threshold: OFF}
              - name: google
                kind: google
                model: gemini-3-pro
                safety_settings: [{category: HARM_CATEGORY_HATE_SPEECH, threshold: BLOCK_LOW_AND_ABOVE}]
              - {name: vertex-tokens, kind: vertex, model: gemini-2.5-flash, project: p-1, location: global, access_token_env: VERTEX_TOKEN}
            """)
        let vertex = configuration.providers[0]
        #expect(vertex.kind == .vertex)
        #expect(vertex.project == "my-project" && vertex.location == "europe-west4" && vertex.credentialsFile == file)
        #expect(vertex.safetySettings == [
            GeminiSafetySetting(category: .harassment, threshold: .blockOnlyHigh),
            GeminiSafetySetting(category: .dangerousContent, threshold: .off),
        ])
        #expect(configuration.providers[1].safetySettings == [GeminiSafetySetting(category: .hateSpeech, threshold: .blockLowAndAbove)])
        #expect(configuration.providers[2].accessTokenEnvironmentVariable == "VERTEX_TOKEN")
        // No API key variable: the token variable is read instead, and only for access_token_env.
        let keys = try APIKeyValidator.resolveKeys(
            for: configuration.providers, environment: ["GOOGLE_API_KEY": "AIzaSy-Bulwark_Demo-Simulated_Key-00000", "VERTEX_TOKEN": " ya29.abc \n"])
        #expect(keys["vertex-tokens"]?.value == "ya29.abc")
        #expect(keys["vertex"] == nil)
        #expect(throws: ConfigurationError.self) {
            _ = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: ["GOOGLE_API_KEY": "AIzaSy-Bulwark_Demo-Simulated_Key-00000"])
        }
    }

    @Test func theLoaderReportsEveryProblemAtOnceWithItsLine() throws {
        let missing = NSTemporaryDirectory() + "bulwark-no-such-\(UUID().uuidString).json"
        let yaml = """
            providers:
              - name: vertex
                kind: vertex
                model: gemini-2.5-pro
                credentials_file: \(missing)
                safety_settings:
                  - {category: HARM_CATEGORY_VIOLENCE, threshold: BLOCK_ONLY_HIGH}
                  - {category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_SOME}
              - name: both
                kind: vertex
                model: gemini-2.5-pro
                project: "My Project"
                location: global
                credentials_file: \(missing)
                access_token_env: VERTEX_TOKEN
              - name: openai
                kind: openai
                model: gpt-4o
                location: us-east1
                safety_settings: [{category: HARM_CATEGORY_HARASSMENT, threshold: OFF}]
            """
        let error = try #require(throws: ConfigurationError.self) { try BulwarkConfiguration.parse(yaml: yaml, source: "bulwark.yaml") }
        let problems = error.problems.map(\.description)
        let expected = [
            "line 7: providers[0].safety_settings[0].category: unknown value \"HARM_CATEGORY_VIOLENCE\"; expected one of: HARM_CATEGORY_HARASSMENT, HARM_CATEGORY_HATE_SPEECH, HARM_CATEGORY_SEXUALLY_EXPLICIT, HARM_CATEGORY_DANGEROUS_CONTENT, HARM_CATEGORY_CIVIC_INTEGRITY",
            "line 8: providers[0].safety_settings[1].threshold: unknown value \"BLOCK_SOME\"; expected one of: BLOCK_LOW_AND_ABOVE, BLOCK_MEDIUM_AND_ABOVE, BLOCK_ONLY_HIGH, BLOCK_NONE, OFF",
            "line 2: providers[0].project: is required for vertex providers (the Google Cloud project id)",
            "line 2: providers[0].location: is required for vertex providers (a region such as europe-west4, or global)",
            "line 5: providers[0].credentials_file: \(missing): cannot read the service-account file (no such file)",
            "line 12: providers[1].project: is not a Google Cloud project id (lowercase letters, digits, -, . and :)",
            "line 14: providers[1].credentials_file: set credentials_file or access_token_env, not both",
            "line 20: providers[2].safety_settings: only google and vertex providers take safety_settings",
            "line 19: providers[2].location: only vertex providers take location",
        ]
        #expect(problems == expected, "\(error)")
        #expect(error.description.hasPrefix("bulwark.yaml: 9 problems"))
    }

    @Test func aMalformedKeyFileIsNamedAndItsKeyNeverShown() throws {
        let secret = "NOT-A-PEM-secret-material-0123456789"
        let file = try Self.keyFile(privateKey: secret)
        let yaml = "providers:\n  - {name: v, kind: vertex, model: m, project: p, location: global, credentials_file: \(file)}\n"
        let error = try #require(throws: ConfigurationError.self) { try BulwarkConfiguration.parse(yaml: yaml) }
        #expect(error.problems.map(\.description) == ["line 2: providers[0].credentials_file: \(file): private_key is not a PEM key"])
        #expect(!error.description.contains(secret))
        let notJSON = try Self.write("{\"private_key\": \"\(Self.fakePrivateKey)\"", name: "broken.json")
        let broken = try #require(throws: ConfigurationError.self) {
            try BulwarkConfiguration.parse(yaml: yaml.replacingOccurrences(of: file, with: notJSON))
        }
        #expect(broken.description.contains("\(notJSON): not a JSON object"))
        #expect(!broken.description.contains("SECRETKEY"))
    }

    @Test func aConfigurationBuiltInCodeIsHeldToTheSameRules() throws {
        var vertex = ProviderConfiguration(name: "vertex", kind: .vertex, model: "gemini-2.5-pro")
        vertex.safetySettings = [
            GeminiSafetySetting(category: .harassment, threshold: .off), GeminiSafetySetting(category: .harassment, threshold: .blockNone),
        ]
        var anthropic = ProviderConfiguration(name: "anthropic", kind: .anthropic, model: "claude-sonnet-4-6")
        anthropic.safetySettings = [GeminiSafetySetting(category: .hateSpeech, threshold: .off)]
        let problems = BulwarkConfiguration(providers: [vertex, anthropic]).problems().map(\.description)
        #expect(problems == [
            "providers[0].safety_settings: category HARM_CATEGORY_HARASSMENT is set twice",
            "providers[0].project: is required for vertex providers (the Google Cloud project id)",
            "providers[0].location: is required for vertex providers (a region such as europe-west4, or global)",
            "providers[0].credentials_file: vertex providers need credentials_file (a service-account key file) or access_token_env (a variable holding an access token)",
            "providers[1].safety_settings: only google and vertex providers take safety_settings",
        ])
        vertex.safetySettings = []
        vertex.project = "my-project"
        vertex.location = "europe-west4"
        vertex.accessTokenEnvironmentVariable = "VERTEX_TOKEN"
        try BulwarkConfiguration(providers: [vertex]).validate()
        vertex.apiKeyEnvironmentVariable = "GOOGLE_API_KEY"
        #expect(BulwarkConfiguration(providers: [vertex]).problems().map(\.path) == ["providers[0].api_key_env"])
    }
}

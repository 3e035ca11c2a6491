import BulwarkCore
import Testing
@testable import Bulwark

/// Configuration errors name the field, never a value that looks like a key.
@Suite struct ConfigurationKeyEchoTests {
    static let key = "sk-proj-" + String(repeating: "Zq8_Wm3-", count: 12)

    static func yaml(apiKeyEnv: String = "OPENAI_API_KEY", baseURL: String = "https://api.openai.com/v1") -> String {
        """
        providers:
          - name: openai
            kind: openai
            model: gpt-4o
            base_url: \(baseURL)
            api_key_env: \(apiKeyEnv)
        """
    }

    @Test func aKeyPastedIntoApiKeyEnvIsNamedNotEchoed() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml(apiKeyEnv: Self.key))
        #expect(throws: ConfigurationError.self) {
            _ = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: [:])
        }
        do {
            _ = try APIKeyValidator.resolveKeys(for: configuration.providers, environment: [:])
        } catch {
            #expect(!error.description.contains("Zq8_Wm3"), "\(error)")
            #expect(error.description.contains("providers.openai.api_key_env"))
            #expect(error.description.contains("not an environment variable name"))
        }
    }

    @Test func aMalformedBaseURLHoldingAKeyIsNotEchoed() {
        do {
            _ = try BulwarkConfiguration.parse(yaml: Self.yaml(baseURL: "api.openai.com/v1/\(Self.key)"))
            Issue.record("a base_url without a scheme was accepted")
        } catch {
            #expect(!error.description.contains("Zq8_Wm3"), "\(error)")
            #expect(error.description.contains("base_url"))
        }
    }

    @Test func aYAMLErrorOnTheKeysLineIsNotEchoed() {
        let broken = Self.yaml(apiKeyEnv: "\"\(Self.key)") + "\n  - : [\n"
        do {
            _ = try BulwarkConfiguration.parse(yaml: broken)
            Issue.record("broken YAML was accepted")
        } catch {
            #expect(!error.description.contains("Zq8_Wm3"), "\(error)")
        }
    }

    @Test func ordinaryVariableNamesAreStillQuoted() {
        #expect(APIKeyValidator.isVariableName("OPENAI_API_KEY"))
        #expect(APIKeyValidator.isVariableName("my_key_2"))
        #expect(!APIKeyValidator.isVariableName(Self.key))
        #expect(!APIKeyValidator.isVariableName("AIzaSyB4cB4cB4cB4cB4cB4cB4cB4cB4cB4cB4c"))
        #expect(!APIKeyValidator.isVariableName("2FAST"))
    }
}

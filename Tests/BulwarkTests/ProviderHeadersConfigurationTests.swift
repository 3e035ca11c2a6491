import BulwarkCore
import Foundation
import Testing
@testable import Bulwark

/// `organization`, `project`, `headers` and `api_key_file`: parsed in order, every problem reported at
/// once with its line, no header value or key echoed.
@Suite struct ProviderHeadersConfigurationTests {
    static let secretValue = "aggregator-token-Qx7Rr9Vv"

    @Test func parsesOrganizationProjectAndHeadersInOrder() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
            providers:
              - name: openai
                model: gpt-4o
                organization: org-abc
                project: proj_def
                headers: {HTTP-Referer: "https://example.com", X-Title: "env:APP_TITLE", x-extra: literal}
            """)
        let provider = try #require(configuration.providers.first)
        #expect(provider.organization == "org-abc")
        #expect(provider.project == "proj_def")
        #expect(provider.headers.fields.map(\.name) == ["HTTP-Referer", "X-Title", "x-extra"])
        let resolved = try provider.resolvedHeaders(environment: ["APP_TITLE": "  My App \n"])
        #expect(resolved.fields == [
            .init(name: "OpenAI-Organization", value: "org-abc"), .init(name: "OpenAI-Project", value: "proj_def"),
            .init(name: "HTTP-Referer", value: "https://example.com"), .init(name: "X-Title", value: "My App"),
            .init(name: "x-extra", value: "literal"),
        ])
    }

    @Test func reportsEveryHeaderAndKeySourceProblemWithItsLineAndNoValue() {
        let yaml = """
            providers:
              - name: openai
                model: gpt-4o
                api_key_env: OPENAI_API_KEY
                api_key_file: /run/secrets/openai
                headers:
                  Authorization: "Bearer \(Self.secretValue)"
                  "bad name": x
                  X-Split: "a\\r\\nInjected: \(Self.secretValue)"
                  X-Env: "env:not a variable"
                  OpenAI-Organization: org-x
              - name: anthropic
                model: claude-sonnet-4-6
                organization: org-abc
                project: p
                headers: {x-api-key: "\(Self.secretValue)"}
            """
        do {
            _ = try BulwarkConfiguration.parse(yaml: yaml)
            Issue.record("accepted")
        } catch {
            let text = error.description
            #expect(!text.contains(Self.secretValue), "\(text)")
            let expected: [(line: Int, path: String, message: String)] = [
                (5, "providers[0].api_key_file", "either api_key_env or api_key_file"),
                (7, "providers[0].headers", "Authorization is set by Bulwark"),
                (8, "providers[0].headers", "header name is not valid"),
                (9, "providers[0].headers.X-Split", "CR or LF"),
                (10, "providers[0].headers.X-Env", "does not name an environment variable"),
                (11, "providers[0].headers", "with the provider's organization key"),
                (14, "providers[1].organization", "openai providers only"),
                (15, "providers[1].project", "openai providers only"),
                (16, "providers[1].headers", "x-api-key is set by Bulwark"),
            ]
            for item in expected {
                #expect(
                    error.problems.contains { $0.line == item.line && $0.path == item.path && $0.message.contains(item.message) },
                    "missing line \(item.line) \(item.path): \(item.message) in\n\(text)")
            }
            #expect(error.problems.count == expected.count, "\(text)")
        }
    }

    @Test func programmaticConfigurationIsHeldToTheSameRules() {
        var provider = ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", organization: "org\nx",
            headers: ["X-Api-Key": "v", "X-Ok": "line\rbreak"])
        provider.apiKeyFile = ""
        let problems = BulwarkConfiguration(providers: [provider]).problems().map(\.description).joined(separator: "\n")
        #expect(problems.contains("providers[0].organization: the value contains CR or LF"), "\(problems)")
        #expect(problems.contains("X-Api-Key is set by Bulwark"), "\(problems)")
        #expect(problems.contains("providers[0].headers.X-Ok: the value contains CR or LF"), "\(problems)")
        #expect(problems.contains("providers[0].api_key_file: is empty"), "\(problems)")
    }

    @Test func aMissingEnvironmentVariableOfAHeaderIsNamedAndTheClientRefusesToStart() {
        let provider = ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", headers: ["X-Title": "env:BULWARK_NO_SUCH_TITLE"])
        #expect {
            _ = try ResilientClient(
                configuration: BulwarkConfiguration(providers: [provider]),
                environment: ["OPENAI_API_KEY": "sk-test-0123456789abcdefghij"])
        } throws: { error in
            "\(error)".contains("providers.openai.headers.X-Title: environment variable BULWARK_NO_SUCH_TITLE is not set")
        }
    }

    @Test func keyFilesAreStrippedCheckedAndNamedButNeverEchoed() throws {
        let directory = NSTemporaryDirectory() + "bulwark-keyfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = "\(directory)/openai"
        try "  sk-file-0123456789abcdefghij\n".write(toFile: good, atomically: true, encoding: .utf8)
        let anthropicKey = "sk-ant-pasted-into-the-openai-file-0123"
        try anthropicKey.write(toFile: "\(directory)/wrong", atomically: true, encoding: .utf8)
        try "".write(toFile: "\(directory)/empty", atomically: true, encoding: .utf8)
        func provider(_ name: String, file: String) -> ProviderConfiguration {
            ProviderConfiguration(name: name, kind: .openai, model: "gpt-4o", apiKeyFile: file)
        }
        let credentials = try APIKeyValidator.resolveCredentials(for: [provider("a", file: good)], environment: [:])
        #expect(credentials["a"]?.key?.key.value == "sk-file-0123456789abcdefghij")
        #expect(credentials["a"]?.key?.source == .file(path: good))
        #expect(credentials["a"]?.key?.description.hasPrefix("key from file \(good) loaded 20") == true)
        do {
            _ = try APIKeyValidator.resolveCredentials(
                for: [provider("b", file: "\(directory)/wrong"), provider("c", file: "\(directory)/empty"),
                      provider("d", file: "\(directory)/missing")],
                environment: [:])
            Issue.record("accepted")
        } catch {
            let text = error.description
            #expect(!text.contains("pasted-into"), "\(text)")
            #expect(text.contains("providers.b.api_key_file: the key in file \(directory)/wrong looks like an Anthropic key"), "\(text)")
            #expect(text.contains("providers.c.api_key_file: file \(directory)/empty is empty"), "\(text)")
            #expect(text.contains("providers.d.api_key_file: cannot read file \(directory)/missing: No such file"), "\(text)")
        }
    }
}

import BulwarkCore
import Foundation
import Bulwark
import Testing

@Suite("Request building")
struct RequestBuildingTests {
    let sayHello = [ChatMessage.user("Say hello.")]

    static let openAI = ProviderEndpoint(kind: .openai, model: "gpt-4o-mini")
    static let anthropic = ProviderEndpoint(kind: .anthropic, model: "claude-sonnet-4-6")
    static let gemini = ProviderEndpoint(kind: .google, model: "gemini-2.5-flash")

    // MARK: Bodies match the fixtures

    @Test func openAIRequestMatchesFixture() throws {
        let built = try OpenAIAdapter(endpoint: Self.openAI).makeHTTPRequest(
            for: ChatRequest(messages: sayHello), apiKey: "sk-proj-0123456789abcdef")
        #expect(try JSONTree.parse(built.body) == JSONTree.parse(Fixtures.bytes(.openai, "request.json")))
        #expect(built.method == "POST")
        #expect(built.url == "https://api.openai.com/v1/chat/completions")
        #expect(!built.expectsEventStream)
    }

    @Test func openAIStreamingRequestAsksForUsage() throws {
        let built = try OpenAIAdapter(endpoint: Self.openAI).makeHTTPRequest(
            for: ChatRequest(messages: sayHello, stream: true), apiKey: "sk-proj-0123456789abcdef")
        #expect(try JSONTree.parse(built.body) == JSONTree.parse(Fixtures.bytes(.openai, "request-stream.json")))
        #expect(built.expectsEventStream)
        #expect(built.headers["accept"] == "text/event-stream")
    }

    @Test func anthropicRequestMatchesFixture() throws {
        let built = try AnthropicAdapter(endpoint: Self.anthropic).makeHTTPRequest(
            for: ChatRequest(messages: sayHello, maxTokens: 1024), apiKey: "sk-ant-api03-0123456789abcdef")
        #expect(try JSONTree.parse(built.body) == JSONTree.parse(Fixtures.bytes(.anthropic, "request.json")))
        #expect(built.url == "https://api.anthropic.com/v1/messages")
    }

    @Test func anthropicStreamingRequestMatchesFixture() throws {
        let built = try AnthropicAdapter(endpoint: Self.anthropic).makeHTTPRequest(
            for: ChatRequest(messages: sayHello, maxTokens: 1024, stream: true), apiKey: "sk-ant-api03-0123456789abcdef"
        )
        #expect(try JSONTree.parse(built.body) == JSONTree.parse(Fixtures.bytes(.anthropic, "request-stream.json")))
        #expect(built.expectsEventStream)
    }

    @Test func anthropicSendsDefaultMaxTokensWhenRequestHasNone() throws {
        let built = try AnthropicAdapter(endpoint: Self.anthropic).makeHTTPRequest(
            for: ChatRequest(messages: sayHello), apiKey: "sk-ant-x")
        #expect(try JSONTree.parse(built.body)["max_tokens"] == .int(AnthropicAdapter.defaultMaxTokens))
    }

    @Test func geminiRequestMatchesFixture() throws {
        let built = try GeminiAdapter(endpoint: Self.gemini).makeHTTPRequest(
            for: ChatRequest(messages: sayHello), apiKey: "AIzaSy0123456789abcdef")
        #expect(try JSONTree.parse(built.body) == JSONTree.parse(Fixtures.bytes(.google, "request.json")))
        #expect(built.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent")
    }

    @Test func geminiStreamsThroughTheURL() throws {
        let built = try GeminiAdapter(endpoint: Self.gemini).makeHTTPRequest(
            for: ChatRequest(messages: sayHello, stream: true), apiKey: "AIzaSy0123456789abcdef")
        #expect(
            built.url
                == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        )
        #expect(try JSONTree.parse(built.body) == JSONTree.parse(Fixtures.bytes(.google, "request.json")))
        #expect(built.expectsEventStream)
    }

    // MARK: Headers and request lines match headers.txt

    @Test(arguments: [
        (ProviderKind.openai, "## Request", "sk-proj-0123456789abcdef"),
        (ProviderKind.anthropic, "## Request (client -> server), as documented", "sk-ant-api03-0123456789abcdef"),
        (ProviderKind.google, "## Request", "AIzaSy0123456789abcdef"),
    ])
    func requiredHeadersMatchHeadersTxt(kind: ProviderKind, section: String, key: String) throws {
        let documented = try Fixtures.headerSection(kind, section)
        let model = kind == .openai ? "gpt-4o-mini" : kind == .anthropic ? "claude-sonnet-4-6" : "gemini-2.5-flash"
        let adapter = ProviderEndpoint(kind: kind, model: model).makeAdapter()
        let built = try adapter.makeHTTPRequest(for: ChatRequest(messages: sayHello), apiKey: key)

        let requiredNames = try Fixtures.text(kind, "headers.txt").split(separator: "\n")
            .filter { $0.contains("# REQUIRED") }
            .compactMap { $0.split(separator: ":").first.map { String($0).lowercased() } }
        #expect(!requiredNames.isEmpty)
        for name in Set(requiredNames) {
            let expected = try #require(documented.headers[name], "headers.txt section lacks \(name)")
            #expect(built.headers[name] == expected, "header \(name)")
        }
        let requestLine = try #require(documented.requestLines.first)
        let path = requestLine.split(separator: " ")[1]
        #expect(built.url.hasSuffix(String(path)), "\(built.url) vs \(requestLine)")
    }

    @Test func geminiStreamingPathMatchesHeadersTxt() throws {
        let documented = try Fixtures.headerSection(.google, "## Request")
        let streamLine = try #require(documented.requestLines.first { $0.contains("streamGenerateContent") })
        let built = try GeminiAdapter(endpoint: Self.gemini).makeHTTPRequest(
            for: ChatRequest(messages: sayHello, stream: true), apiKey: "AIzaSy0123456789abcdef")
        #expect(built.url.hasSuffix(String(streamLine.split(separator: " ")[1])))
    }

    @Test func apiKeyTravelsOnlyInHeaders() throws {
        let key = "sk-proj-SECRETSECRETSECRET"
        for endpoint in [Self.openAI, Self.anthropic, Self.gemini] {
            let built = try endpoint.makeAdapter().makeHTTPRequest(
                for: ChatRequest(messages: sayHello, stream: true), apiKey: key)
            #expect(!built.url.contains(key))
            #expect(!String(decoding: built.body, as: UTF8.self).contains(key))
            #expect(built.headers.contains { $0.value.contains(key) })
        }
    }

    // MARK: URLs

    @Test(arguments: [
        ("https://api.anthropic.com", "https://api.anthropic.com/v1/messages"),
        ("https://api.anthropic.com/", "https://api.anthropic.com/v1/messages"),
        ("https://api.anthropic.com/v1", "https://api.anthropic.com/v1/messages"),
        ("https://api.anthropic.com/v1/", "https://api.anthropic.com/v1/messages"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/messages"),
    ])
    func anthropicToleratesBaseEndingInV1(base: String, expected: String) {
        #expect(
            AnthropicAdapter(endpoint: ProviderEndpoint(kind: .anthropic, baseURL: base, model: "m")).messagesURL
                == expected)
    }

    @Test(arguments: [
        ("https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions"),
        ("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"),
        ("https://api.openai.com", "https://api.openai.com/v1/chat/completions"),
        ("http://localhost:9000/openai/v1", "http://localhost:9000/openai/v1/chat/completions"),
    ])
    func openAIAppendsChatCompletionsToBase(base: String, expected: String) {
        #expect(
            OpenAIAdapter(endpoint: ProviderEndpoint(kind: .openai, baseURL: base, model: "m")).chatCompletionsURL
                == expected)
    }

    @Test(arguments: [
        (
            "https://generativelanguage.googleapis.com", "v1beta",
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta", "v1beta",
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        ),
        (
            "https://generativelanguage.googleapis.com/v1/", "v1beta",
            "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent"
        ),
        ("http://127.0.0.1:8080", "v1", "http://127.0.0.1:8080/v1/models/gemini-2.5-flash:generateContent"),
    ])
    func geminiURLCarriesOneAPIVersion(base: String, version: String, expected: String) {
        let adapter = GeminiAdapter(
            endpoint: ProviderEndpoint(
                kind: .google, baseURL: base, model: "gemini-2.5-flash", geminiAPIVersion: version))
        #expect(adapter.url(model: "gemini-2.5-flash", stream: false) == expected)
        #expect(adapter.url(model: "models/gemini-2.5-flash", stream: false) == expected)
    }

    // MARK: Mapping of the common request

    @Test func systemMessagesMoveToEachProvidersSystemField() throws {
        let request = ChatRequest(
            messages: [.system("Be brief."), .user("Hi"), .assistant("Hello"), .system("No emoji."), .user("Bye")],
            maxTokens: 50, temperature: 0.7, metadata: ["user_id": "u-1"])

        let openAI = try JSONTree.parse(
            OpenAIAdapter(endpoint: Self.openAI).makeHTTPRequest(for: request, apiKey: "sk-x").body)
        #expect(
            openAI["messages"]
                == .array([
                    .object(["role": .string("system"), "content": .string("Be brief.")]),
                    .object(["role": .string("user"), "content": .string("Hi")]),
                    .object(["role": .string("assistant"), "content": .string("Hello")]),
                    .object(["role": .string("system"), "content": .string("No emoji.")]),
                    .object(["role": .string("user"), "content": .string("Bye")]),
                ]))
        #expect(openAI["max_completion_tokens"] == .int(50))
        #expect(openAI["temperature"] == .double(0.7))
        #expect(openAI["metadata"] == .object(["user_id": .string("u-1")]))
        #expect(openAI["stream"] == nil)

        let anthropic = try JSONTree.parse(
            AnthropicAdapter(endpoint: Self.anthropic).makeHTTPRequest(for: request, apiKey: "sk-ant-x").body)
        #expect(anthropic["system"] == .string("Be brief.\n\nNo emoji."))
        #expect(
            anthropic["messages"]
                == .array([
                    .object(["role": .string("user"), "content": .string("Hi")]),
                    .object(["role": .string("assistant"), "content": .string("Hello")]),
                    .object(["role": .string("user"), "content": .string("Bye")]),
                ]))
        #expect(anthropic["max_tokens"] == .int(50))
        #expect(anthropic["temperature"] == .double(0.7))
        #expect(anthropic["metadata"] == .object(["user_id": .string("u-1")]))

        let gemini = try JSONTree.parse(
            GeminiAdapter(endpoint: Self.gemini).makeHTTPRequest(for: request, apiKey: "AIza-x").body)
        #expect(
            gemini["systemInstruction"]
                == .object(["parts": .array([.object(["text": .string("Be brief.\n\nNo emoji.")])])]))
        #expect(
            gemini["contents"]
                == .array([
                    .object(["role": .string("user"), "parts": .array([.object(["text": .string("Hi")])])]),
                    .object(["role": .string("model"), "parts": .array([.object(["text": .string("Hello")])])]),
                    .object(["role": .string("user"), "parts": .array([.object(["text": .string("Bye")])])]),
                ]))
        #expect(gemini["generationConfig"] == .object(["maxOutputTokens": .int(50), "temperature": .double(0.7)]))
        #expect(gemini["metadata"] == nil)
    }

    @Test func requestModelOverridesEndpointModel() throws {
        let request = ChatRequest(messages: sayHello, model: "gpt-4.1")
        #expect(
            try JSONTree.parse(OpenAIAdapter(endpoint: Self.openAI).makeHTTPRequest(for: request, apiKey: "sk-x").body)[
                "model"] == .string("gpt-4.1"))
        let gemini = try GeminiAdapter(endpoint: Self.gemini).makeHTTPRequest(
            for: ChatRequest(messages: sayHello, model: "gemini-3-pro"), apiKey: "AIza-x")
        #expect(gemini.url.hasSuffix("/models/gemini-3-pro:generateContent"))
    }

    @Test func extraHeadersAreSent() throws {
        let endpoint = ProviderEndpoint(
            kind: .openai, model: "gpt-4o-mini", extraHeaders: ["OpenAI-Organization": "org-1"])
        let built = try endpoint.makeAdapter().makeHTTPRequest(for: ChatRequest(messages: sayHello), apiKey: "sk-x")
        #expect(built.headers["openai-organization"] == "org-1")
    }

    @Test func customAnthropicVersionIsSent() throws {
        let endpoint = ProviderEndpoint(kind: .anthropic, model: "m", anthropicVersion: "2026-10-21")
        #expect(
            try endpoint.makeAdapter().makeHTTPRequest(for: ChatRequest(messages: sayHello), apiKey: "k").headers[
                "anthropic-version"] == "2026-10-21")
    }

    // MARK: Validation before sending

    @Test(arguments: [
        ([ChatMessage.user("a"), .user("b")], "messages[1]"),
        ([ChatMessage.assistant("a"), .user("b")], "messages[0]"),
        ([ChatMessage.system("s"), .assistant("a")], "messages[1]"),
        ([ChatMessage.user("a"), .assistant("b"), .system("s"), .assistant("c")], "messages[3]"),
        ([ChatMessage.system("only system")], "at least one user message"),
    ])
    func anthropicRejectsBrokenAlternationNamingTheMessage(messages: [ChatMessage], expected: String) {
        do {
            _ = try AnthropicAdapter(endpoint: Self.anthropic).makeHTTPRequest(
                for: ChatRequest(messages: messages), apiKey: "sk-ant-x")
            Issue.record("expected a validation error")
        } catch {
            #expect(error.errorType == .badRequest)
            #expect(error.statusCode == 0)
            #expect(!error.isRetryable)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func anthropicAcceptsAlternatingConversation() throws {
        try AnthropicAdapter.validateConversation([.system("s"), .user("a"), .assistant("b"), .user("c")])
    }

    @Test(arguments: [ProviderKind.openai, .anthropic, .google])
    func emptyConversationIsRejected(kind: ProviderKind) {
        #expect(throws: ProviderError.self) {
            try ProviderEndpoint(kind: kind, model: "m").makeAdapter().makeHTTPRequest(
                for: ChatRequest(messages: []), apiKey: "k")
        }
    }

    @Test(arguments: [ProviderKind.openai, .anthropic, .google])
    func invalidLimitsAreRejected(kind: ProviderKind) {
        let adapter = ProviderEndpoint(kind: kind, model: "m").makeAdapter()
        #expect(throws: ProviderError.self) {
            try adapter.makeHTTPRequest(for: ChatRequest(messages: sayHello, maxTokens: 0), apiKey: "k")
        }
        #expect(throws: ProviderError.self) {
            try adapter.makeHTTPRequest(for: ChatRequest(messages: sayHello, temperature: -1), apiKey: "k")
        }
    }

    @Test(arguments: [ProviderKind.openai, .anthropic, .google])
    func missingOrMalformedAPIKeyIsAnAuthenticationError(kind: ProviderKind) {
        let adapter = ProviderEndpoint(kind: kind, model: "m").makeAdapter()
        for key in ["", "  \n", "sk-abc\ndef"] {
            do {
                _ = try adapter.makeHTTPRequest(for: ChatRequest(messages: sayHello), apiKey: key)
                Issue.record("expected an error for key \(key.debugDescription)")
            } catch {
                #expect(error.errorType == .authentication)
                #expect(error.statusCode == 0)
            }
        }
    }

    @Test func apiKeyIsTrimmed() throws {
        let built = try OpenAIAdapter(endpoint: Self.openAI).makeHTTPRequest(
            for: ChatRequest(messages: sayHello), apiKey: " sk-abc\n")
        #expect(built.headers["authorization"] == "Bearer sk-abc")
    }
}

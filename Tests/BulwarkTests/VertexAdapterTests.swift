import BulwarkCore
import Foundation
import Bulwark
import Testing

/// Gemini on Vertex AI in the adapter: URLs from project and location, bearer auth, the Gemini bodies;
/// safety settings in the body of both Gemini flavours; block reasons kept in `content_filtered`.
@Suite("Vertex AI and Gemini safety")
struct VertexAdapterTests {
    static func vertex(
        location: String = "europe-west4", baseURL: String? = nil, apiVersion: String = ProviderEndpoint.defaultVertexAPIVersion,
        safety: [GeminiSafetySetting] = []
    ) -> GeminiAdapter {
        GeminiAdapter(endpoint: ProviderEndpoint(
            name: "vertex", kind: .vertex, baseURL: baseURL, model: "gemini-2.5-pro", geminiAPIVersion: apiVersion,
            vertexProject: "my-project", vertexLocation: location, safetySettings: safety))
    }

    static let hello = ChatRequest(messages: [.user("Say hello.")])
    static let token = "ya29.test-access-token"

    @Test func regionalGlobalAndOverriddenHosts() throws {
        let regional = try Self.vertex().makeHTTPRequest(for: Self.hello, apiKey: Self.token)
        #expect(regional.url == "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent")
        let global = try Self.vertex(location: "global").makeHTTPRequest(
            for: ChatRequest(messages: [.user("Hi")], stream: true), apiKey: Self.token)
        #expect(global.url == "https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse")
        #expect(global.expectsEventStream)
        let proxied = try Self.vertex(baseURL: "http://127.0.0.1:9999/", apiVersion: "v1beta1")
            .makeHTTPRequest(for: ChatRequest(messages: [.user("Hi")], model: "models/gemini-2.5-flash"), apiKey: Self.token)
        #expect(proxied.url == "http://127.0.0.1:9999/v1beta1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent")
    }

    @Test func theConfigurationBuildsTheVertexEndpoint() throws {
        var provider = ProviderConfiguration(name: "vertex", kind: .vertex, model: "gemini-2.5-pro")
        provider.project = "my-project"
        provider.location = "us-central1"
        #expect(provider.apiKeyEnvironmentVariable.isEmpty)
        let request = try provider.endpoint.makeAdapter().makeHTTPRequest(for: Self.hello, apiKey: Self.token)
        #expect(request.url.hasPrefix("https://us-central1-aiplatform.googleapis.com/v1/projects/my-project/locations/us-central1/"))
    }

    @Test func authenticatesWithTheBearerTokenOnlyAndSendsGeminisBody() throws {
        let built = try Self.vertex().makeHTTPRequest(for: Self.hello, apiKey: "  \(Self.token)\n")
        #expect(built.headers["Authorization"] == "Bearer \(Self.token)")
        #expect(built.headers["x-goog-api-key"] == nil)
        #expect(!built.url.contains(Self.token))
        let gemini = try GeminiAdapter(endpoint: ProviderEndpoint(kind: .google, model: "gemini-2.5-pro"))
            .makeHTTPRequest(for: Self.hello, apiKey: "AIzaSy0123456789abcdef")
        #expect(built.body == gemini.body)
        #expect(try JSONTree.parse(built.body) == JSONTree.parse(Fixtures.bytes(.google, "request.json")))
    }

    @Test func anEmptyTokenIsAnAuthenticationErrorBeforeSending() {
        #expect {
            _ = try Self.vertex().makeHTTPRequest(for: Self.hello, apiKey: " ")
        } throws: { error in
            (error as? ProviderError)?.errorType == .authentication && (error as? ProviderError)?.statusCode == 0
        }
    }

    @Test(arguments: [ProviderKind.google, .vertex])
    func safetySettingsArriveExactlyInTheBody(kind: ProviderKind) throws {
        let settings = [
            GeminiSafetySetting(category: .harassment, threshold: .blockOnlyHigh),
            GeminiSafetySetting(category: .dangerousContent, threshold: .blockLowAndAbove),
        ]
        let endpoint = ProviderEndpoint(
            kind: kind, model: "gemini-2.5-pro", vertexProject: "p", vertexLocation: "global", safetySettings: settings)
        let built = try endpoint.makeAdapter().makeHTTPRequest(
            for: ChatRequest(messages: [.system("Be brief."), .user("Say hello.")], maxTokens: 50), apiKey: "AIzaSy0123456789abcdef")
        let expected = #"{"contents":[{"parts":[{"text":"Say hello."}],"role":"user"}],"generationConfig":{"maxOutputTokens":50},"#
            + #""safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"},"#
            + #"{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","threshold":"BLOCK_LOW_AND_ABOVE"}],"#
            + #""systemInstruction":{"parts":[{"text":"Be brief."}]}}"#
        #expect(String(decoding: built.body, as: UTF8.self) == expected)
    }

    @Test func noSafetySettingsNoMember() throws {
        let built = try Self.vertex().makeHTTPRequest(for: Self.hello, apiKey: Self.token)
        #expect(!String(decoding: built.body, as: UTF8.self).contains("safetySettings"))
    }

    // MARK: Block reasons survive normalization

    static func blocked(_ kind: ProviderKind, _ file: String) throws -> ProviderError? {
        let adapter = ProviderEndpoint(kind: kind, model: "m", vertexProject: "p", vertexLocation: "global").makeAdapter()
        let body = try Fixtures.bytes(.google, file)
        do {
            _ = try adapter.parseResponse(status: 200, headers: [:], body: body, now: anyNow)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [ProviderKind.google, .vertex])
    func aBlockedPromptKeepsItsReasonAndTheRatingThatBlocked(kind: ProviderKind) throws {
        let error = try #require(try Self.blocked(kind, "safety/prompt-blocked.json"))
        #expect(error.errorType == .contentFiltered)
        #expect(error.statusCode == 200)
        #expect(error.providerErrorType == "SAFETY")
        #expect(error.message == "Gemini blocked the prompt (blockReason SAFETY: HARM_CATEGORY_HARASSMENT rated MEDIUM)")
        #expect(error.partial?.usage == TokenUsage(inputTokens: 9, outputTokens: 0))
        #expect(!error.isRetryable)
    }

    @Test(arguments: [ProviderKind.google, .vertex])
    func aProhibitedPromptAndAWithheldCandidateKeepTheirReasons(kind: ProviderKind) throws {
        let prohibited = try #require(try Self.blocked(kind, "safety/prompt-prohibited.json"))
        #expect(prohibited.errorType == .contentFiltered)
        #expect(prohibited.providerErrorType == "PROHIBITED_CONTENT")
        #expect(prohibited.message == "Gemini blocked the prompt (blockReason PROHIBITED_CONTENT)")
        let withheld = try #require(try Self.blocked(kind, "safety/candidate-blocked.json"))
        #expect(withheld.errorType == .contentFiltered)
        #expect(withheld.providerErrorType == "SAFETY")
        #expect(withheld.message == "Gemini blocked the response (finishReason SAFETY: HARM_CATEGORY_DANGEROUS_CONTENT rated HIGH)")
        #expect(withheld.partial?.finishReason == .contentFiltered)
    }

    @Test(arguments: [ProviderKind.google, .vertex])
    func aStreamWithheldMidwayKeepsTheTextTheReasonAndTheRating(kind: ProviderKind) throws {
        let body = try Fixtures.bytes(.google, "safety/stream-candidate-blocked.sse")
        for chunkSize in [1, 7, 0] {
            let error = try #require(decodeStream(body, kind: kind, chunkSize: chunkSize).failure)
            #expect(error.errorType == .contentFiltered)
            #expect(error.providerErrorType == "SAFETY")
            #expect(error.message.contains("HARM_CATEGORY_DANGEROUS_CONTENT rated HIGH"), "\(error.message)")
            #expect(error.partialText == "Step one:")
        }
    }

    @Test func theProvidersOwnMessageFollowsTheReason() throws {
        let body = #"{"promptFeedback":{"blockReason":"OTHER","blockReasonMessage":"The prompt was blocked."}}"#
        #expect {
            _ = try Self.vertex().parseResponse(status: 200, headers: [:], body: Array(body.utf8), now: anyNow)
        } throws: { error in
            (error as? ProviderError)?.message == "Gemini blocked the prompt (blockReason OTHER): The prompt was blocked."
        }
    }

    @Test func vertexErrorsAreGeminisErrors() throws {
        let unauthenticated = try Fixtures.bytes(.google, "errors/401.json")
        let error = ErrorNormalizer.normalize(kind: .vertex, status: 401, headers: [:], body: unauthenticated, now: anyNow)
        #expect(error.errorType == .authentication)
        #expect(error.providerErrorType == "UNAUTHENTICATED")
        let quota = try Fixtures.bytes(.google, "errors/429.json")
        #expect(ErrorNormalizer.normalize(kind: .vertex, status: 429, headers: [:], body: quota, now: anyNow).errorType == .rateLimited)
    }
}

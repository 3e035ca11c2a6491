import Foundation
import BulwarkHTTPServer
import Testing

@testable import BulwarkSimulator

@Suite("API keys in every form the APIs and SDKs use")
struct AuthTests {
    @Test func acceptsEveryDocumentedAndSDKAuthForm() async throws {
        try await withSimulator { (simulator: ProviderSimulator) async throws in
            #expect(try await send(.openAI(), to: simulator).status == 200)
            var lowercaseBearer = ProviderCall.openAI()
            lowercaseBearer.headers = ["Content-Type: application/json", "authorization: bearer sk-test"]
            #expect(try await send(lowercaseBearer, to: simulator).status == 200)
            #expect(try await send(.anthropic(), to: simulator).status == 200)
            var sdkStyle = ProviderCall.anthropic(useBearer: true)
            sdkStyle.headers = sdkStyle.headers.map {
                $0.hasPrefix("anthropic-version") ? "anthropic-version: 2026-10-21" : $0
            }
            #expect(try await send(sdkStyle, to: simulator).status == 200)
            var noVersion = ProviderCall.anthropic()
            noVersion.headers.removeAll { $0.hasPrefix("anthropic-version") }
            #expect(try await send(noVersion, to: simulator).status == 200)
            #expect(try await send(.gemini(), to: simulator).status == 200)
            #expect(try await send(.gemini(keyInQuery: true), to: simulator).status == 200)
            #expect(try await sendStream(.gemini(stream: true, keyInQuery: true), to: simulator).head.status == 200)
            #expect(simulator.stats().count(fault: SimulatedFault.none) == 8)
        }
    }

    @Test func missingKeyGetsEachProvidersOwnError() async throws {
        try await withSimulator { simulator in
            let openai = try await send(.openAI(key: nil), to: simulator)
            #expect(openai.status == 401)
            #expect(openai.text == ErrorReplies.fixture(.openai, 401)?.body)
            let anthropic = try await send(.anthropic(key: nil), to: simulator)
            #expect(anthropic.status == 401)
            #expect(try jsonObject(anthropic.body)["type"] as? String == "error")
            let google = try await send(.gemini(key: nil), to: simulator)
            #expect(google.status == 403)
            #expect(google.text.contains("PERMISSION_DENIED"))
            #expect(google.text == ErrorReplies.fixture(.google, 403)?.body)
            #expect(simulator.stats().count(fault: .auth) == 3)
        }
    }

    @Test func invalidKeyGetsTheProvidersInvalidKeyError() async throws {
        try await withSimulator { simulator in
            let openai = try await send(.openAI(key: "sk-invalid-0000"), to: simulator)
            #expect(openai.status == 401)
            #expect(openai.text.contains("invalid_api_key"))
            let anthropic = try await send(.anthropic(key: "sk-ant-invalid", useBearer: true), to: simulator)
            #expect(anthropic.status == 401)
            #expect(anthropic.text.contains("authentication_error"))
            let google = try await send(.gemini(key: "AIza-invalid"), to: simulator)
            #expect(google.status == 400)
            #expect(google.text == ErrorReplies.fixture(.google, ErrorStatus(400, variant: "api_key_invalid"))?.body)
            #expect(simulator.stats().count(status: 401, fault: .auth) == 2)
            #expect(simulator.stats().count(provider: .google, status: 400, fault: .auth) == 1)
        }
    }

    @Test func acceptsOnlyListedKeysWhenTheScenarioNamesThem() async throws {
        let scenario = Scenario(providers: [.openai: ProviderScenario(validKeys: ["sk-good"])])
        try await withSimulator(scenario) { (simulator: ProviderSimulator) async throws in
            #expect(try await send(.openAI(key: "sk-good"), to: simulator).status == 200)
            #expect(try await send(.openAI(key: "sk-other"), to: simulator).status == 401)
        }
    }

    @Test func unknownModelGetsTheProviders404WhenModelsAreListed() async throws {
        let scenario = Scenario(providers: [.google: ProviderScenario(knownModels: ["gemini-2.5-flash"])])
        try await withSimulator(scenario) { simulator in
            #expect(try await send(.gemini(), to: simulator).status == 200)
            let missing = try await send(.gemini(model: "gemini-nonexistent"), to: simulator)
            #expect(missing.status == 404)
            #expect(missing.text == ErrorReplies.fixture(.google, 404)?.body)
            #expect(simulator.stats().count(provider: .google, status: 404, fault: .notFound) == 1)
        }
    }
}

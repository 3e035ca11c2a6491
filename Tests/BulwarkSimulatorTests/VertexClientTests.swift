import Bulwark
import BulwarkSimulator
import Foundation
import Testing
import _CryptoExtras

/// The resilient client's `vertex` providers against the real simulator over loopback: a service-account
/// key signed into a JWT, exchanged at the simulator's token endpoint, the token sent as a bearer token
/// to the Vertex AI routes; Gemini's safety settings applied by the simulator end to end.
@Suite(.serialized) struct VertexClientTests {
    static let prompt = "Say hello"

    /// A started simulator trusting `trusted` for JWTs, and a key file signed with `signer` whose
    /// token_uri is the simulator's.
    struct Setup {
        let simulator: ProviderSimulator
        let keyFile: String
        let transport = AsyncHTTPClientTransport()

        func provider(name: String = "vertex", safety: [GeminiSafetySetting] = []) -> ProviderConfiguration {
            var provider = ProviderConfiguration(name: name, kind: .vertex, model: "gemini-2.5-pro", baseURL: simulator.baseURL, maxRetries: 0)
            provider.project = "test-project"
            provider.location = "europe-west4"
            provider.credentialsFile = keyFile
            provider.safetySettings = safety
            return provider
        }

        func client(_ providers: [ProviderConfiguration], environment: [String: String] = [:]) throws -> ResilientClient {
            var configuration = BulwarkConfiguration(providers: providers)
            configuration.retry.baseDelay = 0.01
            configuration.retry.maxDelay = 0.02
            return try ResilientClient(configuration: configuration, environment: environment, transport: transport)
        }

        func stop() async {
            await transport.shutdown()
            await simulator.stop()
        }
    }

    static func setUp(scenario: Scenario = .healthy, signedWithTheTrustedKey: Bool = true) throws -> Setup {
        let trusted = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let signer = signedWithTheTrustedKey ? trusted : try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let simulator = try ProviderSimulator(scenario: scenario, seed: 7, vertexPublicKeyPEM: trusted.publicKey.pemRepresentation)
        try simulator.start()
        let file = try VertexTokenTests.keyFile(signer, tokenURI: "\(simulator.baseURL)/oauth2/token")
        return Setup(simulator: simulator, keyFile: file)
    }

    @Test func answersWithABearerTokenTheSimulatorIssued() async throws {
        let setup = try Self.setUp()
        let client = try setup.client([setup.provider()])
        let response = try await client.complete(ChatRequest(messages: [.user(Self.prompt)]))
        #expect(response.provider == "vertex")
        #expect(response.result.text == setup.simulator.expectedCompletion(for: .google, prompt: Self.prompt).text)
        // A second request reuses the cached token; both reached the Vertex route as Gemini requests.
        _ = try await client.complete(ChatRequest(messages: [.user(Self.prompt)]))
        let stats = setup.simulator.stats()
        #expect(stats.count(provider: .google, status: 200) == 2)
        #expect(stats.count(fault: .auth) == 0)
        await client.shutdown()
        await setup.stop()
    }

    @Test func aRevokedTokenIsDroppedAfterIts401AndTheNextRequestExchangesAgain() async throws {
        let setup = try Self.setUp()
        let client = try setup.client([setup.provider()])
        _ = try await client.complete(ChatRequest(messages: [.user(Self.prompt)]))
        setup.simulator.revokeVertexAccessTokens()
        do {
            _ = try await client.complete(ChatRequest(messages: [.user(Self.prompt)]))
            Issue.record("a revoked token answered")
        } catch {
            #expect(error.lastError?.statusCode == 401)
        }
        // The cached token was dropped: this request exchanges the JWT again and is served.
        do {
            let response = try await client.complete(ChatRequest(messages: [.user(Self.prompt)]))
            #expect(response.provider == "vertex")
        } catch {
            Issue.record("the request after the 401 failed: \(error)")
        }
        let stats = setup.simulator.stats()
        #expect(stats.count(provider: .google, status: 200) == 2)
        #expect(stats.count(provider: .google, status: 401, fault: .auth) == 1)
        await client.shutdown()
        await setup.stop()
    }

    @Test func streamsOverVertex() async throws {
        let setup = try Self.setUp()
        let client = try setup.client([setup.provider()])
        var text = ""
        var final: ResilientResponse?
        for try await update in client.stream(ChatRequest(messages: [.user(Self.prompt)])) {
            switch update {
            case .text(let delta): text += delta
            case .completed(let response): final = response
            }
        }
        #expect(final?.provider == "vertex")
        #expect(text == setup.simulator.expectedCompletion(for: .google, prompt: Self.prompt).text)
        #expect(setup.simulator.stats().count(provider: .google, status: 200) == 1)
        await client.shutdown()
        await setup.stop()
    }

    @Test func aWrongKeyIsAnAuthenticationErrorNamingTheFileAndTheChainMovesOn() async throws {
        let setup = try Self.setUp(signedWithTheTrustedKey: false)
        let google = ProviderConfiguration(
            name: "google", kind: .google, model: "gemini-3-pro", baseURL: setup.simulator.baseURL, priority: 1, maxRetries: 0)
        let client = try setup.client(
            [setup.provider(), google], environment: ["GOOGLE_API_KEY": "AIzaSy-Bulwark_Demo-Simulated_Key-00000"])
        let answered = try await client.complete(ChatRequest(messages: [.user(Self.prompt)]))
        #expect(answered.provider == "google" && answered.usedFallback && answered.attempts == 2)

        let alone = try setup.client([setup.provider()])
        do {
            _ = try await alone.complete(ChatRequest(messages: [.user(Self.prompt)]))
            Issue.record("a refused key answered")
        } catch {
            let failure = try #require(error.lastError)
            #expect(failure.errorType == .authentication)
            #expect(failure.statusCode == 0)
            #expect(failure.message.contains(setup.keyFile), "\(failure.message)")
            #expect(failure.message.contains("Invalid JWT Signature"), "\(failure.message)")
            #expect(!error.description.contains("PRIVATE KEY"))
            #expect(error.failures.count == 1, "authentication is not retried")
        }
        // The refused key never reached a Vertex route.
        #expect(setup.simulator.stats().count(provider: .google) == 1)
        await client.shutdown()
        await alone.shutdown()
        await setup.stop()
    }

    @Test func aTokenTheSimulatorNeverIssuedGets401Unauthenticated() async throws {
        let setup = try Self.setUp()
        var provider = setup.provider()
        provider.credentialsFile = nil
        provider.accessTokenEnvironmentVariable = "VERTEX_TOKEN"
        let client = try setup.client([provider], environment: ["VERTEX_TOKEN": "ya29.made-up-token"])
        do {
            _ = try await client.complete(ChatRequest(messages: [.user(Self.prompt)]))
            Issue.record("an unknown token answered")
        } catch {
            let failure = try #require(error.lastError)
            #expect(failure.errorType == .authentication)
            #expect(failure.statusCode == 401)
            #expect(failure.providerErrorType == "UNAUTHENTICATED")
            #expect(!error.description.contains("made-up-token"))
        }
        #expect(setup.simulator.stats().count(provider: .google, status: 401, fault: .auth) == 1)
        // The same provider with a token the simulator issued is served.
        let issued = try setup.client([provider], environment: ["VERTEX_TOKEN": setup.simulator.issueVertexAccessToken()])
        _ = try await issued.complete(ChatRequest(messages: [.user(Self.prompt)]))
        await client.shutdown()
        await issued.shutdown()
        await setup.stop()
    }

    @Test func safetySettingsAreAppliedAndTheBlockReasonSurvives() async throws {
        let scenario = Scenario(providers: [
            .google: ProviderScenario(faults: [
                .safetyBlock(SafetyBlock(category: "HARM_CATEGORY_HARASSMENT", probability: "MEDIUM", stage: .prompt)),
                .safetyBlock(SafetyBlock(category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", stage: .response)),
            ])
        ])
        let setup = try Self.setUp(scenario: scenario)
        // No safety settings: the filters are off, the request is answered.
        let permissive = try setup.client([setup.provider()])
        _ = try await permissive.complete(ChatRequest(messages: [.user(Self.prompt)]))
        // Harassment blocked from MEDIUM: the prompt is refused, the reason and rating kept.
        let strict = try setup.client([setup.provider(safety: [GeminiSafetySetting(category: .harassment, threshold: .blockMediumAndAbove)])])
        do {
            _ = try await strict.complete(ChatRequest(messages: [.user(Self.prompt)]))
            Issue.record("a blocked prompt answered")
        } catch {
            #expect(error.code == .requestRejected)
            let failure = try #require(error.lastError)
            #expect(failure.errorType == .contentFiltered)
            #expect(failure.providerErrorType == "SAFETY")
            #expect(failure.message == "Gemini blocked the prompt (blockReason SAFETY: HARM_CATEGORY_HARASSMENT rated MEDIUM)")
        }
        // Only HIGH harassment blocked: the MEDIUM rating passes.
        let lenient = try setup.client([setup.provider(safety: [GeminiSafetySetting(category: .harassment, threshold: .blockOnlyHigh)])])
        _ = try await lenient.complete(ChatRequest(messages: [.user(Self.prompt)]))
        // Dangerous content blocked at any level, in a stream: the answer is withheld.
        let dangerous = try setup.client([setup.provider(safety: [GeminiSafetySetting(category: .dangerousContent, threshold: .blockLowAndAbove)])])
        do {
            for try await _ in dangerous.stream(ChatRequest(messages: [.user(Self.prompt)])) {}
            Issue.record("a withheld stream completed")
        } catch {
            let failure = try #require((error as? ResilientClientError)?.lastError)
            #expect(failure.errorType == .contentFiltered)
            #expect(failure.message == "Gemini blocked the response (finishReason SAFETY: HARM_CATEGORY_DANGEROUS_CONTENT rated HIGH)")
        }
        let stats = setup.simulator.stats()
        #expect(stats.count(provider: .google, status: 200, fault: .safetyBlock) == 2)
        #expect(stats.count(provider: .google, status: 200, fault: SimulatedFault.none) == 2)
        for client in [permissive, strict, lenient, dangerous] { await client.shutdown() }
        await setup.stop()
    }
}

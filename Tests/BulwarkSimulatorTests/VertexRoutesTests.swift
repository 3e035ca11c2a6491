import Foundation
import BulwarkHTTPServer
import Testing

@testable import BulwarkSimulator

/// The simulator's Vertex AI routes and its safety filter, as raw HTTP.
@Suite struct VertexRoutesTests {
    static func vertex(
        path: String = "/v1/projects/p-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent",
        token: String?, body: String = #"{"contents": [{"role": "user", "parts": [{"text": "Say hello."}]}]}"#
    ) -> ProviderCall {
        var headers = ["Content-Type: application/json"]
        if let token { headers.append("Authorization: Bearer \(token)") }
        return ProviderCall(path: path, headers: headers, body: Array(body.utf8))
    }

    @Test func answersIssuedTokensOnlyWithGooglesUnauthenticatedOtherwise() async throws {
        try await withSimulator { simulator in
            let unauthenticated = Array(try Data(contentsOf: providerWireDirectory().appendingPathComponent("google/errors/401.json")))
            for token in [nil, "ya29.never-issued", "AIzaSy-an-api-key-is-not-a-token-000000"] {
                let refused = try await send(Self.vertex(token: token), to: simulator)
                #expect(refused.status == 401, "\(token ?? "no token")")
                #expect(refused.body == unauthenticated)
            }
            let token = simulator.issueVertexAccessToken()
            let answered = try await send(Self.vertex(token: token), to: simulator)
            #expect(answered.status == 200)
            let json = try jsonObject(answered.body)
            #expect(json["modelVersion"] as? String == "gemini-2.5-pro")
            let stream = try await sendStream(
                Self.vertex(
                    path: "/v1beta1/projects/p-1/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
                    token: token),
                to: simulator)
            #expect(stream.text.hasPrefix("data: {\"candidates\""))
            let wrongPath = try await send(Self.vertex(path: "/v1/projects/p-1/models/gemini-2.5-pro:generateContent", token: token), to: simulator)
            #expect(wrongPath.status == 404)
            // Gemini API keys do not open the Vertex routes, nor tokens the Gemini routes.
            let stats = simulator.stats()
            #expect(stats.count(provider: .google, status: 401, fault: .auth) == 3)
            #expect(stats.count(provider: .google, status: 200) == 2)
        }
    }

    @Test func unknownSafetyCategoriesAndThresholdsAreA400() async throws {
        try await withSimulator { simulator in
            let token = simulator.issueVertexAccessToken()
            for settings in [
                #"[{"category": "HARM_CATEGORY_VIOLENCE", "threshold": "BLOCK_NONE"}]"#,
                #"[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_SOME"}]"#,
                #"[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}, {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}]"#,
            ] {
                let body = #"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "safetySettings": "# + settings + "}"
                let response = try await send(Self.vertex(token: token, body: body), to: simulator)
                #expect(response.status == 400, "\(settings)")
            }
        }
    }

    @Test func theSafetyBlockFollowsTheRequestsThreshold() async throws {
        let scenario = try Scenario(yaml: """
            providers:
              google:
                faults:
                  - {safety_block: HARM_CATEGORY_HATE_SPEECH, safety_probability: LOW, safety_stage: response}
            """)
        #expect(scenario[.google].faults == [.safetyBlock(SafetyBlock(category: "HARM_CATEGORY_HATE_SPEECH", probability: "LOW", stage: .response))])
        try await withSimulator(scenario) { simulator in
            func call(_ threshold: String?) async throws -> [String: Any] {
                let settings = threshold.map { #", "safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "\#($0)"}]"# } ?? ""
                let body = #"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]"# + settings + "}"
                let call = ProviderCall(
                    path: "/v1beta/models/gemini-2.5-flash:generateContent",
                    headers: ["Content-Type: application/json", "x-goog-api-key: AIzaSy-test-0123456789"], body: Array(body.utf8))
                let response = try await send(call, to: simulator)
                #expect(response.status == 200)
                return try jsonObject(response.body)
            }
            for threshold in [nil, "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF"] {
                let answer = try await call(threshold)
                let candidate = (answer["candidates"] as? [[String: Any]])?.first
                #expect(candidate?["finishReason"] as? String == "STOP", "\(threshold ?? "none")")
            }
            let blocked = try await call("BLOCK_LOW_AND_ABOVE")
            let candidate = try #require((blocked["candidates"] as? [[String: Any]])?.first)
            #expect(candidate["finishReason"] as? String == "SAFETY")
            #expect(candidate["content"] == nil)
            let ratings = try #require(candidate["safetyRatings"] as? [[String: Any]])
            #expect(ratings.first?["category"] as? String == "HARM_CATEGORY_HATE_SPEECH")
            #expect(ratings.first?["blocked"] as? Bool == true)
            #expect(simulator.stats().count(provider: .google, fault: .safetyBlock) == 1)
        }
    }

    @Test func safetyModifiersNeedASafetyBlock() {
        #expect(throws: (any Error).self) {
            try Scenario(yaml: "providers:\n  google:\n    faults:\n      - {status: 503, safety_stage: prompt}\n")
        }
        #expect(throws: (any Error).self) {
            try Scenario(yaml: "providers:\n  google:\n    faults:\n      - {safety_block: HARM_CATEGORY_VIOLENCE}\n")
        }
        #expect(throws: (any Error).self) {
            try Scenario(yaml: "providers:\n  google:\n    faults:\n      - {safety_block: HARM_CATEGORY_HARASSMENT, safety_probability: SOME}\n")
        }
    }
}

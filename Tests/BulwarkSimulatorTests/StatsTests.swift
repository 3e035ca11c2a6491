import Foundation
import BulwarkHTTPServer
import Testing

@testable import BulwarkSimulator

@Suite("Ground-truth counts")
struct StatsTests {
    @Test func countsEveryRequestByProviderStatusAndFaultAndServesThemAsJSON() async throws {
        let scenario = Scenario(
            name: "counted",
            providers: [
                .openai: ProviderScenario(faults: [.sequence([503]), .midStreamError(afterChunks: 1).limited(to: 1)]),
                .google: ProviderScenario(faults: [.htmlError(502).matching(model: "edge")]),
            ])
        try await withSimulator(scenario, seed: 77) { simulator in
            _ = try await send(.openAI(), to: simulator)  // 503 status
            _ = try await send(.openAI(), to: simulator)  // 200 none
            _ = try await sendStream(.openAI(stream: true), to: simulator)  // 200 mid_stream_error
            _ = try await sendStream(.openAI(stream: true), to: simulator)  // 200 none
            _ = try await send(.openAI(key: nil), to: simulator)  // 401 auth
            _ = try await send(.anthropic(), to: simulator)  // 200 none
            _ = try await send(.gemini(model: "edge"), to: simulator)  // 502 status
            let stats = simulator.stats()
            #expect(stats.total == 7)
            #expect(stats.count(provider: .openai) == 5)
            #expect(stats.count(provider: .openai, status: 200) == 3)
            #expect(stats.count(provider: .openai, status: 200, fault: .midStreamError) == 1)
            #expect(stats.count(provider: .openai, status: 503, fault: .status) == 1)
            #expect(stats.count(fault: .auth) == 1)
            #expect(stats.count(provider: .google, status: 502) == 1)
            #expect(stats.providers[.openai]?.streams == 2)
            let expected = simulator.expectedCompletion(for: .openai, prompt: "Say hello.")
            #expect(
                stats.providers[.openai]?.outputTokens == 2 * expected.outputTokens,
                "only complete answers count tokens")
            #expect(stats.providers[.openai]?.inputTokens == 20)

            let response = try await control("GET", "/simulator/stats", on: simulator)
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/json")
            let json = try jsonObject(response.body)
            #expect(json["scenario"] as? String == "counted")
            #expect(json["seed"] as? Int == 77)
            #expect(json["total"] as? Int == 7)
            let openai = try #require((json["providers"] as? [String: Any])?["openai"] as? [String: Any])
            #expect(openai["requests"] as? Int == 5)
            #expect((openai["by_status"] as? [String: Int]) == ["200": 3, "401": 1, "503": 1])
            #expect(
                (openai["by_fault"] as? [String: Int]) == ["none": 2, "mid_stream_error": 1, "status": 1, "auth": 1])
            let counts = try #require(json["counts"] as? [[String: Any]])
            #expect(counts.count == stats.counts.count)
            #expect(
                counts.contains {
                    $0["provider"] as? String == "google" && $0["status"] as? Int == 502 && $0["count"] as? Int == 1
                })
            let anthropic = try #require((json["providers"] as? [String: Any])?["anthropic"] as? [String: Any])
            #expect(anthropic["requests"] as? Int == 1)
        }
    }

    @Test func resetsOverHTTPOptionallyWithANewSeed() async throws {
        try await withSimulator(seed: 5) { simulator in
            _ = try await send(.openAI(), to: simulator)
            let reset = try await control("POST", "/simulator/reset?seed=6", on: simulator)
            #expect(reset.status == 200)
            #expect(try jsonObject(reset.body)["seed"] as? Int == 6)
            #expect(simulator.stats().total == 0)
            #expect(simulator.seed == 6)
            #expect(try await control("POST", "/simulator/reset?seed=minus", on: simulator).status == 400)
            let empty = try jsonObject(try await control("GET", "/simulator/stats", on: simulator).body)
            #expect((empty["counts"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func restartsOnAnotherPortAfterStop() async throws {
        let simulator = ProviderSimulator()
        try simulator.start()
        let first = simulator.port
        #expect(first > 0)
        #expect(simulator.baseURL == "http://127.0.0.1:\(first)")
        await simulator.stop()
        try simulator.start()
        #expect(try await send(.openAI(), to: simulator).status == 200)
        await simulator.stop()
    }
}

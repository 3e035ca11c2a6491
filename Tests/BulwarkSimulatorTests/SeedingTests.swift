import Foundation
import BulwarkHTTPServer
import Testing

@testable import BulwarkSimulator

@Suite("Seeded, repeatable runs")
struct SeedingTests {
    private static let chaos = Scenario(providers: [
        .openai: ProviderScenario(
            latency: .uniform(0, 5),
            faults: [.status(529, probability: 0.3), .status(503, probability: 0.2), .status(500, probability: 0.1)]
        ),
        .anthropic: ProviderScenario(faults: [.status(529, probability: 0.5)]),
    ])

    /// Status, request id and text of `count` OpenAI requests.
    private func transcript(_ simulator: ProviderSimulator, count: Int, interleaveAnthropic: Bool = false) async throws
        -> [String]
    {
        var lines: [String] = []
        for index in 0..<count {
            if interleaveAnthropic, index % 2 == 0 { _ = try await send(.anthropic(), to: simulator) }
            let response = try await send(.openAI(prompt: "prompt \(index % 3)"), to: simulator)
            var text = ""
            if response.status == 200 {
                let choices = try jsonObject(response.body)["choices"] as? [[String: Any]]
                text = (choices?.first?["message"] as? [String: Any])?["content"] as? String ?? ""
            }
            lines.append("\(response.status) \(response.headers["x-request-id"] ?? "-") \(text)")
        }
        return lines
    }

    @Test func repeatsTheSameFaultsIdsAndTextsForTheSameSeed() async throws {
        let first = try await withSimulator(Self.chaos, seed: 42) { try await transcript($0, count: 30) }
        let second = try await withSimulator(Self.chaos, seed: 42) { try await transcript($0, count: 30) }
        #expect(first == second)
        #expect(Set(first.map { $0.prefix(3) }).count >= 3, "the run mixes outcomes: \(first)")
    }

    @Test func differsForAnotherSeed() async throws {
        let first = try await withSimulator(Self.chaos, seed: 1) { try await transcript($0, count: 30) }
        let second = try await withSimulator(Self.chaos, seed: 2) { try await transcript($0, count: 30) }
        #expect(first.map { $0.prefix(3) } != second.map { $0.prefix(3) })
    }

    @Test func keepsEachProvidersFaultsIndependentOfOtherProvidersTraffic() async throws {
        let alone = try await withSimulator(Self.chaos, seed: 5) { try await transcript($0, count: 20) }
        let mixed = try await withSimulator(Self.chaos, seed: 5) {
            try await transcript($0, count: 20, interleaveAnthropic: true)
        }
        #expect(alone == mixed)
    }

    @Test func replaysTheRunAfterAResetWithTheSameSeed() async throws {
        try await withSimulator(Self.chaos, seed: 9) { simulator in
            let first = try await transcript(simulator, count: 15)
            let reset = try await control("POST", "/simulator/reset", on: simulator)
            #expect(reset.status == 200)
            #expect(simulator.stats().total == 0)
            #expect(try await transcript(simulator, count: 15) == first)
            simulator.reset(seed: 10)
            #expect(simulator.seed == 10)
            #expect(try await transcript(simulator, count: 15) != first)
        }
    }

    @Test func derivesTextFromTheSeedAndThePromptOnly() {
        let simulator = ProviderSimulator(seed: 3)
        let openai = simulator.expectedCompletion(for: .openai, prompt: "What is a circuit breaker?")
        let anthropic = simulator.expectedCompletion(for: .anthropic, prompt: "What is a circuit breaker?")
        #expect(openai.text == anthropic.text)
        #expect(openai.text != simulator.expectedCompletion(for: .openai, prompt: "Something else").text)
        #expect(
            openai.text
                != ProviderSimulator(seed: 4).expectedCompletion(for: .openai, prompt: "What is a circuit breaker?")
                .text)
        #expect((8...24).contains(openai.outputTokens))
        #expect(openai.text.hasSuffix("."))
        #expect(openai.text.first?.isUppercase == true)
    }

    @Test func generatorsAreStableAcrossRuns() {
        var generator = Xoshiro256(seed: 42)
        let values = (0..<3).map { _ in generator.next() }
        var again = Xoshiro256(seed: 42)
        #expect(values == (0..<3).map { _ in again.next() })
        var mixer = SplitMix64(seed: 0)
        #expect(mixer.next() == 0xE220_A839_7B1D_CDAF)
        #expect(StableHash.fnv1a("") == 0xCBF2_9CE4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xAF63_DC4C_8601_EC8C)
    }
}

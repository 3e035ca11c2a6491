import Foundation
import Bulwark
import Testing

@Suite("Pricing")
struct PricingTests {
    @Test func costIsPerMillionTokens() {
        let pricing = Pricing(inputPerMillion: 2.50, outputPerMillion: 10.00)
        #expect(pricing.cost(inputTokens: 1_000_000, outputTokens: 500_000) == 7.5)
        let expected: Double = (10 * 2.5 + 9 * 10) / 1_000_000
        #expect(pricing.cost(for: TokenUsage(inputTokens: 10, outputTokens: 9)) == expected)
    }

    @Test func unknownUsageCostsNothing() {
        #expect(Pricing(inputPerMillion: 3, outputPerMillion: 15).cost(for: nil) == 0)
    }

    @Test func parsedResponseUsageIsPriced() throws {
        let result = try OpenAIAdapter(endpoint: ProviderEndpoint(kind: .openai, model: "gpt-4o-mini"))
            .parseResponse(status: 200, headers: [:], body: Fixtures.bytes(.openai, "response.json"), now: anyNow)
        let cost = Pricing(inputPerMillion: 0.15, outputPerMillion: 0.60).cost(for: result.usage)
        #expect(abs(cost - 0.0000069) < 1e-12)
    }

    @Test func decodesConfigKeys() throws {
        let pricing = try JSONDecoder().decode(
            Pricing.self, from: Data(#"{"input_per_million": 2.5, "output_per_million": 10}"#.utf8))
        #expect(pricing == Pricing(inputPerMillion: 2.5, outputPerMillion: 10))
    }
}

@Suite("Fixtures")
struct FixtureLocationTests {
    @Test func fixtureDirectoryIsPresent() throws {
        let root = try Fixtures.directory()
        for kind in ProviderKind.withWireFixtures {
            #expect(
                FileManager.default.fileExists(atPath: root.appendingPathComponent(kind.rawValue).path),
                "\(kind.rawValue) fixtures")
        }
    }
}

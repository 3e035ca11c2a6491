/// A model's price, in US dollars per million tokens.
public struct Pricing: Sendable, Hashable, Codable {
    /// Dollars per million input tokens.
    public var inputPerMillion: Double
    /// Dollars per million output tokens.
    public var outputPerMillion: Double

    /// Creates a price.
    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    /// Cost in US dollars of the given token counts.
    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * inputPerMillion + Double(outputTokens) * outputPerMillion) / 1_000_000
    }

    /// Cost in US dollars of `usage`; 0 when usage is unknown.
    public func cost(for usage: TokenUsage?) -> Double {
        guard let usage else { return 0 }
        return cost(inputTokens: usage.inputTokens, outputTokens: usage.outputTokens)
    }

    enum CodingKeys: String, CodingKey {
        case inputPerMillion = "input_per_million"
        case outputPerMillion = "output_per_million"
    }
}

/// Gemini's safety filter, as a fault: the request is rated `probability` in `category` and is blocked,
/// at the prompt (`promptFeedback.blockReason: SAFETY`, no candidate) or in the response (a candidate
/// with `finishReason: SAFETY` and no text), when the request's own `safetySettings` threshold for that
/// category blocks that probability. Without a setting for the category the filter is off, as for
/// current Gemini models, so the block shows that the client's safety settings arrived and were applied.
///
/// Written `{safety_block: HARM_CATEGORY_HARASSMENT, safety_probability: MEDIUM, safety_stage: prompt}`
/// in scenario files (Gemini only; the other providers never match the rule).
public struct SafetyBlock: Sendable, Hashable {
    /// Where the block happens.
    public enum Stage: String, Sendable, Hashable, CaseIterable {
        /// The prompt is refused: `promptFeedback.blockReason`.
        case prompt
        /// The answer is withheld: the candidate's `finishReason: SAFETY`.
        case response
    }

    /// Gemini's probability levels, lowest first.
    public static let probabilities = ["NEGLIGIBLE", "LOW", "MEDIUM", "HIGH"]

    /// `HARM_CATEGORY_…`.
    public var category: String
    /// `NEGLIGIBLE`, `LOW`, `MEDIUM` or `HIGH`.
    public var probability: String
    /// Prompt or response.
    public var stage: Stage

    /// Creates a block; `probability` defaults to `HIGH`, `stage` to the prompt.
    public init(category: String, probability: String = "HIGH", stage: Stage = .prompt) {
        self.category = category
        self.probability = probability
        self.stage = stage
    }

    /// Whether a request with these `safetySettings` (category → threshold) is blocked.
    func blocks(_ thresholds: [String: String]) -> Bool {
        guard let level = Self.probabilities.firstIndex(of: probability) else { return false }
        switch thresholds[category] {
        case "BLOCK_LOW_AND_ABOVE"?: return level >= 1
        case "BLOCK_MEDIUM_AND_ABOVE"?: return level >= 2
        case "BLOCK_ONLY_HIGH"?: return level >= 3
        default: return false
        }
    }

    /// The categories and thresholds Gemini accepts in `safetySettings`; anything else is a `400`.
    static let knownCategories: Set<String> = [
        "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_CIVIC_INTEGRITY",
    ]
    static let knownThresholds: Set<String> = [
        "HARM_BLOCK_THRESHOLD_UNSPECIFIED", "BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH",
        "BLOCK_NONE", "OFF",
    ]

    /// The `safetyRatings` array, compact: the blocking category first with `"blocked": true`, the other
    /// categories `NEGLIGIBLE`.
    var ratingsJSON: String {
        let others = ["HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_HARASSMENT",
            "HARM_CATEGORY_SEXUALLY_EXPLICIT"].filter { $0 != category }
        let blocked = "{\"category\": \(JSONText.quoted(category)),\"probability\": \(JSONText.quoted(probability)),\"blocked\": true}"
        return "[" + ([blocked] + others.map { "{\"category\": \"\($0)\",\"probability\": \"NEGLIGIBLE\"}" })
            .joined(separator: ",") + "]"
    }
}

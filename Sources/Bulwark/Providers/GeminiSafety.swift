import BulwarkCore

/// A harm category of Gemini's adjustable safety filters (`HarmCategory`).
public enum GeminiHarmCategory: String, Sendable, Hashable, CaseIterable {
    case harassment = "HARM_CATEGORY_HARASSMENT"
    case hateSpeech = "HARM_CATEGORY_HATE_SPEECH"
    case sexuallyExplicit = "HARM_CATEGORY_SEXUALLY_EXPLICIT"
    case dangerousContent = "HARM_CATEGORY_DANGEROUS_CONTENT"
    case civicIntegrity = "HARM_CATEGORY_CIVIC_INTEGRITY"
}

/// The probability from which a category's content is blocked (`HarmBlockThreshold`).
public enum GeminiHarmBlockThreshold: String, Sendable, Hashable, CaseIterable {
    case blockLowAndAbove = "BLOCK_LOW_AND_ABOVE"
    case blockMediumAndAbove = "BLOCK_MEDIUM_AND_ABOVE"
    case blockOnlyHigh = "BLOCK_ONLY_HIGH"
    /// Rate the content but never block it.
    case blockNone = "BLOCK_NONE"
    /// Turn the filter off (no rating either).
    case off = "OFF"
}

/// One entry of `safety_settings` (google and vertex providers), sent as `safetySettings` in the body of
/// every request: `{"category": "HARM_CATEGORY_…", "threshold": "BLOCK_…"}`.
public struct GeminiSafetySetting: Sendable, Hashable {
    /// The filter adjusted.
    public var category: GeminiHarmCategory
    /// Its blocking threshold.
    public var threshold: GeminiHarmBlockThreshold

    /// Creates a setting.
    public init(category: GeminiHarmCategory, threshold: GeminiHarmBlockThreshold) {
        self.category = category
        self.threshold = threshold
    }
}

/// How a Gemini block (a refused prompt or a withheld candidate) is told in the `content_filtered` error.
enum GeminiSafety {
    /// What the `safetyRatings` of a prompt or candidate need to be read.
    static let ratingMembers = JSONSelection.members(["category": .all, "probability": .all, "blocked": .all])

    /// `Gemini blocked the prompt (blockReason SAFETY: HARM_CATEGORY_HARASSMENT rated MEDIUM)`, with
    /// Gemini's own message after it when it sent one. The reason is also the error's
    /// ``ProviderError/providerErrorType``.
    static func message(stage: String, field: String, reason: String?, providerMessage: String?, ratings: JSONValue?)
        -> String
    {
        var text = "Gemini blocked the \(stage) (\(field) \(reason ?? "unspecified")"
        if let rating = culprit(in: ratings) { text += ": \(rating)" }
        text += ")"
        if let providerMessage { text += ": \(providerMessage)" }
        return text
    }

    /// The rating that blocked (`blocked: true`), else the most probable one above `NEGLIGIBLE`, as
    /// `CATEGORY rated PROBABILITY`.
    static func culprit(in ratings: JSONValue?) -> String? {
        let entries = ratings?.array ?? []
        let rank = ["NEGLIGIBLE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3]
        let chosen = entries.first { $0["blocked"]?.bool == true }
            ?? entries.filter { (rank[$0["probability"]?.string ?? ""] ?? 0) > 0 }
            .max { (rank[$0["probability"]?.string ?? ""] ?? 0) < (rank[$1["probability"]?.string ?? ""] ?? 0) }
        guard let chosen, let category = chosen["category"]?.nonEmptyString else { return nil }
        return chosen["probability"]?.nonEmptyString.map { "\(category) rated \($0)" } ?? category
    }
}

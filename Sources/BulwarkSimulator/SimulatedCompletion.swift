/// The answer the simulator gives to a prompt: deterministic text derived from the seed and the prompt
/// (or the scenario's fixed ``ProviderScenario/reply``) and token counts computed from the request.
///
/// Tokens are estimated, not tokenized: input is `ceil(characters / 4)` per text plus a per-message
/// overhead (OpenAI and Anthropic: 3 + 4 per message, so `"Say hello."` is 10 tokens as in the fixtures;
/// Gemini: none); output is one token per word piece. A reply longer than the request's token cap
/// (`max_tokens`, `max_completion_tokens`, `maxOutputTokens`) is cut there and finishes with the
/// provider's length reason.
public struct SimulatedCompletion: Sendable, Equatable {
    /// The whole answer text.
    public var text: String
    /// The answer split into word pieces (each with its leading space), one output token each.
    public var pieces: [String]
    /// Input tokens as reported in usage.
    public var inputTokens: Int
    /// Output tokens as reported in usage (`pieces.count`).
    public var outputTokens: Int
    /// Whether the request's token cap cut the answer.
    public var isCutByMaxTokens: Bool

    /// Creates a completion from its parts.
    public init(pieces: [String], inputTokens: Int, isCutByMaxTokens: Bool = false) {
        self.pieces = pieces
        self.text = pieces.joined()
        self.inputTokens = inputTokens
        self.outputTokens = pieces.count
        self.isCutByMaxTokens = isCutByMaxTokens
    }

    /// The completion for `prompt` (the request's texts) under `script` and `seed`.
    static func make(
        provider: SimulatedProvider,
        prompt: PromptSummary,
        script: ProviderScenario,
        seed: UInt64
    ) -> SimulatedCompletion {
        var pieces: [String]
        if let reply = script.reply {
            pieces = ReplyText.pieces(of: reply)
        } else {
            pieces = ReplyText.generate(
                prompt: prompt.texts.joined(separator: "\n"), seed: seed, words: script.replyWords)
        }
        var isCut = false
        if let cap = prompt.maxTokens, cap >= 0, pieces.count > cap {
            pieces = Array(pieces.prefix(max(cap, 1)))
            isCut = true
        }
        return SimulatedCompletion(
            pieces: pieces,
            inputTokens: TokenEstimate.inputTokens(provider: provider, prompt: prompt),
            isCutByMaxTokens: isCut
        )
    }
}

/// The parts of a request the answer depends on.
struct PromptSummary: Sendable, Equatable {
    /// The texts of the system prompt and the messages, in order.
    var texts: [String]
    /// The number of messages (a system prompt counts as one).
    var messageCount: Int
    /// The request's output token cap.
    var maxTokens: Int?
}

enum TokenEstimate {
    static func tokens(in text: String) -> Int {
        (text.unicodeScalars.count + 3) / 4
    }

    static func inputTokens(provider: SimulatedProvider, prompt: PromptSummary) -> Int {
        let content = prompt.texts.reduce(0) { $0 + tokens(in: $1) }
        switch provider {
        case .openai, .anthropic: return 3 + 4 * prompt.messageCount + content
        case .google: return max(1, content)
        }
    }
}

/// Deterministic answer text.
enum ReplyText {
    private static let words = [
        "the", "request", "arrived", "safely", "and", "was", "answered", "by", "a", "simulated", "model",
        "that", "keeps", "its", "promises", "under", "load", "retries", "wait", "for", "capacity", "while",
        "streams", "carry", "tokens", "to", "patient", "clients", "every", "answer", "is", "repeatable",
        "given", "same", "seed", "prompt", "so", "tests", "can", "check", "text", "usage", "exactly",
        "resilient", "systems", "back", "off", "calmly", "when", "providers", "shed", "traffic", "circuits",
        "open", "close", "again", "after", "quiet", "period", "metrics", "record", "each", "attempt",
        "with", "latency", "status", "cost", "budgets", "stay", "within", "limits", "fallbacks", "take",
        "over", "gracefully", "nothing", "here", "real", "only", "deterministic", "prose", "from", "hash",
    ]

    /// Word pieces of a fixed text: the first word bare, later words with their leading space.
    static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character == " ", !current.isEmpty, !current.allSatisfy({ $0 == " " }) {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces.isEmpty ? [""] : pieces
    }

    /// Sentences of vocabulary words, chosen by a generator seeded from `seed` and `prompt`.
    static func generate(prompt: String, seed: UInt64, words range: ClosedRange<Int>) -> [String] {
        var generator = Xoshiro256(seed: seed ^ StableHash.fnv1a(prompt) ^ 0x5EED_7E47)
        let count = range.lowerBound + generator.nextInt(below: range.count)
        var pieces: [String] = []
        var sentenceLength = 0
        var sentenceTarget = 5 + generator.nextInt(below: 6)
        for index in 0..<count {
            var word = words[generator.nextInt(below: words.count)]
            if sentenceLength == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            sentenceLength += 1
            if index == count - 1 || sentenceLength == sentenceTarget {
                word += "."
                sentenceLength = 0
                sentenceTarget = 5 + generator.nextInt(below: 6)
            }
            pieces.append(index == 0 ? word : " " + word)
        }
        return pieces
    }
}

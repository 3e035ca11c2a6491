/// Token counts reported by a provider.
///
/// `outputTokens` counts everything billed as output: OpenAI's `completion_tokens` (reasoning included),
/// Anthropic's `output_tokens`, Gemini's `candidatesTokenCount + thoughtsTokenCount`. `inputTokens` is
/// OpenAI's `prompt_tokens`, Anthropic's `input_tokens` (cache reads and writes are not added), Gemini's
/// `promptTokenCount`.
public struct TokenUsage: Sendable, Hashable {
    /// Prompt tokens.
    public var inputTokens: Int
    /// Generated tokens.
    public var outputTokens: Int

    /// Creates a usage value.
    public init(inputTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    /// Input plus output.
    public var totalTokens: Int { inputTokens + outputTokens }
}

/// Why the model stopped, normalized across providers.
public enum FinishReason: Sendable, Hashable {
    /// Natural end or a stop sequence (`stop`, `end_turn`, `stop_sequence`, `STOP`).
    case stop
    /// The token limit was reached (`length`, `max_tokens`, `MAX_TOKENS`).
    case length
    /// A safety system withheld output (`content_filter`, `refusal`, `SAFETY`, `RECITATION`, …).
    case contentFiltered
    /// The model asked for a tool (`tool_calls`, `function_call`, `tool_use`).
    case toolCall
    /// Anything else, with the provider's string.
    case other(String)
}

/// A chat completion in one shape for every provider.
public struct ChatResult: Sendable, Hashable {
    /// The generated text (text parts concatenated; Gemini thought parts are left out).
    public var text: String
    /// Normalized finish reason, when the provider sent one.
    public var finishReason: FinishReason?
    /// The provider's own finish reason string (`stop`, `end_turn`, `STOP`, …).
    public var rawFinishReason: String?
    /// Token usage, when the provider reported it.
    public var usage: TokenUsage?
    /// The provider's response id (`chatcmpl-…`, `msg_…`, Gemini `responseId`).
    public var responseID: String?
    /// The model that answered, as the provider names it (OpenAI's dated snapshot, Gemini `modelVersion`).
    public var model: String?

    /// Creates a result.
    public init(
        text: String,
        finishReason: FinishReason? = nil,
        rawFinishReason: String? = nil,
        usage: TokenUsage? = nil,
        responseID: String? = nil,
        model: String? = nil
    ) {
        self.text = text
        self.finishReason = finishReason
        self.rawFinishReason = rawFinishReason
        self.usage = usage
        self.responseID = responseID
        self.model = model
    }
}

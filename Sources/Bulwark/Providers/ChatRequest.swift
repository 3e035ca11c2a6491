/// Who wrote a message of a conversation.
public enum ChatRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Instructions for the model. Anthropic receives them in the top-level `system` field and Gemini in
    /// `systemInstruction`; OpenAI keeps them in the message list.
    case system
    /// The user.
    case user
    /// The model (`model` on the Gemini wire).
    case assistant
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Hashable {
    /// Who wrote the message.
    public var role: ChatRole
    /// The message text.
    public var content: String

    /// Creates a message.
    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }

    /// A system message.
    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    /// A user message.
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    /// An assistant message.
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: .assistant, content: content) }
}

/// A provider-neutral chat request; each ``ProviderAdapter`` turns it into its provider's wire format.
public struct ChatRequest: Sendable, Hashable {
    /// The conversation, oldest first.
    public var messages: [ChatMessage]
    /// Upper bound on generated tokens. OpenAI: `max_completion_tokens`; Anthropic: `max_tokens`
    /// (required there, ``AnthropicAdapter/defaultMaxTokens`` when `nil`); Gemini:
    /// `generationConfig.maxOutputTokens`.
    public var maxTokens: Int?
    /// Sampling temperature; omitted from the body when `nil`.
    public var temperature: Double?
    /// Whether to ask for a server-sent-event stream.
    public var stream: Bool
    /// Overrides ``ProviderEndpoint/model`` for this request.
    public var model: String?
    /// Caller metadata. OpenAI receives it as `metadata`; Anthropic receives only the `user_id` entry
    /// (as `metadata.user_id`, the one key its API accepts); Gemini receives none of it.
    public var metadata: [String: String]?

    /// Creates a request.
    public init(
        messages: [ChatMessage],
        maxTokens: Int? = nil,
        temperature: Double? = nil,
        stream: Bool = false,
        model: String? = nil,
        metadata: [String: String]? = nil
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
        self.model = model
        self.metadata = metadata
    }
}

extension ChatRequest {
    /// Checks what every provider requires: at least one message, a positive token limit and a finite,
    /// non-negative temperature.
    func validateCommon() throws(ProviderError) {
        if messages.isEmpty {
            throw ProviderError.invalidRequest("messages: the request has no messages")
        }
        if let maxTokens, maxTokens <= 0 {
            throw ProviderError.invalidRequest("maxTokens: must be positive, got \(maxTokens)")
        }
        if let temperature, !temperature.isFinite || temperature < 0 {
            throw ProviderError.invalidRequest("temperature: must be a finite number >= 0, got \(temperature)")
        }
    }

    /// The system messages joined by a blank line, or `nil` when there are none.
    var joinedSystemPrompt: String? {
        let parts = messages.filter { $0.role == .system }.map(\.content)
        return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
    }
}

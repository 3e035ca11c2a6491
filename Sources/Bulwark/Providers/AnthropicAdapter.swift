public import Foundation
import BulwarkCore

/// Anthropic Messages: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`.
///
/// System messages are joined (blank line between) into the top-level `system` field; the other
/// messages must alternate user/assistant starting with user, which is checked before sending.
/// `max_tokens` is required by the API: ``defaultMaxTokens`` when the request has none.
public struct AnthropicAdapter: ProviderAdapter {
    public let endpoint: ProviderEndpoint

    /// `max_tokens` sent when ``ChatRequest/maxTokens`` is `nil`.
    public static let defaultMaxTokens = 4096

    /// `{base}/v1/messages`, or `{base}/messages` when the base already ends in `/v1`.
    public let messagesURL: String

    /// Creates an adapter.
    public init(endpoint: ProviderEndpoint) {
        self.endpoint = endpoint
        let base = endpoint.trimmedBaseURL
        messagesURL = base.hasSuffix("/v1") ? base + "/messages" : base + "/v1/messages"
    }

    /// Checks Anthropic's conversation rules: at least one non-system message, the first one from the
    /// user, then strict user/assistant alternation. The error names the offending `messages[i]` (an
    /// index into the request's own list, system messages included).
    public static func validateConversation(_ messages: [ChatMessage]) throws(ProviderError) {
        var previous: (index: Int, role: ChatRole)?
        for (index, message) in messages.enumerated() where message.role != .system {
            if let previous {
                if previous.role == message.role {
                    throw ProviderError.invalidRequest(
                        "messages[\(index)]: role \(message.role.rawValue) follows messages[\(previous.index)] with the "
                            + "same role; Anthropic requires user and assistant messages to alternate")
                }
            } else if message.role != .user {
                throw ProviderError.invalidRequest(
                    "messages[\(index)]: the first non-system message must have role user for Anthropic, not "
                        + message.role.rawValue)
            }
            previous = (index, message.role)
        }
        if previous == nil {
            throw ProviderError.invalidRequest(
                "messages: Anthropic needs at least one user message besides system messages")
        }
    }

    public func makeHTTPRequest(for request: ChatRequest, apiKey: String) throws(ProviderError) -> ProviderHTTPRequest {
        try request.validateCommon()
        try Self.validateConversation(request.messages)
        let key = try validatedAPIKey(apiKey)
        // Keys in sorted order, as `JSONValue.jsonBytes` writes them.
        var body = JSONObjectWriter()
        body.integer("max_tokens", request.maxTokens ?? Self.defaultMaxTokens)
        body.objects("messages", request.messages.lazy.filter { $0.role != .system }) { message, object in
            object.string("content", message.content)
            object.string("role", message.role.rawValue)
        }
        if let userID = request.metadata?["user_id"] { body.object("metadata") { $0.string("user_id", userID) } }
        body.string("model", model(for: request))
        if request.stream { body.bool("stream", true) }
        if let system = request.joinedSystemPrompt { body.string("system", system) }
        if let temperature = request.temperature { body.number("temperature", temperature) }
        let auth = [
            HTTPHeaderField(name: "x-api-key", value: key),
            HTTPHeaderField(name: "anthropic-version", value: endpoint.anthropicVersion),
        ]
        return ProviderHTTPRequest(
            method: "POST",
            url: messagesURL,
            headers: commonHeaders(auth: auth, stream: request.stream),
            body: body.finish(),
            expectsEventStream: request.stream)
    }

    public func parseResponse(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) throws(ProviderError)
        -> ChatResult
    {
        let json = try successJSON(status: status, headers: headers, body: body, now: now, selecting: Self.answerMembers)
        guard let content = json["content"]?.array else {
            throw malformed("content", status: status, headers: headers)
        }
        let rawFinishReason = json["stop_reason"]?.nonEmptyString
        let result = ChatResult(
            text: content.filter { $0["type"]?.string == "text" }.compactMap { $0["text"]?.string }.joined(),
            finishReason: rawFinishReason.map(Self.finishReason),
            rawFinishReason: rawFinishReason,
            usage: Self.usage(json["usage"]),
            responseID: json["id"]?.nonEmptyString,
            model: json["model"]?.nonEmptyString)
        if result.finishReason == .contentFiltered {
            throw contentFilteredError(
                code: rawFinishReason, message: nil, status: status, requestID: requestID(in: headers), partial: result)
        }
        return result
    }

    public func requestID(in headers: HTTPHeaderFields) -> String? {
        headers[AnthropicErrors.requestIDHeader]
    }

    /// Maps `stop_reason`.
    static func finishReason(_ raw: String) -> FinishReason {
        switch raw {
        case "end_turn", "stop_sequence": return .stop
        case "max_tokens", "model_context_window_exceeded": return .length
        case "refusal": return .contentFiltered
        case "tool_use": return .toolCall
        default: return .other(raw)
        }
    }

    /// `input_tokens` and `output_tokens` of a `usage` object.
    /// What ``parseResponse(status:headers:body:now:)`` reads of a message.
    static let answerMembers = JSONSelection.members([
        "id": .all, "model": .all, "error": .all, "stop_reason": .all,
        "usage": .members(["input_tokens": .all, "output_tokens": .all]),
        "content": .members(["type": .all, "text": .all]),
    ])

    static func usage(_ json: JSONValue?) -> TokenUsage? {
        guard let json, json.object != nil else { return nil }
        return TokenUsage(inputTokens: json["input_tokens"]?.int ?? 0, outputTokens: json["output_tokens"]?.int ?? 0)
    }
}

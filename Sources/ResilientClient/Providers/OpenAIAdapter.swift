public import Foundation

/// OpenAI Chat Completions: `POST {base}/chat/completions` with `Authorization: Bearer <key>`.
///
/// The body carries `model`, `messages` (system messages stay in the list), `max_completion_tokens`,
/// `temperature` and `metadata`; a streaming request adds `"stream": true` and
/// `"stream_options": {"include_usage": true}` so that the last chunk carries the usage.
public struct OpenAIAdapter: ProviderAdapter {
    public let endpoint: ProviderEndpoint

    /// Creates an adapter.
    public init(endpoint: ProviderEndpoint) {
        self.endpoint = endpoint
    }

    /// `{base}/chat/completions`; a base URL without a path gets `/v1` first.
    public var chatCompletionsURL: String {
        let base = endpoint.trimmedBaseURL
        return (base.urlPath.isEmpty ? base + "/v1" : base) + "/chat/completions"
    }

    struct Body: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        struct StreamOptions: Encodable {
            var includeUsage: Bool

            enum CodingKeys: String, CodingKey {
                case includeUsage = "include_usage"
            }
        }

        var model: String
        var messages: [Message]
        var maxCompletionTokens: Int?
        var temperature: Double?
        var stream: Bool?
        var streamOptions: StreamOptions?
        var metadata: [String: String]?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stream, metadata
            case maxCompletionTokens = "max_completion_tokens"
            case streamOptions = "stream_options"
        }
    }

    public func makeHTTPRequest(for request: ChatRequest, apiKey: String) throws(ProviderError) -> ProviderHTTPRequest {
        try request.validateCommon()
        let key = try validatedAPIKey(apiKey)
        let body = Body(
            model: model(for: request),
            messages: request.messages.map { Body.Message(role: $0.role.rawValue, content: $0.content) },
            maxCompletionTokens: request.maxTokens,
            temperature: request.temperature,
            stream: request.stream ? true : nil,
            streamOptions: request.stream ? Body.StreamOptions(includeUsage: true) : nil,
            metadata: request.metadata?.isEmpty == false ? request.metadata : nil)
        return ProviderHTTPRequest(
            method: "POST",
            url: chatCompletionsURL,
            headers: commonHeaders(
                auth: [HTTPHeaderField(name: "Authorization", value: "Bearer \(key)")], stream: request.stream),
            body: try encodeBody(body),
            expectsEventStream: request.stream)
    }

    public func parseResponse(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) throws(ProviderError)
        -> ChatResult
    {
        let json = try successJSON(status: status, headers: headers, body: body, now: now)
        guard let choices = json["choices"]?.array,
            let choice = choices.first(where: { $0["index"]?.int == 0 }) ?? choices.first
        else {
            throw malformed("choices", status: status, headers: headers)
        }
        let message = choice["message"]
        let rawFinishReason = choice["finish_reason"]?.nonEmptyString
        let result = ChatResult(
            text: Self.text(of: message?["content"]),
            finishReason: rawFinishReason.map(Self.finishReason),
            rawFinishReason: rawFinishReason,
            usage: Self.usage(json["usage"]),
            responseID: json["id"]?.nonEmptyString,
            model: json["model"]?.nonEmptyString)
        if let refusal = message?["refusal"]?.nonEmptyString {
            throw contentFilteredError(
                code: "refusal", message: refusal, status: status, requestID: requestID(in: headers), partial: result)
        }
        if result.finishReason == .contentFiltered {
            throw contentFilteredError(
                code: rawFinishReason, message: nil, status: status, requestID: requestID(in: headers), partial: result)
        }
        return result
    }

    public func requestID(in headers: HTTPHeaderFields) -> String? {
        headers[OpenAIErrors.requestIDHeader]
    }

    /// Maps `finish_reason`.
    static func finishReason(_ raw: String) -> FinishReason {
        switch raw {
        case "stop": return .stop
        case "length": return .length
        case "content_filter": return .contentFiltered
        case "tool_calls", "function_call": return .toolCall
        default: return .other(raw)
        }
    }

    /// `prompt_tokens` and `completion_tokens` of a `usage` object.
    static func usage(_ json: WireJSON?) -> TokenUsage? {
        guard let json, json.object != nil else { return nil }
        return TokenUsage(
            inputTokens: json["prompt_tokens"]?.int ?? 0, outputTokens: json["completion_tokens"]?.int ?? 0)
    }

    /// Message content: a string, or an array of `{"type": "text", "text": …}` parts.
    static func text(of content: WireJSON?) -> String {
        if let text = content?.string { return text }
        return (content?.array ?? []).compactMap { $0["text"]?.string }.joined()
    }
}

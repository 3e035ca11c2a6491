public import Foundation
import BulwarkCore

/// OpenAI Chat Completions: `POST {base}/chat/completions` with `Authorization: Bearer <key>`.
///
/// The body carries `model`, `messages` (system messages stay in the list), `max_completion_tokens`,
/// `temperature` and `metadata`; a streaming request adds `"stream": true` and
/// `"stream_options": {"include_usage": true}` so that the last chunk carries the usage.
public struct OpenAIAdapter: ProviderAdapter {
    public let endpoint: ProviderEndpoint
    /// `{base}/chat/completions`; a base URL without a path gets `/v1` first.
    public let chatCompletionsURL: String

    /// Creates an adapter.
    public init(endpoint: ProviderEndpoint) {
        self.endpoint = endpoint
        let base = endpoint.trimmedBaseURL
        chatCompletionsURL = (base.urlPath.isEmpty ? base + "/v1" : base) + "/chat/completions"
    }

    public func makeHTTPRequest(for request: ChatRequest, apiKey: String) throws(ProviderError) -> ProviderHTTPRequest {
        try request.validateCommon()
        let key = try validatedAPIKey(apiKey)
        // Keys in sorted order, as `JSONValue.jsonBytes` writes them.
        var body = JSONObjectWriter()
        if let maxTokens = request.maxTokens { body.integer("max_completion_tokens", maxTokens) }
        body.objects("messages", request.messages) { message, object in
            object.string("content", message.content)
            object.string("role", message.role.rawValue)
        }
        if let metadata = request.metadata, !metadata.isEmpty { body.value("metadata", .object(metadata.mapValues(JSONValue.string))) }
        body.string("model", model(for: request))
        if request.stream {
            body.bool("stream", true)
            body.object("stream_options") { $0.bool("include_usage", true) }
        }
        if let temperature = request.temperature { body.number("temperature", temperature) }
        return ProviderHTTPRequest(
            method: "POST",
            url: chatCompletionsURL,
            headers: commonHeaders(
                auth: [HTTPHeaderField(name: "Authorization", value: "Bearer \(key)")], stream: request.stream),
            body: body.finish(),
            expectsEventStream: request.stream)
    }

    public func parseResponse(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) throws(ProviderError)
        -> ChatResult
    {
        let json = try successJSON(status: status, headers: headers, body: body, now: now, selecting: Self.answerMembers)
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

    /// What ``parseResponse(status:headers:body:now:)`` reads of a completion.
    static let answerMembers = JSONSelection.members([
        "id": .all, "model": .all, "error": .all,
        "usage": .members(["prompt_tokens": .all, "completion_tokens": .all]),
        "choices": .members([
            "index": .all, "finish_reason": .all, "message": .members(["content": .all, "refusal": .all]),
        ]),
    ])

    /// `prompt_tokens` and `completion_tokens` of a `usage` object.
    static func usage(_ json: JSONValue?) -> TokenUsage? {
        guard let json, json.object != nil else { return nil }
        return TokenUsage(
            inputTokens: json["prompt_tokens"]?.int ?? 0, outputTokens: json["completion_tokens"]?.int ?? 0)
    }

    /// Message content: a string, or an array of `{"type": "text", "text": …}` parts.
    static func text(of content: JSONValue?) -> String {
        if let text = content?.string { return text }
        return (content?.array ?? []).compactMap { $0["text"]?.string }.joined()
    }
}

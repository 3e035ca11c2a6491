public import Foundation
import BulwarkCore

/// Gemini API: `POST {base}/{version}/models/{model}:generateContent`, or
/// `:streamGenerateContent?alt=sse` for streams, with `x-goog-api-key` (never the `?key=` query form,
/// which would put the key into URLs and logs).
///
/// Roles become `user` and `model`; system messages are joined into `systemInstruction`; `maxTokens` and
/// `temperature` go into `generationConfig`.
public struct GeminiAdapter: ProviderAdapter {
    public let endpoint: ProviderEndpoint
    /// The base URL with its version segment: the base's own (`…/v1beta`, `…/v1`) or
    /// ``ProviderEndpoint/geminiAPIVersion``.
    public let versionedBaseURL: String
    /// The configured model's URLs, unary and streaming, built once.
    private let configuredModelURLs: (unary: String, stream: String)

    /// Creates an adapter.
    public init(endpoint: ProviderEndpoint) {
        self.endpoint = endpoint
        let base = endpoint.trimmedBaseURL
        let lastSegment = base.urlPath.split(separator: "/").last.map(String.init) ?? ""
        versionedBaseURL = Self.isVersionSegment(lastSegment) ? base : base + "/" + endpoint.geminiAPIVersion
        configuredModelURLs = (
            Self.url(base: versionedBaseURL, model: endpoint.model, stream: false),
            Self.url(base: versionedBaseURL, model: endpoint.model, stream: true)
        )
    }

    /// The URL for `model`, streaming or not.
    public func url(model: String, stream: Bool) -> String {
        if model == endpoint.model { return stream ? configuredModelURLs.stream : configuredModelURLs.unary }
        return Self.url(base: versionedBaseURL, model: model, stream: stream)
    }

    private static func url(base versionedBaseURL: String, model: String, stream: Bool) -> String {
        var name = Substring(model)
        if name.hasPrefix("models/") { name = name.dropFirst("models/".count) }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let escaped = String(name).addingPercentEncoding(withAllowedCharacters: allowed) ?? String(name)
        return versionedBaseURL + "/models/" + escaped
            + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent")
    }

    static func isVersionSegment(_ segment: String) -> Bool {
        guard segment.hasPrefix("v"), segment.count > 1 else { return false }
        let rest = segment.dropFirst()
        let digits = rest.prefix(while: \.isASCIIDigitCharacter)
        guard !digits.isEmpty else { return false }
        var suffix = rest.dropFirst(digits.count)
        for word in ["alpha", "beta"] where suffix.hasPrefix(word) { suffix = suffix.dropFirst(word.count) }
        return suffix.allSatisfy(\.isASCIIDigitCharacter)
    }

    public func makeHTTPRequest(for request: ChatRequest, apiKey: String) throws(ProviderError) -> ProviderHTTPRequest {
        try request.validateCommon()
        let contents = request.messages.lazy.filter { $0.role != .system }
        if contents.isEmpty {
            throw ProviderError.invalidRequest(
                "messages: Gemini needs at least one user message besides system messages")
        }
        let key = try validatedAPIKey(apiKey)
        // Keys in sorted order, as `JSONValue.jsonBytes` writes them.
        var body = JSONObjectWriter()
        body.objects("contents", contents) { message, object in
            object.objects("parts", CollectionOfOne(message.content)) { text, part in part.string("text", text) }
            object.string("role", message.role == .assistant ? "model" : "user")
        }
        let temperature = request.temperature.flatMap { $0.isFinite ? $0 : nil }
        if temperature != nil || request.maxTokens != nil {
            body.object("generationConfig") { config in
                if let maxTokens = request.maxTokens { config.integer("maxOutputTokens", maxTokens) }
                if let temperature { config.number("temperature", temperature) }
            }
        }
        if let system = request.joinedSystemPrompt {
            body.object("systemInstruction") { instruction in
                instruction.objects("parts", CollectionOfOne(system)) { text, part in part.string("text", text) }
            }
        }
        return ProviderHTTPRequest(
            method: "POST",
            url: url(model: model(for: request), stream: request.stream),
            headers: commonHeaders(auth: [HTTPHeaderField(name: "x-goog-api-key", value: key)], stream: request.stream),
            body: body.finish(),
            expectsEventStream: request.stream)
    }

    public func parseResponse(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) throws(ProviderError)
        -> ChatResult
    {
        let json = try successJSON(status: status, headers: headers, body: body, now: now, selecting: Self.answerMembers)
        let candidate = json["candidates"]?[0]
        let blockReason = json["promptFeedback"]?["blockReason"]?.nonEmptyString
        guard candidate != nil || blockReason != nil else {
            throw malformed("candidates", status: status, headers: headers)
        }
        let rawFinishReason = candidate?["finishReason"]?.nonEmptyString
        let result = ChatResult(
            text: Self.text(of: candidate),
            finishReason: rawFinishReason.map(Self.finishReason),
            rawFinishReason: rawFinishReason,
            usage: Self.usage(json["usageMetadata"]),
            responseID: json["responseId"]?.nonEmptyString,
            model: json["modelVersion"]?.nonEmptyString)
        if let blockReason {
            throw contentFilteredError(
                code: blockReason, message: json["promptFeedback"]?["blockReasonMessage"]?.nonEmptyString,
                status: status, requestID: requestID(in: headers), partial: result)
        }
        if result.finishReason == .contentFiltered {
            throw contentFilteredError(
                code: rawFinishReason, message: candidate?["finishMessage"]?.nonEmptyString, status: status,
                requestID: requestID(in: headers), partial: result)
        }
        return result
    }

    public func requestID(in headers: HTTPHeaderFields) -> String? {
        headers["x-request-id"]
    }

    /// Maps `finishReason`.
    static func finishReason(_ raw: String) -> FinishReason {
        switch raw {
        case "STOP": return .stop
        case "MAX_TOKENS": return .length
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
            "IMAGE_PROHIBITED_CONTENT",
            "IMAGE_RECITATION":
            return .contentFiltered
        default: return .other(raw)
        }
    }

    /// `promptTokenCount` in, `candidatesTokenCount + thoughtsTokenCount` out (thinking is billed as output).
    /// What ``parseResponse(status:headers:body:now:)`` reads of a `GenerateContentResponse`.
    static let answerMembers = JSONSelection.members([
        "responseId": .all, "modelVersion": .all, "error": .all,
        "promptFeedback": .members(["blockReason": .all, "blockReasonMessage": .all]),
        "usageMetadata": .members(["promptTokenCount": .all, "candidatesTokenCount": .all, "thoughtsTokenCount": .all]),
        "candidates": .members([
            "finishReason": .all, "finishMessage": .all,
            "content": .members(["parts": .members(["text": .all, "thought": .all])]),
        ]),
    ])

    static func usage(_ json: JSONValue?) -> TokenUsage? {
        guard let json, json.object != nil else { return nil }
        return TokenUsage(
            inputTokens: json["promptTokenCount"]?.int ?? 0,
            outputTokens: (json["candidatesTokenCount"]?.int ?? 0) + (json["thoughtsTokenCount"]?.int ?? 0))
    }

    /// The text parts of a candidate, thought summaries left out.
    static func text(of candidate: JSONValue?) -> String {
        (candidate?["content"]?["parts"]?.array ?? [])
            .filter { $0["thought"]?.bool != true }
            .compactMap { $0["text"]?.string }
            .joined()
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}

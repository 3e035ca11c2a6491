public import Foundation
import BulwarkCore

/// Gemini API: `POST {base}/{version}/models/{model}:generateContent`, or
/// `:streamGenerateContent?alt=sse` for streams, with `x-goog-api-key` (never the `?key=` query form,
/// which would put the key into URLs and logs).
///
/// Gemini on Vertex AI (kind `vertex`) speaks the same bodies, streams and errors under
/// `{host}/{version}/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`,
/// authenticated with `Authorization: Bearer <OAuth2 access token>` (the credential passed in place of
/// the API key); see ``ProviderEndpoint/vertexRoot``.
///
/// Roles become `user` and `model`; system messages are joined into `systemInstruction`; `maxTokens` and
/// `temperature` go into `generationConfig`; the endpoint's ``ProviderEndpoint/safetySettings`` into
/// `safetySettings`.
public struct GeminiAdapter: ProviderAdapter {
    public let endpoint: ProviderEndpoint
    /// What `/models/{model}:…` is appended to: the base URL with its version segment (the base's own,
    /// `…/v1beta`, `…/v1`, or ``ProviderEndpoint/geminiAPIVersion``), and for Vertex AI the
    /// `/projects/{project}/locations/{location}/publishers/google` path after it.
    public let versionedBaseURL: String
    /// The configured model's URLs, unary and streaming, built once.
    private let configuredModelURLs: (unary: String, stream: String)

    /// Creates an adapter for a `google` or a `vertex` endpoint.
    public init(endpoint: ProviderEndpoint) {
        self.endpoint = endpoint
        let base = endpoint.kind == .vertex ? endpoint.vertexRoot : endpoint.trimmedBaseURL
        let lastSegment = base.urlPath.split(separator: "/").last.map(String.init) ?? ""
        var versioned = Self.isVersionSegment(lastSegment) ? base : base + "/" + endpoint.geminiAPIVersion
        if endpoint.kind == .vertex {
            versioned += "/projects/" + Self.escaped(endpoint.vertexProject ?? "") + "/locations/"
                + Self.escaped(endpoint.vertexLocation ?? "") + "/publishers/google"
        }
        versionedBaseURL = versioned
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
        return versionedBaseURL + "/models/" + escaped(String(name))
            + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent")
    }

    /// A path segment, percent-encoded but for unreserved characters.
    private static func escaped(_ segment: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
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
        let auth: HTTPHeaderField
        if endpoint.kind == .vertex {
            auth = HTTPHeaderField(name: "Authorization", value: "Bearer " + (try validatedAccessToken(apiKey)))
        } else {
            auth = HTTPHeaderField(name: "x-goog-api-key", value: try validatedAPIKey(apiKey))
        }
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
        if !endpoint.safetySettings.isEmpty {
            body.objects("safetySettings", endpoint.safetySettings) { setting, object in
                object.string("category", setting.category.rawValue)
                object.string("threshold", setting.threshold.rawValue)
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
            headers: commonHeaders(auth: [auth], stream: request.stream),
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
            let feedback = json["promptFeedback"]
            throw contentFilteredError(
                code: blockReason,
                message: GeminiSafety.message(
                    stage: "prompt", field: "blockReason", reason: blockReason,
                    providerMessage: feedback?["blockReasonMessage"]?.nonEmptyString, ratings: feedback?["safetyRatings"]),
                status: status, requestID: requestID(in: headers), partial: result)
        }
        if result.finishReason == .contentFiltered {
            throw contentFilteredError(
                code: rawFinishReason,
                message: GeminiSafety.message(
                    stage: "response", field: "finishReason", reason: rawFinishReason,
                    providerMessage: candidate?["finishMessage"]?.nonEmptyString, ratings: candidate?["safetyRatings"]),
                status: status, requestID: requestID(in: headers), partial: result)
        }
        return result
    }

    public func requestID(in headers: HTTPHeaderFields) -> String? {
        headers["x-request-id"]
    }

    /// The access token without surrounding whitespace; throws `authentication` when it is empty or
    /// holds control characters (the message never shows the token).
    private func validatedAccessToken(_ token: String) throws(ProviderError) -> String {
        let trimmed = token.trimmingASCIIWhitespace()
        if trimmed.isEmpty || trimmed.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw ProviderError(
                errorType: .authentication, statusCode: 0,
                message: "no usable OAuth2 access token for provider \(endpoint.name) (empty or with control characters)")
        }
        return trimmed
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
        "promptFeedback": .members([
            "blockReason": .all, "blockReasonMessage": .all, "safetyRatings": GeminiSafety.ratingMembers,
        ]),
        "usageMetadata": .members(["promptTokenCount": .all, "candidatesTokenCount": .all, "thoughtsTokenCount": .all]),
        "candidates": .members([
            "finishReason": .all, "finishMessage": .all, "safetyRatings": GeminiSafety.ratingMembers,
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

import Foundation

/// What the simulator needs from a provider request body.
struct ParsedRequest: Sendable, Equatable {
    var model: String
    var isStream: Bool
    /// OpenAI `stream_options.include_usage`.
    var includeUsage = false
    /// OpenAI `stream_options.include_obfuscation` (default `true`).
    var includeObfuscation = true
    var prompt: PromptSummary
    /// Gemini `safetySettings`: category → threshold.
    var safetyThresholds: [String: String] = [:]
}

/// Reads request bodies the way the providers validate them, loosely: a body the real API would accept
/// is accepted; one it would reject with `400` (not JSON, no model, no messages, a bad role, no
/// `max_tokens` for Anthropic) yields `nil`.
enum RequestParsing {
    private static let openAIRoles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]

    static func openAI(_ body: [UInt8]) -> ParsedRequest? {
        guard let object = jsonObject(body),
            let model = object["model"] as? String, !model.isEmpty,
            let messages = object["messages"] as? [Any], !messages.isEmpty
        else { return nil }
        var texts: [String] = []
        for case let message as [String: Any] in messages {
            guard let role = message["role"] as? String, openAIRoles.contains(role) else { return nil }
            texts.append(contentsOf: textParts(message["content"]))
        }
        guard messages.allSatisfy({ $0 is [String: Any] }) else { return nil }
        let options = object["stream_options"] as? [String: Any]
        return ParsedRequest(
            model: model,
            isStream: flag(object["stream"]) ?? false,
            includeUsage: flag(options?["include_usage"]) ?? false,
            includeObfuscation: flag(options?["include_obfuscation"]) ?? true,
            prompt: PromptSummary(
                texts: texts,
                messageCount: messages.count,
                maxTokens: integer(object["max_completion_tokens"]) ?? integer(object["max_tokens"])
            )
        )
    }

    static func anthropic(_ body: [UInt8]) -> ParsedRequest? {
        guard let object = jsonObject(body),
            let model = object["model"] as? String, !model.isEmpty,
            let maxTokens = integer(object["max_tokens"]), maxTokens >= 1,
            let messages = object["messages"] as? [Any], !messages.isEmpty
        else { return nil }
        var texts = textParts(object["system"])
        let systemCount = texts.isEmpty ? 0 : 1
        for message in messages {
            guard let message = message as? [String: Any], let role = message["role"] as? String,
                role == "user" || role == "assistant"
            else { return nil }
            texts.append(contentsOf: textParts(message["content"]))
        }
        return ParsedRequest(
            model: model,
            isStream: flag(object["stream"]) ?? false,
            prompt: PromptSummary(texts: texts, messageCount: messages.count + systemCount, maxTokens: maxTokens)
        )
    }

    static func gemini(_ body: [UInt8], model: String, isStream: Bool) -> ParsedRequest? {
        guard let object = jsonObject(body), let contents = object["contents"] as? [Any], !contents.isEmpty else {
            return nil
        }
        var texts: [String] = []
        if let system = (object["systemInstruction"] ?? object["system_instruction"]) as? [String: Any] {
            texts.append(contentsOf: geminiParts(system))
        }
        for content in contents {
            guard let content = content as? [String: Any] else { return nil }
            texts.append(contentsOf: geminiParts(content))
        }
        let config = (object["generationConfig"] ?? object["generation_config"]) as? [String: Any]
        // Unknown categories or thresholds, or a category set twice, are the API's 400 INVALID_ARGUMENT.
        var thresholds: [String: String] = [:]
        if let settings = object["safetySettings"] ?? object["safety_settings"] {
            guard let list = settings as? [Any] else { return nil }
            for entry in list {
                guard let entry = entry as? [String: Any], let category = entry["category"] as? String,
                    let threshold = entry["threshold"] as? String, SafetyBlock.knownCategories.contains(category),
                    SafetyBlock.knownThresholds.contains(threshold), thresholds[category] == nil
                else { return nil }
                thresholds[category] = threshold
            }
        }
        return ParsedRequest(
            model: model,
            isStream: isStream,
            prompt: PromptSummary(
                texts: texts,
                messageCount: contents.count,
                maxTokens: integer(config?["maxOutputTokens"] ?? config?["max_output_tokens"])
            ),
            safetyThresholds: thresholds
        )
    }

    private static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        guard !body.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// The texts of a string or of an array of `{type: "text", text}` parts.
    private static func textParts(_ value: Any?) -> [String] {
        if let text = value as? String { return [text] }
        guard let parts = value as? [Any] else { return [] }
        return parts.compactMap { part in
            if let text = part as? String { return text }
            return (part as? [String: Any])?["text"] as? String
        }
    }

    private static func geminiParts(_ content: [String: Any]) -> [String] {
        guard let parts = content["parts"] as? [Any] else { return [] }
        return parts.compactMap { ($0 as? [String: Any])?["text"] as? String }
    }

    private static func flag(_ value: Any?) -> Bool? {
        if let bool = value as? Bool { return bool }
        return nil
    }

    private static func integer(_ value: Any?) -> Int? {
        if let int = value as? Int { return int }
        if let double = value as? Double, double.rounded() == double { return Int(double) }
        return nil
    }
}

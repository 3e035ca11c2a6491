/// JSON text helpers: the simulator writes bodies by hand so that field order and spacing follow the
/// fixtures exactly.
enum JSONText {
    /// `text` as a quoted JSON string.
    static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

/// Everything a success body needs, decided before the first byte is written.
struct ReplyContext: Sendable {
    var model: String
    var completion: SimulatedCompletion
    /// The answer grouped into stream content chunks.
    var chunks: [String]
    /// Output tokens in each chunk.
    var chunkTokens: [Int]
    var responseID: String
    var requestID: String
    var fingerprint: String
    /// Unix seconds for OpenAI's `created`.
    var created: Int
    var includeUsage: Bool
    /// OpenAI obfuscation padding, one per chunk event (empty when turned off).
    var obfuscation: [String]
    var ping: Bool
    var thinkingTokens: Int
    /// Gemini: the safety filter blocked the prompt or the answer.
    var safetyBlock: SafetyBlock? = nil
}

/// A stream in three parts: events before the content, one event per content chunk, and the events that
/// finish it. Faults strike between content events.
struct StreamScript: Sendable {
    var preamble: [String]
    var content: [String]
    var epilogue: [String]
    /// The latest content position a fault can take so that the finishing events never go out.
    var lastFaultPosition: Int
}

enum OpenAIWire {
    static func completion(_ context: ReplyContext) -> String {
        let usage = context.completion
        return """
            {
              "id": \(JSONText.quoted(context.responseID)),
              "object": "chat.completion",
              "created": \(context.created),
              "model": \(JSONText.quoted(context.model)),
              "choices": [
                {
                  "index": 0,
                  "message": {
                    "role": "assistant",
                    "content": \(JSONText.quoted(usage.text)),
                    "refusal": null,
                    "annotations": []
                  },
                  "logprobs": null,
                  "finish_reason": "\(finishReason(context))"
                }
              ],
              "usage": {
                "prompt_tokens": \(usage.inputTokens),
                "completion_tokens": \(usage.outputTokens),
                "total_tokens": \(usage.inputTokens + usage.outputTokens),
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
              },
              "service_tier": "default",
              "system_fingerprint": \(JSONText.quoted(context.fingerprint))
            }

            """
    }

    static func stream(_ context: ReplyContext) -> StreamScript {
        var obfuscation = context.obfuscation.makeIterator()
        func chunk(choices: String, usage: String? = nil) -> String {
            var json =
                "{\"id\":\(JSONText.quoted(context.responseID)),\"object\":\"chat.completion.chunk\","
                + "\"created\":\(context.created),\"model\":\(JSONText.quoted(context.model)),"
                + "\"service_tier\":\"default\",\"system_fingerprint\":\(JSONText.quoted(context.fingerprint)),"
                + "\"choices\":\(choices)"
            if context.includeUsage { json += ",\"usage\":\(usage ?? "null")" }
            if let padding = obfuscation.next() { json += ",\"obfuscation\":\(JSONText.quoted(padding))" }
            return "data: \(json)}\n\n"
        }
        func choice(delta: String, finish: String?) -> String {
            "[{\"index\":0,\"delta\":\(delta),\"logprobs\":null,\"finish_reason\":\(finish.map { "\"\($0)\"" } ?? "null")}]"
        }
        let preamble = [
            chunk(choices: choice(delta: "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", finish: nil))
        ]
        let content = context.chunks.map { text in
            chunk(choices: choice(delta: "{\"content\":\(JSONText.quoted(text))}", finish: nil))
        }
        var epilogue = [chunk(choices: choice(delta: "{}", finish: finishReason(context)))]
        if context.includeUsage {
            let usage = context.completion
            epilogue.append(
                chunk(
                    choices: "[]",
                    usage: "{\"prompt_tokens\":\(usage.inputTokens),\"completion_tokens\":\(usage.outputTokens),"
                        + "\"total_tokens\":\(usage.inputTokens + usage.outputTokens),"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                        + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                        + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}"
                )
            )
        }
        epilogue.append("data: [DONE]\n\n")
        return StreamScript(preamble: preamble, content: content, epilogue: epilogue, lastFaultPosition: content.count)
    }

    /// Chunk events in a stream (for drawing the obfuscation padding up front).
    static func eventCount(chunks: Int, includeUsage: Bool) -> Int {
        chunks + 2 + (includeUsage ? 1 : 0)
    }

    private static func finishReason(_ context: ReplyContext) -> String {
        context.completion.isCutByMaxTokens ? "length" : "stop"
    }
}

enum AnthropicWire {
    static func message(_ context: ReplyContext) -> String {
        let usage = context.completion
        return """
            {
              "id": \(JSONText.quoted(context.responseID)),
              "type": "message",
              "role": "assistant",
              "model": \(JSONText.quoted(context.model)),
              "content": [
                {"type": "text", "text": \(JSONText.quoted(usage.text))}
              ],
              "stop_reason": "\(stopReason(context))",
              "stop_sequence": null,
              "usage": {
                "input_tokens": \(usage.inputTokens),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                "output_tokens": \(usage.outputTokens),
                "service_tier": "standard"
              }
            }

            """
    }

    static func stream(_ context: ReplyContext) -> StreamScript {
        func event(_ name: String, _ data: String) -> String {
            "event: \(name)\ndata: \(data)\n\n"
        }
        let usage = context.completion
        var preamble = [
            event(
                "message_start",
                "{\"type\":\"message_start\",\"message\":{\"model\":\(JSONText.quoted(context.model)),"
                    + "\"id\":\(JSONText.quoted(context.responseID)),\"type\":\"message\",\"role\":\"assistant\","
                    + "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":\(usage.inputTokens),"
                    + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"cache_creation\":"
                    + "{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":1,"
                    + "\"service_tier\":\"standard\"}}}"
            ),
            event(
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"
            ),
        ]
        if context.ping { preamble.append(event("ping", "{\"type\": \"ping\"}")) }
        let content = context.chunks.map { text in
            event(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\(JSONText.quoted(text))}}"
            )
        }
        let epilogue = [
            event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
            event(
                "message_delta",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"\(stopReason(context))\",\"stop_sequence\":null},"
                    + "\"usage\":{\"input_tokens\":\(usage.inputTokens),\"cache_creation_input_tokens\":0,"
                    + "\"cache_read_input_tokens\":0,\"output_tokens\":\(usage.outputTokens)}}"
            ),
            event("message_stop", "{\"type\":\"message_stop\"}"),
        ]
        return StreamScript(preamble: preamble, content: content, epilogue: epilogue, lastFaultPosition: content.count)
    }

    private static func stopReason(_ context: ReplyContext) -> String {
        context.completion.isCutByMaxTokens ? "max_tokens" : "end_turn"
    }
}

enum GeminiWire {
    static func response(_ context: ReplyContext) -> String {
        if let block = context.safetyBlock { return blocked(block, context) + "\n" }
        let usage = context.completion
        let thoughts = context.thinkingTokens > 0 ? ",\n    \"thoughtsTokenCount\": \(context.thinkingTokens)" : ""
        return """
            {
              "candidates": [
                {
                  "content": {
                    "parts": [
                      {"text": \(JSONText.quoted(usage.text))}
                    ],
                    "role": "model"
                  },
                  "finishReason": "\(finishReason(context))",
                  "index": 0
                }
              ],
              "usageMetadata": {
                "promptTokenCount": \(usage.inputTokens),
                "candidatesTokenCount": \(usage.outputTokens),
                "totalTokenCount": \(usage.inputTokens + usage.outputTokens + context.thinkingTokens),
                "promptTokensDetails": [
                  {"modality": "TEXT", "tokenCount": \(usage.inputTokens)}
                ]\(thoughts)
              },
              "modelVersion": \(JSONText.quoted(context.model)),
              "responseId": \(JSONText.quoted(context.responseID))
            }

            """
    }

    /// The chunk objects of a stream, compact as in `stream.sse`.
    static func chunkObjects(_ context: ReplyContext) -> [String] {
        if let block = context.safetyBlock { return [blocked(block, context)] }
        let usage = context.completion
        var delivered = 0
        return context.chunks.enumerated().map { index, text in
            delivered += context.chunkTokens[index]
            let isLast = index == context.chunks.count - 1
            let candidates = isLast ? usage.outputTokens : min(delivered, usage.outputTokens)
            let finish = isLast ? "\"finishReason\": \"\(finishReason(context))\"," : ""
            let thoughts = context.thinkingTokens > 0 ? ",\"thoughtsTokenCount\": \(context.thinkingTokens)" : ""
            return
                "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \(JSONText.quoted(text))}],\"role\": \"model\"},"
                + "\(finish)\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": \(usage.inputTokens),"
                + "\"candidatesTokenCount\": \(candidates),"
                + "\"totalTokenCount\": \(usage.inputTokens + candidates + context.thinkingTokens),"
                + "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": \(usage.inputTokens)}]\(thoughts)},"
                + "\"modelVersion\": \(JSONText.quoted(context.model)),\"responseId\": \(JSONText.quoted(context.responseID))}"
        }
    }

    static func stream(_ context: ReplyContext) -> StreamScript {
        let content = chunkObjects(context).map { "data: \($0)\n\n" }
        return StreamScript(preamble: [], content: content, epilogue: [], lastFaultPosition: max(0, content.count - 1))
    }

    /// `streamGenerateContent` without `alt=sse`: one JSON array of the chunks.
    static func streamArray(_ context: ReplyContext) -> String {
        "[" + chunkObjects(context).joined(separator: ",\n") + "]"
    }

    private static func finishReason(_ context: ReplyContext) -> String {
        context.completion.isCutByMaxTokens ? "MAX_TOKENS" : "STOP"
    }

    /// A blocked answer, compact: `promptFeedback` with `blockReason: SAFETY` and no candidate, or a
    /// candidate with `finishReason: SAFETY` and no content; usage counts the prompt only.
    static func blocked(_ block: SafetyBlock, _ context: ReplyContext) -> String {
        let input = context.completion.inputTokens
        let verdict =
            switch block.stage {
            case .prompt: "\"promptFeedback\": {\"blockReason\": \"SAFETY\",\"safetyRatings\": \(block.ratingsJSON)},"
            case .response: "\"candidates\": [{\"finishReason\": \"SAFETY\",\"index\": 0,\"safetyRatings\": \(block.ratingsJSON)}],"
            }
        return "{\(verdict)\"usageMetadata\": {\"promptTokenCount\": \(input),\"totalTokenCount\": \(input),"
            + "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": \(input)}]},"
            + "\"modelVersion\": \(JSONText.quoted(context.model)),\"responseId\": \(JSONText.quoted(context.responseID))}"
    }
}

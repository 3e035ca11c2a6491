import BulwarkCore

/// Anthropic Messages events: `message_start`, per block `content_block_start` / `content_block_delta` /
/// `content_block_stop`, `message_delta`, `message_stop`; `ping` anywhere; `error` after the 200.
///
/// Usage is cumulative: `message_start` gives the input count, each `message_delta` the running output
/// count (and optionally the input count), and each replaces the earlier values.
enum AnthropicStream {
    static let handledEvents: Set<String> = [
        "message_start", "content_block_start", "content_block_delta", "message_delta", "message_stop", "error",
    ]

    static func handle(
        _ event: SSEEvent, atEndOfInput: Bool, decoder: inout StreamDecoder, into output: inout [StreamEvent]
    ) {
        if let name = event.event, !handledEvents.contains(name) { return }
        guard let json = JSONValue.parseLeniently(event.data), json.object != nil else {
            if event.event != nil { decoder.unreadable(event.data, atEndOfInput: atEndOfInput, into: &output) }
            return
        }
        let name = event.event ?? json["type"]?.string ?? ""
        switch name {
        case "message_start":
            let message = json["message"]
            decoder.setIdentity(responseID: message?["id"]?.nonEmptyString, model: message?["model"]?.nonEmptyString)
            if let usage = AnthropicAdapter.usage(message?["usage"]) {
                decoder.updateUsage(usage, into: &output)
            }
        case "content_block_start":
            let block = json["content_block"]
            if block?["type"]?.string == "text" { decoder.appendText(block?["text"]?.string, into: &output) }
        case "content_block_delta":
            let delta = json["delta"]
            if delta?["type"]?.string == "text_delta" { decoder.appendText(delta?["text"]?.string, into: &output) }
        case "message_delta":
            if let raw = json["delta"]?["stop_reason"]?.nonEmptyString {
                decoder.setFinishReason(raw, AnthropicAdapter.finishReason(raw))
            }
            if let usage = json["usage"], usage.object != nil {
                let previous = decoder.partial.usage
                decoder.updateUsage(
                    TokenUsage(
                        inputTokens: usage["input_tokens"]?.int ?? previous?.inputTokens ?? 0,
                        outputTokens: usage["output_tokens"]?.int ?? previous?.outputTokens ?? 0),
                    into: &output)
            }
        case "message_stop":
            decoder.complete(into: &output)
        case "error":
            let error =
                AnthropicErrors.streamError(json, requestID: decoder.requestID, partial: decoder.partial)
                ?? ProviderError(
                    errorType: .streamError, statusCode: 200, message: "An error occurred during streaming",
                    requestID: decoder.requestID)
            decoder.fail(error, into: &output)
        default:
            break
        }
    }
}

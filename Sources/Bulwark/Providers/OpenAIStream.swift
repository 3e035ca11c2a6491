import BulwarkCore

/// OpenAI Chat Completions chunks: `data: {chat.completion.chunk}` lines, `data: [DONE]` at the end.
///
/// With `stream_options.include_usage`, the last chunk before `[DONE]` has empty `choices` and the usage.
/// A chunk with a truthy `error` key is a mid-stream error (`event:` names are not used).
enum OpenAIStream {
    static func handle(
        _ event: SSEEvent, atEndOfInput: Bool, decoder: inout StreamDecoder, into output: inout [StreamEvent]
    ) {
        let data = event.data.trimmingASCIIWhitespace()
        if data == "[DONE]" {
            decoder.complete(into: &output)
            return
        }
        guard let json = JSONValue.parseLeniently(data), json.object != nil else {
            decoder.unreadable(data, atEndOfInput: atEndOfInput, into: &output)
            return
        }
        if let error = OpenAIErrors.streamError(json, requestID: decoder.requestID, partial: decoder.partial) {
            decoder.fail(error, into: &output)
            return
        }
        decoder.setIdentity(responseID: json["id"]?.nonEmptyString, model: json["model"]?.nonEmptyString)
        let choices = json["choices"]?.array ?? []
        if let choice = choices.first(where: { $0["index"]?.int == 0 }) ?? choices.first {
            let delta = choice["delta"]
            decoder.appendText(delta?["content"]?.string, into: &output)
            if let refusal = delta?["refusal"]?.nonEmptyString {
                decoder.contentFilterCode = "refusal"
                decoder.contentFilterMessage = (decoder.contentFilterMessage ?? "") + refusal
            }
            if let raw = choice["finish_reason"]?.nonEmptyString {
                decoder.setFinishReason(raw, OpenAIAdapter.finishReason(raw))
            }
        }
        if let usage = OpenAIAdapter.usage(json["usage"]) {
            decoder.updateUsage(usage, into: &output)
        }
    }
}

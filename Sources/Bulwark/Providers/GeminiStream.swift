import BulwarkCore

/// Gemini `streamGenerateContent?alt=sse` chunks: `data: {GenerateContentResponse}` with no `event:` names
/// and no terminator. Every chunk carries cumulative `usageMetadata`; the last one has a `finishReason`,
/// and the stream is complete when the input ends after it. A mid-stream error arrives as a bare
/// pretty-printed `{"error": …}` without `data:` (or framed as data).
enum GeminiStream {
    static func handle(
        _ event: SSEEvent, atEndOfInput: Bool, decoder: inout StreamDecoder, into output: inout [StreamEvent]
    ) {
        guard let json = JSONValue.parseLeniently(event.data), json.object != nil else {
            decoder.unreadable(event.data, atEndOfInput: atEndOfInput, into: &output)
            return
        }
        if let error = GeminiErrors.streamError(json, requestID: decoder.requestID, partial: decoder.partial) {
            decoder.fail(error, into: &output)
            return
        }
        decoder.setIdentity(responseID: json["responseId"]?.nonEmptyString, model: json["modelVersion"]?.nonEmptyString)
        let candidate = json["candidates"]?[0]
        decoder.appendText(GeminiAdapter.text(of: candidate), into: &output)
        if let usage = GeminiAdapter.usage(json["usageMetadata"]) {
            decoder.updateUsage(usage, into: &output)
        }
        if let raw = candidate?["finishReason"]?.nonEmptyString {
            decoder.setFinishReason(raw, GeminiAdapter.finishReason(raw))
            if decoder.partial.finishReason == .contentFiltered {
                decoder.contentFilterCode = raw
                decoder.contentFilterMessage = GeminiSafety.message(
                    stage: "response", field: "finishReason", reason: raw,
                    providerMessage: candidate?["finishMessage"]?.nonEmptyString, ratings: candidate?["safetyRatings"])
            }
            decoder.markTerminator()
        }
        if let blockReason = json["promptFeedback"]?["blockReason"]?.nonEmptyString {
            let feedback = json["promptFeedback"]
            decoder.contentFilterCode = blockReason
            decoder.contentFilterMessage = GeminiSafety.message(
                stage: "prompt", field: "blockReason", reason: blockReason,
                providerMessage: feedback?["blockReasonMessage"]?.nonEmptyString, ratings: feedback?["safetyRatings"])
            decoder.markTerminator()
        }
    }
}

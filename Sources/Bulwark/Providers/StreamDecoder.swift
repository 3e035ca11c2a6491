import BulwarkCore

/// Turns the body of a provider's 200 event-stream response, fed in arbitrary chunks, into
/// ``StreamEvent``s, and decides at the end whether the stream completed.
///
/// Terminators: OpenAI `data: [DONE]`, Anthropic `message_stop` (both end the stream at once), Gemini a
/// chunk with `finishReason` (or a `promptFeedback.blockReason`) followed by the end of input. At
/// ``finish()`` a stream without its terminator fails with `stream_truncated`. Errors after the 200
/// (OpenAI `data: {"error": …}`, Anthropic `event: error`, Gemini's bare or framed `{"error": …}`) fail with
/// `stream_error` and the provider's code in ``ProviderError/providerErrorType``. `ping` and unknown
/// events are ignored. Whatever arrived stays in ``partial`` and in the error's
/// ``ProviderError/partial``.
package struct StreamDecoder: Sendable {
    /// Wire protocol of the stream.
    package let kind: ProviderKind
    /// Request id from the response headers, copied into errors.
    package let requestID: String?
    /// Everything assembled so far: text, usage (latest cumulative values), finish reason, id, model.
    package private(set) var partial = ChatResult(text: "")
    /// The stream completed or failed; further input is ignored.
    package private(set) var isFinished = false
    /// The provider's terminator has been seen (for Gemini: a `finishReason`; the stream is complete at
    /// the end of input).
    package private(set) var sawTerminator = false

    private var parser: SSEParser
    /// Code of a refusal or block seen in the stream; the stream then ends as `content_filtered`.
    var contentFilterCode: String?
    /// Message that goes with ``contentFilterCode``.
    var contentFilterMessage: String?

    /// Creates a decoder for a stream of `kind`.
    package init(kind: ProviderKind, requestID: String? = nil, maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.kind = kind
        self.requestID = requestID
        self.parser = SSEParser(maxEventBytes: maxEventBytes)
    }

    /// Consumes the next chunk of the body.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [StreamEvent] {
        guard !isFinished else { return [] }
        var output: [StreamEvent] = []
        for event in parser.feed(bytes) {
            handle(event, atEndOfInput: false, into: &output)
            if isFinished { return output }
        }
        if parser.overflowed {
            fail(
                ProviderError(
                    errorType: .invalidResponse, statusCode: 200,
                    message: "a stream event exceeded \(parser.maxEventBytes) bytes", requestID: requestID),
                into: &output)
        }
        return output
    }

    /// Signals the end of the body: returns the final ``StreamEvent/completed(_:)`` or
    /// ``StreamEvent/failed(_:)`` unless the stream already ended.
    package mutating func finish() -> [StreamEvent] {
        guard !isFinished else { return [] }
        var output: [StreamEvent] = []
        for event in parser.finish() {
            handle(event, atEndOfInput: true, into: &output)
            if isFinished { return output }
        }
        if sawTerminator {
            complete(into: &output)
        } else {
            fail(
                ProviderError(
                    errorType: .streamTruncated, statusCode: 200,
                    message: "the \(kind.rawValue) stream ended before its \(terminatorName)", requestID: requestID),
                into: &output)
        }
        return output
    }

    /// Decodes a whole body at once: every event, ending with the completion or failure.
    package static func decode(_ body: some Sequence<UInt8>, kind: ProviderKind, requestID: String? = nil)
        -> [StreamEvent]
    {
        var decoder = StreamDecoder(kind: kind, requestID: requestID)
        return decoder.feed(body) + decoder.finish()
    }

    private var terminatorName: String {
        switch kind {
        case .openai: return "[DONE] terminator"
        case .anthropic: return "message_stop event"
        case .google, .vertex: return "finishReason"
        }
    }

    private mutating func handle(_ event: SSEEvent, atEndOfInput: Bool, into output: inout [StreamEvent]) {
        switch kind {
        case .openai: OpenAIStream.handle(event, atEndOfInput: atEndOfInput, decoder: &self, into: &output)
        case .anthropic: AnthropicStream.handle(event, atEndOfInput: atEndOfInput, decoder: &self, into: &output)
        case .google, .vertex: GeminiStream.handle(event, atEndOfInput: atEndOfInput, decoder: &self, into: &output)
        }
    }

    // MARK: Used by the per-provider handlers

    mutating func appendText(_ text: String?, into output: inout [StreamEvent]) {
        guard let text, !text.isEmpty else { return }
        partial.text += text
        output.append(.textDelta(text))
    }

    mutating func updateUsage(_ usage: TokenUsage, into output: inout [StreamEvent]) {
        guard usage != partial.usage else { return }
        partial.usage = usage
        output.append(.usage(usage))
    }

    mutating func setFinishReason(_ raw: String, _ reason: FinishReason) {
        partial.rawFinishReason = raw
        partial.finishReason = reason
    }

    mutating func setIdentity(responseID: String?, model: String?) {
        if partial.responseID == nil, let responseID { partial.responseID = responseID }
        if partial.model == nil, let model { partial.model = model }
    }

    mutating func markTerminator() {
        sawTerminator = true
    }

    /// Ends the stream successfully, or as `content_filtered` when a refusal or filter was reported.
    mutating func complete(into output: inout [StreamEvent]) {
        sawTerminator = true
        let code = contentFilterCode ?? (partial.finishReason == .contentFiltered ? partial.rawFinishReason : nil)
        if code != nil || partial.finishReason == .contentFiltered {
            fail(
                contentFilteredError(
                    code: code, message: contentFilterMessage, status: 200, requestID: requestID, partial: partial),
                into: &output)
            return
        }
        isFinished = true
        output.append(.completed(partial))
    }

    /// Ends the stream with `error`, attaching what arrived so far.
    mutating func fail(_ error: ProviderError, into output: inout [StreamEvent]) {
        var error = error
        error.partial = partial
        if error.requestID == nil { error.requestID = requestID }
        isFinished = true
        output.append(.failed(error))
    }

    /// Handles data that is not valid JSON: an `invalid_response` mid-stream; at the end of input the
    /// data was probably cut, so it is dropped and the missing terminator decides.
    mutating func unreadable(_ data: String, atEndOfInput: Bool, into output: inout [StreamEvent]) {
        guard !atEndOfInput else { return }
        fail(
            ProviderError(
                errorType: .invalidResponse, statusCode: 200,
                message: "unreadable \(kind.rawValue) stream data: \(data.prefix(200))", requestID: requestID),
            into: &output)
    }
}

import BulwarkCore
import Bulwark
import Testing

/// What `stream.sse` of each provider assembles to.
struct StreamExpectation: Sendable {
    var usage: TokenUsage
    var usageUpdates: [TokenUsage]
    var rawFinishReason: String
    var responseID: String
    var model: String
    /// The text that ends the terminator line (the stream is complete once this line and its line break arrived).
    var terminatorLine: String
    var streamErrorType: String

    static func of(_ kind: ProviderKind) -> StreamExpectation {
        switch kind {
        case .openai:
            return StreamExpectation(
                usage: TokenUsage(inputTokens: 10, outputTokens: 9),
                usageUpdates: [TokenUsage(inputTokens: 10, outputTokens: 9)],
                rawFinishReason: "stop", responseID: "chatcmpl-CXq2vA1kQ9mR5tY2uW8eZ3xP0nLs",
                model: "gpt-4o-mini-2024-07-18",
                terminatorLine: "data: [DONE]", streamErrorType: "server_error")
        case .anthropic:
            return StreamExpectation(
                usage: TokenUsage(inputTokens: 10, outputTokens: 12),
                usageUpdates: [
                    TokenUsage(inputTokens: 10, outputTokens: 1), TokenUsage(inputTokens: 10, outputTokens: 12),
                ],
                rawFinishReason: "end_turn", responseID: "msg_01HCDu5LRGeP2o7s2xGmxyx8", model: "claude-sonnet-4-6",
                terminatorLine: #"data: {"type":"message_stop"}"#, streamErrorType: "overloaded_error")
        case .google, .vertex:
            return StreamExpectation(
                usage: TokenUsage(inputTokens: 4, outputTokens: 33),
                usageUpdates: [
                    TokenUsage(inputTokens: 4, outputTokens: 26), TokenUsage(inputTokens: 4, outputTokens: 33),
                ],
                rawFinishReason: "STOP", responseID: "IZI2acSKMoWl0-kPmYj2yQc", model: "gemini-2.5-flash",
                terminatorLine: #""responseId": "IZI2acSKMoWl0-kPmYj2yQc"}"#, streamErrorType: "UNAVAILABLE")
        }
    }
}

@Suite("Stream decoding")
struct StreamDecodingTests {
    static let chunkSizes = [1, 7, 0]
    static let fullText = "Hello! How can I help you today?"

    @Test(arguments: ProviderKind.withWireFixtures, LineEnding.allCases)
    func assemblesCompleteStream(kind: ProviderKind, lineEnding: LineEnding) throws {
        let body = lineEnding.apply(to: try Fixtures.bytes(kind, "stream.sse"))
        let expected = StreamExpectation.of(kind)
        for size in Self.chunkSizes {
            let events = decodeStream(body, kind: kind, chunkSize: size, requestID: "req-1")
            let result = try #require(events.completed, "chunk size \(size): \(String(describing: events.last))")
            #expect(events.terminalCount == 1)
            #expect(events.text == Self.fullText)
            #expect(events.usages == expected.usageUpdates, "chunk size \(size)")
            #expect(
                result
                    == ChatResult(
                        text: Self.fullText, finishReason: .stop, rawFinishReason: expected.rawFinishReason,
                        usage: expected.usage,
                        responseID: expected.responseID, model: expected.model))
        }
    }

    @Test(arguments: ProviderKind.withWireFixtures, LineEnding.allCases)
    func errorAfterTheHeadersIsAStreamErrorKeepingPartialText(kind: ProviderKind, lineEnding: LineEnding) throws {
        let body = lineEnding.apply(to: try Fixtures.bytes(kind, "stream-error.sse"))
        for size in Self.chunkSizes {
            let events = decodeStream(body, kind: kind, chunkSize: size, requestID: "req-9")
            let error = try #require(events.failure, "chunk size \(size)")
            #expect(events.terminalCount == 1)
            #expect(error.errorType == .streamError)
            #expect(error.statusCode == 200)
            #expect(error.providerErrorType == StreamExpectation.of(kind).streamErrorType)
            #expect(error.partialText == "Hello!")
            #expect(error.requestID == "req-9")
            #expect(!error.isRetryable)
            #expect(!error.message.isEmpty)
            #expect(events.text == "Hello!")
        }
    }

    @Test(arguments: ProviderKind.withWireFixtures)
    func everyCutBeforeTheTerminatorIsTruncated(kind: ProviderKind) throws {
        let body = try Fixtures.bytes(kind, "stream.sse")
        let text = String(decoding: body, as: UTF8.self)
        let terminator = try #require(text.range(of: StreamExpectation.of(kind).terminatorLine, options: .backwards))
        let completeAt = text.utf8.distance(from: text.startIndex, to: terminator.upperBound) + 1
        for length in 0...body.count {
            let events = decodeStream(Array(body.prefix(length)), kind: kind, chunkSize: 0)
            #expect(events.terminalCount == 1)
            if length < completeAt {
                let error = try #require(events.failure, "cut at \(length) should fail")
                #expect(error.errorType == .streamTruncated, "cut at \(length): \(error)")
                #expect(error.isRetryable == error.partialText.isEmpty)
                #expect(Self.fullText.hasPrefix(error.partialText))
            } else {
                #expect(events.completed != nil, "cut at \(length) should complete")
            }
        }
    }

    @Test(arguments: ProviderKind.withWireFixtures)
    func streamWithoutTerminatorKeepsTextAndUsage(kind: ProviderKind) throws {
        let text = try Fixtures.text(kind, "stream.sse")
        let line = StreamExpectation.of(kind).terminatorLine
        let cut: String
        switch kind {
        case .openai: cut = text.replacingOccurrences(of: "data: [DONE]\n\n", with: "")
        case .anthropic: cut = text.replacingOccurrences(of: "event: message_stop\n\(line)\n\n", with: "")
        case .google, .vertex: cut = String(text[..<text.range(of: "\n\n")!.upperBound])
        }
        let events = decodeStream(Array(cut.utf8), kind: kind, chunkSize: 7)
        let error = try #require(events.failure)
        #expect(error.errorType == .streamTruncated)
        #expect(!error.isRetryable, "text was delivered")
        #expect(!error.partialText.isEmpty)
        #expect(error.partial?.usage != nil)
    }

    @Test func emptyStreamIsTruncatedAndRetryable() {
        for kind in ProviderKind.allCases {
            let error = decodeStream([], kind: kind, chunkSize: 0).failure
            #expect(error?.errorType == .streamTruncated)
            #expect(error?.isRetryable == true)
        }
    }

    @Test func decoderReportsPartialWhileStreaming() throws {
        var decoder = StreamDecoder(kind: .anthropic)
        let body = try Fixtures.bytes(.anthropic, "stream-error.sse")
        let text = String(decoding: body, as: UTF8.self)
        let half = text.utf8.distance(
            from: text.startIndex, to: try #require(text.range(of: "event: error")).lowerBound)
        _ = decoder.feed(body.prefix(half))
        #expect(decoder.partial.text == "Hello!")
        #expect(!decoder.isFinished)
        _ = decoder.feed(body.suffix(from: half))
        #expect(decoder.isFinished)
        #expect(decoder.feed(Array("data: more\n\n".utf8)).isEmpty)
        #expect(decoder.finish().isEmpty)
    }

    @Test func anthropicIgnoresPingAndUnknownEvents() {
        let body = """
            event: message_start
            data: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":3,"output_tokens":1}}}

            event: ping
            data: {"type": "ping"}

            event: brand_new_event
            data: not json at all

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{"}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":5}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        let events = StreamDecoder.decode(Array(body.utf8), kind: .anthropic)
        #expect(
            events.completed
                == ChatResult(
                    text: "Hi", finishReason: .length, rawFinishReason: "max_tokens",
                    usage: TokenUsage(inputTokens: 3, outputTokens: 5),
                    responseID: "m", model: "c"))
    }

    @Test func anthropicRefusalEndsAsContentFiltered() {
        let body = """
            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I"}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"refusal"},"usage":{"output_tokens":1}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        let error = StreamDecoder.decode(Array(body.utf8), kind: .anthropic).failure
        #expect(error?.errorType == .contentFiltered)
        #expect(error?.providerErrorType == "refusal")
        #expect(error?.partialText == "I")
    }

    @Test func openAIContentFilterEndsAsContentFiltered() {
        let body = """
            data: {"id":"c","choices":[{"index":0,"delta":{"content":"Par"},"finish_reason":null}]}

            data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]}

            data: {"id":"c","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}

            data: [DONE]


            """
        let error = StreamDecoder.decode(Array(body.utf8), kind: .openai).failure
        #expect(error?.errorType == .contentFiltered)
        #expect(error?.providerErrorType == "content_filter")
        #expect(error?.partial?.usage == TokenUsage(inputTokens: 4, outputTokens: 1))
    }

    @Test func geminiSafetyFinishAndBlockedPromptEndAsContentFiltered() {
        let safety = #"data: {"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"SAFETY"}]}"# + "\n\n"
        #expect(StreamDecoder.decode(Array(safety.utf8), kind: .google).failure?.providerErrorType == "SAFETY")
        let blocked =
            #"data: {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":3}}"# + "\n\n"
        let error = StreamDecoder.decode(Array(blocked.utf8), kind: .google).failure
        #expect(error?.errorType == .contentFiltered)
        #expect(error?.providerErrorType == "SAFETY")
    }

    @Test func geminiFramedErrorIsAStreamErrorToo() {
        let body =
            #"data: {"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}"#
            + "\n\n"
        let error = StreamDecoder.decode(Array(body.utf8), kind: .google).failure
        #expect(error?.errorType == .streamError)
        #expect(error?.providerErrorType == "RESOURCE_EXHAUSTED")
        #expect(error?.retryAfterMs == 1500)
    }

    @Test func unreadableDataMidStreamIsInvalidResponse() {
        let events = StreamDecoder.decode(Array("data: {not json\n\ndata: [DONE]\n\n".utf8), kind: .openai)
        #expect(events.failure?.errorType == .invalidResponse)
    }

    @Test func oversizedEventFailsTheStream() {
        var decoder = StreamDecoder(kind: .openai, maxEventBytes: 64)
        let events = decoder.feed(Array(("data: " + String(repeating: "x", count: 100) + "\n\n").utf8))
        #expect(events.failure?.errorType == .invalidResponse)
    }
}

import BulwarkCore
import Foundation
import Bulwark
import Testing

@Suite("Response parsing")
struct ResponseParsingTests {
    static func adapter(_ kind: ProviderKind) -> any ProviderAdapter {
        ProviderEndpoint(kind: kind, model: "m").makeAdapter()
    }

    static func parse(_ kind: ProviderKind, _ json: String, status: Int = 200) throws(ProviderError) -> ChatResult {
        try adapter(kind).parseResponse(
            status: status, headers: ["content-type": "application/json"], body: Array(json.utf8), now: anyNow)
    }

    @Test func openAIResponseFixtureYieldsTextAndUsage() throws {
        let result = try Self.adapter(.openai).parseResponse(
            status: 200, headers: [:], body: Fixtures.bytes(.openai, "response.json"), now: anyNow)
        #expect(
            result
                == ChatResult(
                    text: "Hello! How can I help you today?", finishReason: .stop, rawFinishReason: "stop",
                    usage: TokenUsage(inputTokens: 10, outputTokens: 9),
                    responseID: "chatcmpl-CXq2u8Zp1b4Lm0aQfJ7Nw3Ty9KdEs",
                    model: "gpt-4o-mini-2024-07-18"))
    }

    @Test func anthropicResponseFixtureYieldsTextAndUsage() throws {
        let result = try Self.adapter(.anthropic).parseResponse(
            status: 200, headers: [:], body: Fixtures.bytes(.anthropic, "response.json"), now: anyNow)
        #expect(
            result
                == ChatResult(
                    text: "Hello! How can I help you today?", finishReason: .stop, rawFinishReason: "end_turn",
                    usage: TokenUsage(inputTokens: 10, outputTokens: 12), responseID: "msg_01XFDUDYJgAACzvnptvVoYEL",
                    model: "claude-sonnet-4-6"))
    }

    @Test func geminiResponseFixtureCountsThoughtsAsOutput() throws {
        let result = try Self.adapter(.google).parseResponse(
            status: 200, headers: [:], body: Fixtures.bytes(.google, "response.json"), now: anyNow)
        #expect(
            result
                == ChatResult(
                    text: "Hello! How can I help you today?", finishReason: .stop, rawFinishReason: "STOP",
                    usage: TokenUsage(inputTokens: 4, outputTokens: 33), responseID: "65E2aavdMaiU1e8P246LmAc",
                    model: "gemini-2.5-flash"))
        #expect(result.usage?.totalTokens == 37)
    }

    @Test func geminiThoughtPartsAreNotText() throws {
        let result = try Self.parse(
            .google,
            #"{"candidates":[{"content":{"parts":[{"text":"pondering","thought":true},{"text":"Answer"}]},"finishReason":"STOP"}]}"#
        )
        #expect(result.text == "Answer")
    }

    @Test func openAIContentFilterIsContentFiltered() {
        let body =
            #"{"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"Partial"},"finish_reason":"content_filter"}],"usage":{"prompt_tokens":5,"completion_tokens":1}}"#
        #expect {
            try Self.parse(.openai, body)
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.errorType == .contentFiltered && error.providerErrorType == "content_filter"
                && !error.isRetryable
                && error.partialText == "Partial" && error.partial?.usage == TokenUsage(inputTokens: 5, outputTokens: 1)
        }
    }

    @Test func openAIRefusalIsContentFiltered() {
        let body =
            #"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#
        #expect {
            try Self.parse(.openai, body)
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.errorType == .contentFiltered && error.providerErrorType == "refusal"
                && error.message == "I can't help with that."
        }
    }

    @Test func anthropicRefusalIsContentFiltered() {
        let body =
            #"{"id":"msg_1","type":"message","content":[],"stop_reason":"refusal","usage":{"input_tokens":3,"output_tokens":0}}"#
        #expect {
            try Self.parse(.anthropic, body)
        } throws: { error in
            (error as? ProviderError)?.errorType == .contentFiltered
                && (error as? ProviderError)?.providerErrorType == "refusal"
        }
    }

    @Test func geminiSafetyFinishIsContentFiltered() {
        let body =
            #"{"candidates":[{"content":{"parts":[{"text":"Par"}],"role":"model"},"finishReason":"SAFETY"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1}}"#
        #expect {
            try Self.parse(.google, body)
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.errorType == .contentFiltered && error.providerErrorType == "SAFETY"
                && error.partialText == "Par"
        }
    }

    @Test func geminiBlockedPromptIsContentFiltered() {
        let body = #"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":7}}"#
        #expect {
            try Self.parse(.google, body)
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.errorType == .contentFiltered && error.providerErrorType == "PROHIBITED_CONTENT"
                && error.statusCode == 200
        }
    }

    @Test(arguments: [ProviderKind.openai, .anthropic, .google])
    func nonJSONSuccessBodyIsInvalidResponse(kind: ProviderKind) {
        #expect {
            try Self.parse(kind, "<html>oops</html>")
        } throws: { error in
            (error as? ProviderError)?.errorType == .invalidResponse
        }
        #expect {
            try Self.parse(kind, #"{"unexpected":true}"#)
        } throws: { error in
            (error as? ProviderError)?.errorType == .invalidResponse
        }
    }

    @Test(arguments: [ProviderKind.openai, .anthropic, .google])
    func errorStatusIsNormalizedByParseResponse(kind: ProviderKind) {
        #expect {
            try Self.parse(kind, "", status: 503)
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.errorType == .unavailable && error.statusCode == 503
                && error.message == "HTTP 503 Service Unavailable"
        }
    }

    @Test(arguments: [
        (ProviderKind.openai, #"{"error":{"message":"boom","type":"server_error","code":null}}"#, ErrorType.serverError, "server_error"),
        (.anthropic, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, .overloaded, "overloaded_error"),
        (.google, #"{"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}"#, .unavailable, "UNAVAILABLE"),
    ])
    func errorObjectInSuccessBodyIsNormalized(kind: ProviderKind, body: String, expected: ErrorType, code: String) {
        #expect {
            try Self.parse(kind, body)
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.errorType == expected && error.providerErrorType == code && error.statusCode == 200
        }
    }
}

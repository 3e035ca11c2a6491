import Foundation
import BulwarkHTTPServer
import Testing

@testable import BulwarkSimulator

@Suite("Success bodies, streams and headers")
struct WireFormatTests {
    @Test func answersOpenAICompletionWithEchoedModelUsageAndRateLimitHeaders() async throws {
        try await withSimulator { simulator in
            let response = try await send(.openAI(model: "gpt-4o-mini"), to: simulator)
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/json")
            let json = try jsonObject(response.body)
            #expect(json["object"] as? String == "chat.completion")
            #expect(json["model"] as? String == "gpt-4o-mini")
            let id = try #require(json["id"] as? String)
            #expect(id.hasPrefix("chatcmpl-") && id.count == 38)
            let choices = try #require(json["choices"] as? [[String: Any]])
            let message = try #require(choices.first?["message"] as? [String: Any])
            let expected = simulator.expectedCompletion(for: .openai, prompt: "Say hello.")
            #expect(message["content"] as? String == expected.text)
            #expect(choices.first?["finish_reason"] as? String == "stop")
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["prompt_tokens"] as? Int == 10)
            #expect(usage["completion_tokens"] as? Int == expected.outputTokens)
            #expect(usage["total_tokens"] as? Int == 10 + expected.outputTokens)

            let requestID = try #require(response.headers["x-request-id"])
            #expect(requestID.hasPrefix("req_") && requestID.count == 36)
            #expect(response.headers["x-ratelimit-limit-requests"] == "30000")
            #expect(response.headers["x-ratelimit-remaining-requests"] == "29999")
            #expect(response.headers["x-ratelimit-limit-tokens"] == "150000000")
            #expect(
                response.headers["x-ratelimit-remaining-tokens"] == String(150_000_000 - 10 - expected.outputTokens))
            #expect(response.headers["x-ratelimit-reset-requests"] == "1m0s")
            #expect(response.headers["openai-version"] == "2020-10-01")
        }
    }

    @Test func streamsOpenAIChunksThenUsageChunkWithEmptyChoicesThenDone() async throws {
        try await withSimulator { simulator in
            let read = try await sendStream(.openAI(stream: true), to: simulator)
            #expect(read.head.status == 200)
            #expect(read.head.headers["Content-Type"] == "text/event-stream")
            #expect(read.isComplete)
            #expect(!read.text.contains("event:"))
            let payloads = sseData(read.text)
            #expect(payloads.last == "[DONE]")
            let chunks = try payloads.dropLast().map { try jsonObject(Array($0.utf8)) }
            let first = try #require(chunks.first)
            let firstChoices = try #require(first["choices"] as? [[String: Any]])
            #expect((firstChoices[0]["delta"] as? [String: Any])?["role"] as? String == "assistant")
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(chunks.allSatisfy { $0["obfuscation"] is String })
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            let usageChunk = try #require(chunks.last)
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            let usage = try #require(usageChunk["usage"] as? [String: Any])
            let expected = simulator.expectedCompletion(for: .openai, prompt: "Say hello.")
            #expect(usage["completion_tokens"] as? Int == expected.outputTokens)
            #expect(chunks.dropLast().allSatisfy { $0["usage"] is NSNull })
            let text = chunks.compactMap { chunk -> String? in
                ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
            }.joined()
            #expect(text == expected.text)
            let finish = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(finish == ["stop"])
        }
    }

    @Test func omitsOpenAIUsageFieldWithoutIncludeUsage() async throws {
        try await withSimulator { simulator in
            let read = try await sendStream(.openAI(stream: true, includeUsage: false), to: simulator)
            let payloads = sseData(read.text)
            #expect(payloads.last == "[DONE]")
            #expect(!read.text.contains("\"usage\""))
        }
    }

    @Test func answersAnthropicMessageWithRateLimitHeadersInRFC3339() async throws {
        try await withSimulator { simulator in
            let response = try await send(.anthropic(), to: simulator)
            #expect(response.status == 200)
            let json = try jsonObject(response.body)
            #expect(json["type"] as? String == "message")
            #expect(json["model"] as? String == "claude-sonnet-4-6")
            #expect((json["id"] as? String)?.hasPrefix("msg_01") == true)
            #expect(json["stop_reason"] as? String == "end_turn")
            let expected = simulator.expectedCompletion(for: .anthropic, prompt: "Say hello.")
            let content = try #require(json["content"] as? [[String: Any]])
            #expect(content.first?["text"] as? String == expected.text)
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == 10)
            #expect(usage["output_tokens"] as? Int == expected.outputTokens)
            #expect(response.headers["request-id"]?.hasPrefix("req_011C") == true)
            #expect(response.headers["anthropic-ratelimit-requests-limit"] == "4000")
            #expect(response.headers["anthropic-ratelimit-requests-remaining"] == "3999")
            #expect(response.headers["anthropic-ratelimit-input-tokens-remaining"] == "1999990")
            #expect(response.headers["anthropic-ratelimit-output-tokens-limit"] == "400000")
            let reset = try #require(response.headers["anthropic-ratelimit-requests-reset"])
            #expect(reset.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
            #expect(response.headers["anthropic-ratelimit-tokens-limit"] != nil)
        }
    }

    @Test func streamsAnthropicEventsFromMessageStartToMessageStop() async throws {
        try await withSimulator { simulator in
            let read = try await sendStream(.anthropic(stream: true), to: simulator)
            #expect(read.isComplete)
            let events = read.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { $0.dropFirst(7) }
            let expected = simulator.expectedCompletion(for: .anthropic, prompt: "Say hello.")
            #expect(
                events
                    == ["message_start", "content_block_start", "ping"]
                    + Array(repeating: "content_block_delta", count: expected.pieces.count)
                    + ["content_block_stop", "message_delta", "message_stop"]
            )
            let data = try sseData(read.text).map { try jsonObject(Array($0.utf8)) }
            let text = data.compactMap { ($0["delta"] as? [String: Any])?["text"] as? String }.joined()
            #expect(text == expected.text)
            let delta = try #require(data.first { $0["type"] as? String == "message_delta" })
            #expect((delta["usage"] as? [String: Any])?["output_tokens"] as? Int == expected.outputTokens)
            #expect(read.text.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
        }
    }

    @Test func answersGeminiOnV1BetaAndV1WithoutRateLimitHeaders() async throws {
        try await withSimulator { simulator in
            for version in ["v1beta", "v1"] {
                let response = try await send(.gemini(version: version), to: simulator)
                #expect(response.status == 200)
                #expect(response.headers["Content-Type"] == "application/json; charset=UTF-8")
                #expect(!response.headers.contains { $0.name.lowercased().contains("ratelimit") })
                let json = try jsonObject(response.body)
                #expect(json["modelVersion"] as? String == "gemini-2.5-flash")
                let candidate = try #require((json["candidates"] as? [[String: Any]])?.first)
                #expect(candidate["finishReason"] as? String == "STOP")
                let parts = (candidate["content"] as? [String: Any])?["parts"] as? [[String: Any]]
                let expected = simulator.expectedCompletion(for: .google, prompt: "Say hello.")
                #expect(parts?.first?["text"] as? String == expected.text)
                let usage = try #require(json["usageMetadata"] as? [String: Any])
                #expect(usage["promptTokenCount"] as? Int == 3)
                #expect(usage["candidatesTokenCount"] as? Int == expected.outputTokens)
                #expect(usage["totalTokenCount"] as? Int == 3 + expected.outputTokens)
            }
        }
    }

    @Test func streamsGeminiDataEventsWithCumulativeUsageAndNoTerminator() async throws {
        try await withSimulator { simulator in
            let read = try await sendStream(.gemini(stream: true), to: simulator)
            #expect(read.isComplete)
            #expect(read.head.headers["Content-Type"] == "text/event-stream")
            let chunks = try sseData(read.text).map { try jsonObject(Array($0.utf8)) }
            let expected = simulator.expectedCompletion(for: .google, prompt: "Say hello.")
            #expect(chunks.count == expected.pieces.count)
            let counts = chunks.compactMap { ($0["usageMetadata"] as? [String: Any])?["candidatesTokenCount"] as? Int }
            #expect(counts == Array(1...expected.pieces.count))
            let finishes = chunks.map {
                (($0["candidates"] as? [[String: Any]])?.first?["finishReason"] as? String) ?? "-"
            }
            #expect(finishes.last == "STOP")
            #expect(finishes.dropLast().allSatisfy { $0 == "-" })
            #expect(!read.text.contains("[DONE]"))
        }
    }

    @Test func framesSSEWithCRLFWhenTheScenarioAsks() async throws {
        let scenario = Scenario(providers: [.google: ProviderScenario(lineEnding: .crlf)])
        try await withSimulator(scenario) { simulator in
            let read = try await sendStream(.gemini(stream: true), to: simulator)
            #expect(read.text.hasPrefix("data: {"))
            #expect(read.text.hasSuffix("}\r\n\r\n"))
            #expect(!read.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        }
    }

    @Test func returnsGeminiChunkArrayWithoutAltSSE() async throws {
        try await withSimulator { simulator in
            var call = ProviderCall.gemini(stream: true)
            call.path = call.path.replacingOccurrences(of: "?alt=sse", with: "")
            let response = try await send(call, to: simulator)
            #expect(response.status == 200)
            let array = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
            #expect(!array.isEmpty)
        }
    }

    @Test func cutsTheAnswerAtMaxTokensWithTheLengthReason() async throws {
        let scenario = Scenario(providers: [.anthropic: ProviderScenario(replyWords: 30...30)])
        try await withSimulator(scenario) { simulator in
            let response = try await send(.anthropic(maxTokens: 5), to: simulator)
            let json = try jsonObject(response.body)
            #expect(json["stop_reason"] as? String == "max_tokens")
            #expect((json["usage"] as? [String: Any])?["output_tokens"] as? Int == 5)
        }
    }

    @Test func servesAFixedReplyWhenScripted() async throws {
        let scenario = Scenario(providers: [.openai: ProviderScenario(reply: "Hello! How can I help you today?")])
        try await withSimulator(scenario) { simulator in
            let read = try await sendStream(.openAI(stream: true), to: simulator)
            let contents = try sseData(read.text).dropLast().compactMap { payload -> String? in
                let chunk = try jsonObject(Array(payload.utf8))
                return ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"]
                    as? String
            }
            #expect(contents == ["", "Hello!", " How", " can", " I", " help", " you", " today?"])
        }
    }

    @Test func answersHealthzAndUnknownPathsPlainly() async throws {
        try await withSimulator { simulator in
            let health = try await control("GET", "/healthz", on: simulator)
            #expect(health.status == 200)
            #expect(health.text == "ok\n")
            let missing = try await control("GET", "/v2/unknown", on: simulator)
            #expect(missing.status == 404)
            #expect(simulator.stats().total == 0)
        }
    }

    @Test func rejectsMalformedBodiesWithTheProviderFixture400() async throws {
        try await withSimulator { simulator in
            for provider in SimulatedProvider.allCases {
                var call = ProviderCall.make(provider)
                call.body = Array("{not json".utf8)
                let response = try await send(call, to: simulator)
                #expect(response.status == 400)
                let fixture = try #require(ErrorReplies.fixture(provider, 400))
                #expect(response.text == fixture.body)
            }
            var anthropic = ProviderCall.anthropic()
            anthropic.body = Array(
                #"{"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "hi"}]}"#.utf8)
            #expect(try await send(anthropic, to: simulator).status == 400)
            #expect(simulator.stats().count(fault: .invalidRequest) == 4)
        }
    }
}

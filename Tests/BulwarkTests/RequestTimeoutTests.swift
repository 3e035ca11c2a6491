import Bulwark
import Testing

@Suite("Request timeout")
struct RequestTimeoutTests {
    @Test func smallRequestGetsThirtySecondsAndTenToConnect() {
        let timeout = RequestTimeout(model: "gpt-4o", maxTokens: 500, inputTokens: 2_000)
        #expect(timeout == RequestTimeout(request: 30, connect: 10))
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: nil, inputTokens: 0).request == 30)
    }

    @Test func scalesWithTheOutputTokenLimit() {
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 4_096, inputTokens: 100).request == 30 * 4.096)
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 2_000, inputTokens: 100).request == 60)
    }

    @Test func scalesWithTheInputSize() {
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 1_000, inputTokens: 25_000).request == 75)
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 2_000, inputTokens: 20_000).request == 120)
    }

    @Test(arguments: [
        "o3", "o3-mini", "o3-2025-04-16", "o4-mini", "o4-mini-2025-04-16", "claude-opus-4-1", "claude-opus-4-6",
        "claude-3-opus-20240229", "openai/o3", "Claude-Opus-4",
    ])
    func reasoningModelsGetFourTimesTheTime(model: String) {
        #expect(RequestTimeout.isReasoningModel(model))
        #expect(RequestTimeout(model: model, maxTokens: 1_000, inputTokens: 1_000).request == 120)
    }

    @Test(arguments: [
        "gpt-4o", "gpt-4o-mini", "o4", "claude-sonnet-4-6", "gemini-3-pro", "gpt-o3-like", "claude-haiku-opusish",
    ])
    func otherModelsAreNotReasoningModels(model: String) {
        #expect(!RequestTimeout.isReasoningModel(model))
    }

    @Test func isCappedAtFiveMinutes() {
        #expect(RequestTimeout(model: "o3", maxTokens: 8_000, inputTokens: 50_000).request == 300)
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 16_000, inputTokens: 100).request == 300)
    }

    @Test func configuredTimeoutWins() {
        #expect(RequestTimeout(model: "o3", maxTokens: 8_000, inputTokens: 50_000, configured: 60).request == 60)
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 10, inputTokens: 10, configured: 600).request == 600)
        #expect(
            RequestTimeout(model: "gpt-4o", maxTokens: 10, inputTokens: 10, configured: 5)
                == RequestTimeout(request: 5, connect: 5))
        // Nonsense is ignored.
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 10, inputTokens: 10, configured: 0).request == 30)
        #expect(RequestTimeout(model: "gpt-4o", maxTokens: 10, inputTokens: 10, configured: .infinity).request == 30)
    }

    @Test func requestOverloadEstimatesTheInputAndPrefersTheRequestsModel() {
        let prompt = String(repeating: "word ", count: 10_000)  // 50,000 characters ≈ 12,500 tokens
        let request = ChatRequest(messages: [.user(prompt)], maxTokens: 2_000, model: "o3")
        #expect(RequestTimeout.estimatedInputTokens(request) == 12_504)
        let timeout = RequestTimeout(for: request, model: "gpt-4o")
        #expect(timeout.request == 300)  // 30 × 2 × 1.2504 × 4 = 300.1 → capped
        let plain = ChatRequest(messages: [.user(prompt)], maxTokens: 2_000)
        #expect(abs(RequestTimeout(for: plain, model: "gpt-4o").request - 75.024) < 1e-9)
    }
}

import Foundation
import BulwarkHTTPServer
import BulwarkTestSupport
import Testing

@testable import BulwarkSimulator

@Suite("Scripted faults")
struct FaultTests {
    private func statuses(_ count: Int, _ call: ProviderCall, _ simulator: ProviderSimulator) async throws -> [Int] {
        var result: [Int] = []
        for _ in 0..<count { result.append(try await send(call, to: simulator).status) }
        return result
    }

    @Test func playsAStatusSequenceOnceThenSucceeds() async throws {
        let scenario = Scenario(providers: [.openai: ProviderScenario(faults: [.sequence([429, 429, 200])])])
        try await withSimulator(scenario) { (simulator: ProviderSimulator) async throws in
            #expect(try await statuses(5, .openAI(), simulator) == [429, 429, 200, 200, 200])
            let stats = simulator.stats()
            #expect(stats.count(provider: .openai, status: 429, fault: .status) == 2)
            #expect(stats.count(provider: .openai, status: 200, fault: SimulatedFault.none) == 3)
        }
    }

    @Test func repeatsASequenceWithVariantsAndResetSteps() async throws {
        let rule = FaultRule(
            effect: .sequence([.error(ErrorStatus(parsing: "502-html")!), .ok, .reset]), repeats: true)
        let scenario = Scenario(providers: [.anthropic: ProviderScenario(faults: [rule])])
        try await withSimulator(scenario) { simulator in
            let first = try await send(.anthropic(), to: simulator)
            #expect(first.status == 502)
            #expect(first.headers["Content-Type"] == "text/html; charset=UTF-8")
            #expect(first.text.contains("<center>cloudflare</center>"))
            #expect(try await send(.anthropic(), to: simulator).status == 200)
            try await expectNoResponse(.anthropic(), simulator)
            #expect(try await send(.anthropic(), to: simulator).status == 502)
            #expect(simulator.stats().count(provider: .anthropic, status: 0, fault: .reset) == 1)
        }
    }

    @Test func capsFiringsWithTimesAndFiltersByModelAndStream() async throws {
        let script = ProviderScenario(faults: [
            FaultRule.status(500).limited(to: 2).matching(model: "gpt-4o*"),
            FaultRule(effect: .status(503), stream: true),
        ])
        try await withSimulator(Scenario(providers: [.openai: script])) { (simulator: ProviderSimulator) async throws in
            #expect(try await statuses(1, .openAI(model: "o3-mini"), simulator) == [200])
            #expect(try await statuses(3, .openAI(model: "gpt-4o-2024-08-06"), simulator) == [500, 500, 200])
            #expect(try await sendStream(.openAI(model: "o3-mini", stream: true), to: simulator).head.status == 503)
        }
    }

    @Test func sendsScriptedRetryHeadersInPlaceOfTheFixtureExamples() async throws {
        let script = ProviderScenario(faults: [
            FaultRule(effect: .status(429), retryAfter: 1, retryAfterMs: 1500, shouldRetry: false)
        ])
        try await withSimulator(Scenario(providers: [.anthropic: script])) { simulator in
            let response = try await send(.anthropic(), to: simulator)
            #expect(response.status == 429)
            #expect(response.headers.values(for: "retry-after") == ["1"])
            #expect(response.headers["retry-after-ms"] == "1500")
            #expect(response.headers["x-should-retry"] == "false")
            #expect(response.headers["request-id"] == "req_011CSHoK5qUwBfA3x7X4bZsE")
            #expect(response.headers["anthropic-ratelimit-input-tokens-remaining"] == "0")
        }
    }

    @Test func answersStatusesWithoutAFixtureInTheProvidersShape() async throws {
        let scenario = Scenario(providers: [
            .openai: ProviderScenario(faults: [.status(529)]),
            .anthropic: ProviderScenario(faults: [.status(503)]),
            .google: ProviderScenario(faults: [.status(529), .htmlError(502)]),
        ])
        try await withSimulator(scenario) { simulator in
            let openai = try jsonObject(try await send(.openAI(), to: simulator).body)
            #expect((openai["error"] as? [String: Any])?["type"] as? String == "server_error")
            let anthropic = try await send(.anthropic(), to: simulator)
            #expect(anthropic.status == 503)
            #expect((try jsonObject(anthropic.body)["error"] as? [String: Any])?["type"] as? String == "api_error")
            #expect(anthropic.headers["request-id"] == (try jsonObject(anthropic.body)["request_id"] as? String))
            let google = try jsonObject(try await send(.gemini(), to: simulator).body)
            #expect((google["error"] as? [String: Any])?["code"] as? Int == 529)
            #expect((google["error"] as? [String: Any])?["status"] as? String == "UNAVAILABLE")
        }
    }

    @Test func stallsAStreamAfterNChunksThenFinishesIt() async throws {
        let script = ProviderScenario(faults: [.stall(afterChunks: 2, seconds: 0.6)], replyWords: 6...6)
        try await withSimulator(Scenario(providers: [.openai: script])) { simulator in
            let read = try await sendStream(.openAI(stream: true), to: simulator)
            #expect(read.isComplete)
            #expect(sseData(read.text).last == "[DONE]")
            // role chunk + 2 content chunks arrive at once, then the stall, then the rest.
            let gaps = zip(read.arrivals.dropFirst(), read.arrivals).map { $0 - $1 }
            let longest = try #require(gaps.max())
            #expect(longest >= .milliseconds(550))
            let stallIndex = try #require(gaps.firstIndex(of: longest))
            let beforeStall = String(decoding: read.chunks[...stallIndex].flatMap { $0 }, as: UTF8.self)
            #expect(sseData(beforeStall).count == 3, "the stall comes after the role chunk and two content chunks")
            #expect(simulator.stats().count(provider: .openai, status: 200, fault: .stall) == 1)
        }
    }

    @Test func delaysTheHeadTheFirstTokenAndEachChunk() async throws {
        let script = ProviderScenario(
            latency: .fixed(150),
            timeToFirstToken: .fixed(250),
            interChunk: .fixed(40),
            replyWords: 5...5
        )
        try await withSimulator(Scenario(providers: [.anthropic: script])) { simulator in
            let clock = ContinuousClock()
            let start = clock.now
            let read = try await sendStream(.anthropic(stream: true), to: simulator)
            let total = clock.now - start
            #expect(total >= .milliseconds(150 + 250 + 4 * 40))
            // message_start, content_block_start, ping arrive with the head; the first delta after the TTFT.
            let firstDelta = try #require(
                read.chunks.firstIndex { String(decoding: $0, as: UTF8.self).contains("content_block_delta") })
            #expect(read.arrivals[firstDelta] >= .milliseconds(240))
        }
    }

    @Test(arguments: SimulatedProvider.allCases)
    func truncatesAStreamCleanlyWithoutItsTerminator(_ provider: SimulatedProvider) async throws {
        let script = ProviderScenario(faults: [.truncate(afterChunks: 2)], replyWords: 6...6)
        try await withSimulator(Scenario(providers: [provider: script])) { simulator in
            let read = try await sendStream(.make(provider, stream: true), to: simulator)
            #expect(read.head.status == 200)
            #expect(read.isComplete, "a clean end of the HTTP body")
            #expect(!read.text.contains("[DONE]"))
            #expect(!read.text.contains("message_stop"))
            #expect(!read.text.contains("finishReason"))
            #expect(!read.text.contains("finish_reason\":\"stop"))
            #expect(read.text.components(separatedBy: "delta").count - 1 >= (provider == .google ? 0 : 2))
            #expect(simulator.stats().count(provider: provider, status: 200, fault: .truncate) == 1)
        }
    }

    @Test(arguments: SimulatedProvider.allCases)
    func resetsAStreamAfterNChunks(_ provider: SimulatedProvider) async throws {
        let script = ProviderScenario(faults: [.reset(afterChunks: 2)], replyWords: 6...6)
        try await withSimulator(Scenario(providers: [provider: script])) { simulator in
            let read = try await sendStream(.make(provider, stream: true), to: simulator)
            #expect(read.head.status == 200)
            #expect(!read.isComplete, "the connection closes without the last chunk")
            let contentEvents = sseData(read.text).count
            let expected: Int =
                switch provider {
                case .openai: 3  // role + 2 content
                case .anthropic: 5  // message_start, content_block_start, ping, 2 deltas
                case .google: 2
                }
            #expect(contentEvents >= expected)
            #expect(simulator.stats().count(provider: provider, status: 200, fault: .reset) == 1)
        }
    }

    @Test func closesTheConnectionWithoutAResponseOnReset() async throws {
        let scenario = Scenario(providers: [.openai: ProviderScenario(faults: [.connectionReset()])])
        try await withSimulator(scenario) { simulator in
            try await expectNoResponse(.openAI(), simulator)
            try await expectNoResponse(.openAI(stream: true), simulator)
            #expect(simulator.stats().count(provider: .openai, status: 0, fault: .reset) == 2)
        }
    }

    @Test func firesProbabilisticFaultsAtRoughlyTheirRate() async throws {
        let scenario = Scenario(providers: [.google: ProviderScenario(faults: [.status(503, probability: 0.3)])])
        try await withSimulator(scenario, seed: 3) { simulator in
            let results = try await statuses(100, .gemini(), simulator)
            let failures = results.filter { $0 == 503 }.count
            #expect((15...45).contains(failures), "\(failures) of 100 at p=0.3")
        }
    }

    @Test func appliesPhasesOnTheTimelineAndRepeatsThemEachCycle() {
        let clock = ManualClock()
        let phase = Phase(name: "outage", fromSeconds: 10, untilSeconds: 20, faults: [.status(503)])
        let scenario = Scenario(cycleSeconds: 30, providers: [.openai: ProviderScenario(phases: [phase])])
        let engine = SimulatorEngine(scenario: scenario, seed: 1, clock: clock.now)
        let request = ParsedRequest(
            model: "gpt-4o", isStream: false, prompt: PromptSummary(texts: ["hi"], messageCount: 1))
        func status() -> Int {
            switch engine.decide(.openai, request) {
            case .error(let reply, _): reply.status
            case .reset: 0
            case .success: 200
            }
        }
        var observed: [Int] = []
        for time in [5.0, 12, 19.9, 20, 35, 41, 55] {
            clock.set(time)
            observed.append(status())
        }
        #expect(observed == [200, 503, 503, 200, 200, 503, 200])
        engine.reset()
        #expect(status() == 200, "reset restarts the timeline")
        clock.set(66)
        #expect(status() == 503)
    }

    /// Sends `call` and expects the connection to close before a complete response.
    private func expectNoResponse(_ call: ProviderCall, _ simulator: ProviderSimulator) async throws {
        do {
            let read = try await sendStream(call, to: simulator, timeoutSeconds: 5)
            #expect(!read.isComplete)
            #expect(read.body.isEmpty)
        } catch RawHTTPClient.Failure.closed {
            // Closed before the head: also a reset.
        }
    }
}

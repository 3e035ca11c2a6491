import BulwarkCore
import Testing
@testable import BulwarkExporter

/// Ingestion parity: the client events that posted attempts imply.
@Suite struct PostedEventStateTests {
    static func event(
        _ provider: String, at timestamp: Double, circuit: CircuitState = .closed, outcome: RequestOutcome? = nil,
        from: String? = nil
    ) -> APICallMetric {
        APICallMetric(
            timestamp: timestamp, provider: provider, model: "m", statusCode: 200, latencyMs: 10, circuitState: circuit,
            requestID: "r", requestOutcome: outcome, fallbackFrom: from)
    }

    @Test func outcomesAndFallbacksBecomeRequestAndFallbackEvents() {
        let state = PostedEventState(maxProviders: 8)
        let events = state.clientEvents(for: [
            Self.event("openai", at: 1),
            Self.event("anthropic", at: 2, outcome: .fallback, from: "openai"),
            Self.event("openai", at: 3, outcome: .success),
            Self.event("openai", at: 4, outcome: .fallback, from: "openai"),
        ])
        #expect(events.filter { if case .requestFinished = $0 { true } else { false } }.count == 3)
        #expect(events.contains(.fallback(from: "openai", to: "anthropic")))
        #expect(!events.contains(.fallback(from: "openai", to: "openai")))
    }

    @Test func theNewestCircuitStateWinsAndAnOpeningIsCountedOnce() {
        let state = PostedEventState(maxProviders: 8)
        #expect(state.clientEvents(for: [Self.event("openai", at: 10)]) == [.circuitStateChanged(provider: "openai", state: .closed)])
        #expect(state.clientEvents(for: [Self.event("openai", at: 11, circuit: .open), Self.event("openai", at: 12, circuit: .open)]) == [
            .circuitStateChanged(provider: "openai", state: .open), .circuitOpened(provider: "openai"),
        ])
        // An older event, posted late, does not move the state back.
        #expect(state.clientEvents(for: [Self.event("openai", at: 5)]) == [])
        #expect(state.clientEvents(for: [Self.event("openai", at: 20, circuit: .halfOpen)]) == [
            .circuitStateChanged(provider: "openai", state: .halfOpen)
        ])
    }

    @Test func providersPastTheCapShareOneEntry() {
        let state = PostedEventState(maxProviders: 1)
        _ = state.clientEvents(for: [Self.event("openai", at: 1)])
        let events = state.clientEvents(for: [Self.event("p1", at: 2, circuit: .open), Self.event("p2", at: 3, circuit: .open)])
        #expect(events == [.circuitStateChanged(provider: "other", state: .open), .circuitOpened(provider: "other")])
    }
}

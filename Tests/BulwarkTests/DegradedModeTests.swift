import BulwarkCore
import Bulwark
import BulwarkTesting
import Testing

@Suite("Degraded mode", .timeLimit(.minutes(1)))
struct DegradedModeTests {
    private static let providers = ["openai", "anthropic"]

    private func status(_ provider: String, _ severity: OutageSeverity, since: Double? = 1_750_000_000) -> OutageStatus
    {
        OutageStatus(
            provider: provider, severity: severity, failures: severity == .prolonged ? 20 : (severity == .none ? 0 : 1),
            since: severity == .none ? nil : since, duration: nil, windowSeconds: 300)
    }

    private func degraded(
        clock: ManualClock, configuration: DegradedMode.Configuration = .init(), log: EventLog<DegradedModeEvent>? = nil
    ) -> DegradedMode {
        let mode = DegradedMode(
            providers: Self.providers, configuration: configuration, clock: clock, onChange: log?.handler)
        return mode
    }

    private func allDown(_ mode: DegradedMode) {
        mode.update(status("openai", .prolonged, since: 1_750_000_000))
        mode.update(status("anthropic", .prolonged, since: 1_750_000_060))
    }

    private func request(_ text: String) -> ChatRequest {
        ChatRequest(messages: [.system("Be brief."), .user(text)], maxTokens: 100)
    }

    @Test func isActiveOnlyWhileEveryProviderIsProlonged() async throws {
        let mode = degraded(clock: ManualClock())
        mode.update(status("openai", .prolonged))
        mode.update(status("anthropic", .extended))
        #expect(!mode.isActive)
        #expect(try await mode.admit(nil, options: .init()) == .proceed(waited: 0))
        mode.update(status("anthropic", .prolonged))
        #expect(mode.isActive)
        mode.update(status("openai", .extended))
        #expect(!mode.isActive)
    }

    @Test func providerNotConfiguredAtCreationJoinsTheSet() {
        let mode = degraded(clock: ManualClock())
        allDown(mode)
        mode.update(status("google", .transient))
        #expect(!mode.isActive)
        #expect(mode.providerStatuses().map(\.provider) == ["openai", "anthropic", "google"])
    }

    @Test func servesTheLastGoodAnswerToACacheableRequest() async throws {
        let clock = ManualClock()
        let mode = degraded(clock: clock)
        let fingerprint = RequestFingerprint(request("capital of France?"))
        mode.remember(ChatResult(text: "Lyon"), for: fingerprint, provider: "openai")
        mode.remember(
            ChatResult(text: "Paris", usage: TokenUsage(inputTokens: 12, outputTokens: 1)), for: fingerprint,
            provider: "anthropic")
        clock.advance(by: 90)
        allDown(mode)
        let admission = try await mode.admit(fingerprint, options: .init(cacheable: true))
        guard case .cached(let cached) = admission else {
            Issue.record("expected a cached answer, got \(admission)")
            return
        }
        #expect(cached.result.text == "Paris" && cached.provider == "anthropic")
        #expect(cached.age == 90 && cached.storedAt == clock.wallTime - 90)
    }

    @Test func nonCacheableRequestFailsFastListingTheDownProvidersAndSinceWhen() async throws {
        let mode = degraded(clock: ManualClock())
        let fingerprint = RequestFingerprint(request("hi"))
        mode.remember(ChatResult(text: "hello"), for: fingerprint)
        allDown(mode)
        do {
            _ = try await mode.admit(fingerprint, options: .init(cacheable: false, priority: .high))
            Issue.record("expected a refusal")
        } catch let error as DegradedModeError {
            #expect(error.code == .allProvidersDown)
            #expect(error.downProviders.map(\.provider) == ["openai", "anthropic"])
            #expect(
                error.description
                    == "all providers are down: openai: prolonged since 2025-06-15T15:06:40Z (20 failures in the last 300 s); "
                    + "anthropic: prolonged since 2025-06-15T15:07:40Z (20 failures in the last 300 s)")
        }
    }

    @Test func cacheableRequestWithoutACachedAnswerFailsFast() async {
        let mode = degraded(clock: ManualClock())
        allDown(mode)
        await #expect(throws: DegradedModeError.self) {
            try await mode.admit(RequestFingerprint(request("new question")), options: .init(cacheable: true))
        }
    }

    @Test func cacheEvictsTheLeastRecentlyUsedAnswer() {
        let cache = ResponseCache<String>(capacity: 2, clock: ManualClock())
        let (a, b, c) = (RequestFingerprint(key: "a"), RequestFingerprint(key: "b"), RequestFingerprint(key: "c"))
        cache.store("A", for: a)
        cache.store("B", for: b)
        #expect(cache.value(for: a)?.value == "A")  // a is now more recent than b
        cache.store("C", for: c)
        #expect(cache.count == 2)
        #expect(cache.value(for: b) == nil)
        #expect(cache.keysByRecency == [c, a])
        cache.store("A2", for: a)  // replacing keeps the size
        #expect(cache.count == 2 && cache.value(for: a)?.value == "A2")
        cache.removeValue(for: c)
        cache.store("B", for: b)
        #expect(cache.keysByRecency == [b, a])
    }

    @Test func cacheStaysBoundedUnderManyInsertions() {
        let cache = ResponseCache<Int>(capacity: 16, clock: ManualClock())
        for index in 0..<1_000 { cache.store(index, for: RequestFingerprint(key: "\(index)")) }
        #expect(cache.count == 16)
        #expect(cache.value(for: RequestFingerprint(key: "999"))?.value == 999)
        #expect(cache.value(for: RequestFingerprint(key: "983")) == nil)
        #expect(ResponseCache<Int>(capacity: 0, clock: ManualClock()).count == 0)
    }

    @Test func cacheDoesNotServeAnswersOlderThanItsMaxAge() {
        let clock = ManualClock()
        let cache = ResponseCache<String>(capacity: 4, maxAge: 60, clock: clock)
        cache.store("old", for: RequestFingerprint(key: "k"))
        clock.advance(by: 60)
        #expect(cache.value(for: RequestFingerprint(key: "k"))?.value == "old")
        clock.advance(by: 0.5)
        #expect(cache.value(for: RequestFingerprint(key: "k")) == nil)
        #expect(cache.count == 0)
    }

    @Test func fingerprintIgnoresStreamingAndMetadataButNotTheConversation() {
        let base = request("question")
        var streamed = base
        streamed.stream = true
        streamed.metadata = ["user_id": "42"]
        #expect(RequestFingerprint(base) == RequestFingerprint(streamed))
        #expect(RequestFingerprint(base).digest == RequestFingerprint(streamed).digest)
        var other = base
        other.messages[1].content = "question?"
        #expect(RequestFingerprint(base) != RequestFingerprint(other))
        var hotter = base
        hotter.temperature = 0.7
        #expect(RequestFingerprint(base) != RequestFingerprint(hotter))
        #expect(RequestFingerprint(base).digest.count == 16)
    }

    @Test func lowPriorityRequestWaitsUntilAProviderRecovers() async throws {
        let clock = ManualClock()
        let mode = degraded(clock: clock)
        allDown(mode)
        let waiter = Task { try await mode.admit(nil, options: .init(priority: .low, deadline: 120)) }
        await clock.waitForSleepers(1)  // the deadline timer of the queued request
        #expect(mode.queuedCount == 1)
        #expect(clock.pendingSleeps == [120])
        clock.advance(by: 42)
        mode.update(status("anthropic", .extended))
        #expect(try await waiter.value == .proceed(waited: 42))
        #expect(mode.queuedCount == 0)
        #expect(clock.sleeperCount == 0)
    }

    @Test func queuedRequestFailsWhenItsDeadlinePasses() async throws {
        let clock = ManualClock()
        let mode = degraded(clock: clock)
        allDown(mode)
        let waiter = Task { try await mode.admit(nil, options: .init(priority: .low, deadline: 30)) }
        await clock.waitForSleepers(1)
        clock.advance(by: 29.999)
        #expect(mode.queuedCount == 1)
        clock.advance(by: 0.001)
        do {
            _ = try await waiter.value
            Issue.record("expected the deadline to pass")
        } catch let error as DegradedModeError {
            #expect(error.code == .deadlineExceeded)
            #expect(error.waited == 30)
            #expect(
                error.description.hasPrefix(
                    "all providers are down and none recovered before the request's deadline (waited 30.0 s): openai: prolonged since"
                ))
        }
        #expect(mode.queuedCount == 0)
    }

    @Test func queuedRequestWaitsAtMostTheConfiguredMaximum() async throws {
        let clock = ManualClock()
        let mode = degraded(clock: clock, configuration: .init(maxQueueWait: 45))
        allDown(mode)
        let waiter = Task { try await mode.admit(nil, options: .init(priority: .low)) }
        await clock.waitForSleepers(1)
        #expect(clock.pendingSleeps == [45])
        clock.advance(by: 45)
        await #expect(throws: DegradedModeError.self) { try await waiter.value }
    }

    @Test func fullQueueRefusesAtOnce() async throws {
        let clock = ManualClock()
        let mode = degraded(clock: clock, configuration: .init(queueCapacity: 2))
        allDown(mode)
        let waiters = (0..<2).map { _ in
            Task { try await mode.admit(nil, options: .init(priority: .low, deadline: 60)) }
        }
        await clock.waitForSleepers(2)
        do {
            _ = try await mode.admit(nil, options: .init(priority: .low, deadline: 60))
            Issue.record("expected the queue to be full")
        } catch let error as DegradedModeError {
            #expect(error.code == .queueFull)
        }
        mode.update(status("openai", .none))
        for waiter in waiters { #expect(try await waiter.value == .proceed(waited: 0)) }
    }

    @Test func requestWhoseDeadlineHasPassedIsRefused() async throws {
        let clock = ManualClock(now: 100)
        let mode = degraded(clock: clock)
        allDown(mode)
        await #expect(throws: DegradedModeError.self) {
            try await mode.admit(nil, options: .init(priority: .low, deadline: 99))
        }
        #expect(mode.queuedCount == 0)
    }

    @Test func cancellingAQueuedRequestFreesItsPlace() async throws {
        let clock = ManualClock()
        let mode = degraded(clock: clock, configuration: .init(queueCapacity: 1))
        allDown(mode)
        let waiter = Task { try await mode.admit(nil, options: .init(priority: .low, deadline: 60)) }
        await clock.waitForSleepers(1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(mode.queuedCount == 0)
        #expect(clock.sleeperCount == 0)
    }

    @Test func publishesEnteringAndLeavingDegradedMode() {
        let clock = ManualClock(now: 0, wallOrigin: 5_000)
        let log = EventLog<DegradedModeEvent>()
        let mode = degraded(clock: clock, log: log)
        allDown(mode)
        clock.advance(by: 10)
        mode.update(status("openai", .none))
        mode.update(status("openai", .transient))
        let events = log.events
        #expect(events.map(\.active) == [true, false])
        #expect(events.map(\.timestamp) == [5_000, 5_010])
        #expect(events[0].providers.allSatisfy { $0.severity == .prolonged })
        #expect(events[1].description == "degraded mode off")
    }
}

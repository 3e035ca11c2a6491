import Foundation
import Bulwark
import BulwarkTesting
import Testing

@Suite("Rate limiter", .timeLimit(.minutes(1)))
struct RateLimiterTests {
    typealias Fixtures = ResilienceFixtures

    private func limiter(
        rpm: Int? = nil, tpm: Int? = nil, concurrent: Int? = nil, clock: ManualClock
    ) -> RateLimiter {
        RateLimiter(
            provider: "openai",
            configuration: RateLimitConfiguration(
                requestsPerMinute: rpm, tokensPerMinute: tpm, maxConcurrent: concurrent),
            clock: clock)
    }

    @discardableResult
    private func grant(_ limiter: RateLimiter, tokens: Int = 0) throws -> RateLimitPermit {
        guard case .granted(let permit) = limiter.tryAcquire(estimatedTokens: tokens) else {
            Issue.record("expected a permit")
            throw CancellationError()
        }
        return permit
    }

    private func wait(_ decision: RateLimitDecision) -> (Double, RateLimitReason)? {
        if case .wait(let seconds, let reason) = decision { return (seconds, reason) }
        return nil
    }

    @Test func admitsUpToTheRPMThenWaitsExactlyUntilTheOldestLeavesTheWindow() throws {
        let clock = ManualClock()
        let limiter = limiter(rpm: 3, clock: clock)
        for _ in 0..<3 {
            try grant(limiter).complete()
            clock.advance(by: 10)
        }
        let decision = wait(limiter.tryAcquire(estimatedTokens: 0))
        #expect(decision?.0 == 30 && decision?.1 == .requestsPerMinute)
        #expect(limiter.waitTime(estimatedTokens: 0) == 30)
        clock.advance(by: 29.5)
        #expect(limiter.waitTime(estimatedTokens: 0) == 0.5)
        clock.advance(by: 0.5)
        try grant(limiter)
        #expect(limiter.snapshot().requestsInWindow == 3)
    }

    @Test func tokensPerMinuteWaitsUntilEnoughTokensHaveLeftTheWindow() throws {
        let clock = ManualClock()
        let limiter = limiter(tpm: 1_000, clock: clock)
        try grant(limiter, tokens: 400)
        clock.advance(by: 10)
        try grant(limiter, tokens: 400)
        clock.advance(by: 10)
        try grant(limiter, tokens: 200)
        #expect(limiter.snapshot().tokensInWindow == 1_000)
        // 300 tokens fit once the first 400 leave (at t = 60); 700 once the second 400 leave too (t = 70).
        #expect(limiter.waitTime(estimatedTokens: 300) == 40)
        #expect(limiter.waitTime(estimatedTokens: 700) == 50)
        #expect(wait(limiter.tryAcquire(estimatedTokens: 300))?.1 == .tokensPerMinute)
    }

    @Test func requestLargerThanTheTPMIsAdmittedOnceTheWindowIsEmpty() throws {
        let clock = ManualClock()
        let limiter = limiter(tpm: 1_000, clock: clock)
        try grant(limiter, tokens: 100)
        clock.advance(by: 15)
        #expect(limiter.waitTime(estimatedTokens: 5_000) == 45)
        clock.advance(by: 45)
        try grant(limiter, tokens: 5_000)
    }

    @Test func completingWithActualUsageCorrectsTheEstimate() throws {
        let clock = ManualClock()
        let limiter = limiter(tpm: 1_000, clock: clock)
        let permit = try grant(limiter, tokens: 800)
        #expect(limiter.waitTime(estimatedTokens: 500) == 60)
        permit.complete(actualTokens: 200)
        #expect(limiter.snapshot().tokensInWindow == 200)
        try grant(limiter, tokens: 500)
    }

    @Test func concurrencyCapHoldsUntilAPermitIsCompleted() throws {
        let clock = ManualClock()
        let limiter = limiter(concurrent: 2, clock: clock)
        let first = try grant(limiter)
        try grant(limiter)
        guard case .concurrencyLimited(let inFlight) = limiter.tryAcquire(estimatedTokens: 0) else {
            Issue.record("expected the concurrency cap")
            return
        }
        #expect(inFlight == 2)
        #expect(limiter.waitTime(estimatedTokens: 0) == nil)
        first.complete()
        first.complete()  // a second completion is ignored
        try grant(limiter)
        #expect(limiter.snapshot().inFlight == 2)
    }

    @Test func acquireWaitsForAConcurrencySlot() async throws {
        let clock = ManualClock()
        let limiter = limiter(concurrent: 1, clock: clock)
        let first = try grant(limiter)
        let waiter = Task { try await limiter.acquire(estimatedTokens: 10, maxWait: 30) }
        await clock.waitForSleepers(1)  // the waiter's timeout is running
        #expect(clock.pendingSleeps == [30])
        clock.advance(by: 5)
        first.complete()
        let permit = try await waiter.value
        #expect(permit.waited == 5)
        #expect(limiter.snapshot().inFlight == 1)
        #expect(clock.sleeperCount == 0)
    }

    @Test func acquireGivesUpOnAConcurrencySlotAfterMaxWait() async throws {
        let clock = ManualClock()
        let limiter = limiter(concurrent: 1, clock: clock)
        try grant(limiter)
        let waiter = Task { try await limiter.acquire(estimatedTokens: 0, maxWait: 2) }
        await clock.waitForSleepers(1)
        clock.advance(by: 2)
        await #expect(throws: RateLimitWaitExceeded(provider: "openai", wait: nil, reason: .concurrency)) {
            try await waiter.value
        }
    }

    @Test func acquireSleepsExactlyTheComputedWait() async throws {
        let clock = ManualClock()
        let limiter = limiter(rpm: 1, clock: clock)
        try grant(limiter).complete()
        clock.advance(by: 12.5)
        let waiter = Task { try await limiter.acquire(estimatedTokens: 0) }
        await clock.waitForSleepers(1)
        #expect(clock.pendingSleeps == [47.5])
        clock.advance(by: 47.5)
        let permit = try await waiter.value
        #expect(permit.waited == 47.5)
    }

    @Test func acquireThrowsAtOnceWhenTheWaitExceedsMaxWait() async throws {
        let clock = ManualClock()
        let limiter = limiter(rpm: 1, clock: clock)
        try grant(limiter)
        await #expect(throws: RateLimitWaitExceeded(provider: "openai", wait: 60, reason: .requestsPerMinute)) {
            try await limiter.acquire(estimatedTokens: 0, maxWait: 59)
        }
        #expect(clock.sleeperCount == 0)
    }

    @Test func providerRemainingZeroWaitsExactlyUntilItsReset() throws {
        let clock = ManualClock(now: 100)
        let limiter = limiter(rpm: 500, clock: clock)
        limiter.update(
            from: RateLimitHeaders(buckets: [
                RateLimitBucket(resource: .requests, limit: 500, remaining: 0, resetAfter: .milliseconds(7_500))
            ]))
        let decision = wait(limiter.tryAcquire(estimatedTokens: 0))
        #expect(decision?.0 == 7.5 && decision?.1 == .providerReported(.requests))
        clock.advance(by: 3)
        #expect(limiter.waitTime(estimatedTokens: 0) == 4.5)
        clock.advance(by: 4.5)
        try grant(limiter)
    }

    @Test func providerRemainingIsCountedDownBeforeWaiting() throws {
        let clock = ManualClock()
        let limiter = limiter(clock: clock)
        limiter.update(
            from: RateLimitHeaders(buckets: [
                RateLimitBucket(resource: .requests, remaining: 2, resetAfter: .seconds(20))
            ]))
        try grant(limiter)
        try grant(limiter)
        #expect(limiter.snapshot().providerRemainingRequests == 0)
        #expect(limiter.waitTime(estimatedTokens: 0) == 20)
    }

    @Test func providerTokensBelowTheEstimateWaitForTheReset() throws {
        let clock = ManualClock()
        let limiter = limiter(clock: clock)
        limiter.update(
            from: RateLimitHeaders(buckets: [
                RateLimitBucket(resource: .tokens, limit: 30_000, remaining: 1_000, resetAfter: .milliseconds(1_500))
            ]))
        #expect(limiter.waitTime(estimatedTokens: 800) == 0)
        #expect(limiter.waitTime(estimatedTokens: 1_200) == 1.5)
        #expect(wait(limiter.tryAcquire(estimatedTokens: 1_200))?.1 == .providerReported(.tokens))
    }

    @Test func openAIHeadersSayingNothingIsLeftGiveTheExactWait() throws {
        let clock = ManualClock()
        let limiter = limiter(rpm: 500, tpm: 200_000, clock: clock)
        let headers: HTTPHeaderFields = [
            "x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-limit-tokens": "200000",
            "x-ratelimit-remaining-tokens": "150000", "x-ratelimit-reset-tokens": "17.687s",
        ]
        limiter.update(from: RateLimitHeaders(parsing: headers, now: Date()))
        #expect(limiter.waitTime(estimatedTokens: 1_000) == 360)
    }

    @Test func anthropicInputTokensAtZeroBlockUntilTheirReset() throws {
        let clock = ManualClock()
        let limiter = limiter(clock: clock)
        limiter.update(
            from: RateLimitHeaders(buckets: [
                RateLimitBucket(resource: .inputTokens, limit: 40_000, remaining: 0, resetAfter: .seconds(12))
            ]))
        #expect(wait(limiter.tryAcquire(estimatedTokens: 10))?.1 == .providerReported(.inputTokens))
        #expect(limiter.waitTime(estimatedTokens: 10) == 12)
        limiter.update(
            from: RateLimitHeaders(buckets: [
                RateLimitBucket(resource: .inputTokens, limit: 40_000, remaining: 39_000, resetAfter: .seconds(1))
            ]))
        #expect(limiter.waitTime(estimatedTokens: 10) == 0)
    }

    @Test func expiredProviderViewNoLongerLimits() throws {
        let clock = ManualClock()
        let limiter = limiter(clock: clock)
        limiter.update(
            from: RateLimitHeaders(buckets: [
                RateLimitBucket(resource: .requests, remaining: 0, resetAfter: .seconds(1))
            ]))
        clock.advance(by: 1)
        try grant(limiter)
        try grant(limiter)
        #expect(limiter.snapshot().providerRemainingRequests == nil)
    }

    @Test func pauseMakesEveryRequestWaitForTheRetryAfter() throws {
        let clock = ManualClock()
        let limiter = limiter(clock: clock)
        limiter.pause(for: 20)
        limiter.pause(for: 5)  // a shorter pause does not shorten the longer one
        let decision = wait(limiter.tryAcquire(estimatedTokens: 0))
        #expect(decision?.0 == 20 && decision?.1 == .paused)
        clock.advance(by: 20)
        try grant(limiter)
    }

    @Test func theLongestOfSeveralWaitsWins() throws {
        let clock = ManualClock()
        let limiter = limiter(rpm: 1, clock: clock)
        try grant(limiter)
        limiter.pause(for: 90)
        #expect(limiter.waitTime(estimatedTokens: 0) == 90)
    }

    @Test func unlimitedConfigurationAlwaysAdmits() throws {
        let limiter = limiter(clock: ManualClock())
        for _ in 0..<1_000 { try grant(limiter, tokens: 1_000_000) }
        #expect(limiter.snapshot().requestsInWindow == 1_000)
    }
}

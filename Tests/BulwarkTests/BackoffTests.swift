import BulwarkCore
import Bulwark
import BulwarkTesting
import Testing

@Suite("Backoff and retry decisions")
struct BackoffTests {
    typealias Fixtures = ResilienceFixtures

    // MARK: Delays

    @Test func exponentialDelayDoublesFromTheBaseUpToTheCap() {
        let policy = BackoffPolicy(baseDelay: 1, maxDelay: 60, jitter: .none)
        #expect((0...7).map { policy.exponentialDelay(retry: $0) } == [1, 2, 4, 8, 16, 32, 60, 60])
        #expect(policy.exponentialDelay(retry: 5_000) == 60)
        #expect(policy.exponentialDelay(retry: -1) == 1)
    }

    @Test func defaultPolicyIsTheGuides() {
        let policy = BackoffPolicy(RetryConfiguration())
        #expect(policy.baseDelay == 1 && policy.maxDelay == 60 && policy.jitter == .full)
        #expect(policy.decorrelatedBound == .previousTimesThree)
    }

    @Test func noJitterWaitsTheExponentialDelay() {
        let policy = BackoffPolicy(baseDelay: 0.5, maxDelay: 10, jitter: .none)
        let random = RandomSource(seed: 1)
        #expect((0..<6).map { policy.delay(retry: $0, using: random) } == [0.5, 1, 2, 4, 8, 10])
    }

    @Test func fullJitterDrawsFromZeroToTheDelay() {
        let policy = BackoffPolicy(baseDelay: 1, maxDelay: 60, jitter: .full)
        let random = RandomSource(seed: 42)
        let samples = (0..<10_000).map { _ in policy.delay(retry: 3, using: random) }
        #expect(policy.delayRange(retry: 3) == 0...8)
        #expect(samples.allSatisfy { (0...8).contains($0) })
        #expect(samples.min()! < 0.01 && samples.max()! > 7.99)
        let mean = samples.reduce(0, +) / Double(samples.count)
        #expect(abs(mean - 4) < 0.1)
    }

    @Test func equalJitterDrawsFromHalfTheDelayToTheDelay() {
        let policy = BackoffPolicy(baseDelay: 1, maxDelay: 60, jitter: .equal)
        let random = RandomSource(seed: 7)
        let samples = (0..<10_000).map { _ in policy.delay(retry: 4, using: random) }
        #expect(policy.delayRange(retry: 4) == 8...16)
        #expect(samples.allSatisfy { (8...16).contains($0) })
        #expect(samples.min()! < 8.01 && samples.max()! > 15.99)
        let mean = samples.reduce(0, +) / Double(samples.count)
        #expect(abs(mean - 12) < 0.15)
    }

    @Test func decorrelatedJitterDrawsFromTheBaseToThreeTimesThePreviousDelay() {
        let policy = BackoffPolicy(baseDelay: 1, maxDelay: 60, jitter: .decorrelated)
        #expect(policy.delayRange(retry: 0, previousDelay: nil) == 1...3)
        #expect(policy.delayRange(retry: 1, previousDelay: 2.5) == 1...7.5)
        // Independent of the attempt number: only the previous delay matters.
        #expect(policy.delayRange(retry: 9, previousDelay: 2.5) == 1...7.5)
        // A previous delay below the base (a short Retry-After) counts as the base.
        #expect(policy.delayRange(retry: 2, previousDelay: 0.1) == 1...3)
        let random = RandomSource(seed: 9)
        var previous: Double?
        for retry in 0..<50 {
            let delay = policy.delay(retry: retry, previousDelay: previous, using: random)
            #expect(delay >= 1 && delay <= min(60, 3 * max(previous ?? 1, 1)))
            previous = delay
        }
    }

    @Test func decorrelatedJitterStaysSpreadBelowTheCap() {
        let policy = BackoffPolicy(baseDelay: 1, maxDelay: 10, jitter: .decorrelated)
        #expect(policy.delayRange(retry: 3, previousDelay: 9) == 1...10)
        let random = RandomSource(seed: 3)
        let samples = (0..<2_000).map { _ in policy.delay(retry: 3, previousDelay: 9, using: random) }
        #expect(samples.allSatisfy { $0 >= 1 && $0 <= 10 })
        // Drawn below the cap, not clamped to it: almost no sample is exactly the cap.
        #expect(samples.filter { $0 == 10 }.count < 5)
    }

    @Test func literalDecorrelatedReadingMakesTheFirstRetryExactlyTheBase() {
        let policy = BackoffPolicy(baseDelay: 1, maxDelay: 60, jitter: .decorrelated, decorrelatedBound: .exponential)
        #expect(policy.delayRange(retry: 0) == 1...1)
        #expect(policy.delayRange(retry: 3) == 1...8)
        #expect(policy.delay(retry: 0, using: RandomSource(seed: 5)) == 1)
    }

    @Test func equalSeedsRepeatTheSameDelays() {
        let policy = BackoffPolicy()
        let first = RandomSource(seed: 2024)
        let second = RandomSource(seed: 2024)
        let a = (0..<20).map { policy.delay(retry: $0 % 6, using: first) }
        let b = (0..<20).map { policy.delay(retry: $0 % 6, using: second) }
        #expect(a == b)
        var generator = SplitMix64(seed: 2024)
        let c = (0..<20).map { policy.delay(retry: $0 % 6, using: &generator) }
        #expect(a == c)
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
        var generator = SplitMix64(seed: 1_234_567)
        #expect(
            [generator.next(), generator.next(), generator.next()] == [
                6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
            ])
    }

    // MARK: Retry decisions

    private func policy(maxRetries: Int = 5, ceiling: Double = 60, jitter: JitterStrategy = .full) -> RetryPolicy {
        RetryPolicy(
            maxRetries: maxRetries, retryAfterCeiling: ceiling, backoff: BackoffPolicy(jitter: jitter),
            random: RandomSource(seed: 11))
    }

    @Test(arguments: [
        ErrorType.requestTimeout, .rateLimited, .serverError, .badGateway, .unavailable, .gatewayTimeout, .overloaded,
        .timeout, .connection, .streamStalled,
    ])
    func retriesEveryRetryableError(type: ErrorType) {
        let decision = policy(jitter: .none).decide(after: Fixtures.error(type), retriesSoFar: 2)
        #expect(decision == .retry(after: 4, source: .backoff))
    }

    @Test(arguments: [
        ErrorType.badRequest, .authentication, .permission, .notFound, .requestTooLarge, .quotaExhausted,
        .contentFiltered, .invalidResponse, .unknown,
    ])
    func givesUpOnErrorsThatAreNeverRetried(type: ErrorType) {
        let decision = policy().decide(after: Fixtures.error(type, retryAfter: .seconds(1)), retriesSoFar: 0)
        #expect(decision == .giveUp(.notRetryable(type)))
    }

    @Test func retriesRateLimitedCallAfterExactlyTheRetryAfter() {
        let error = Fixtures.error(.rateLimited, retryAfter: .milliseconds(1_250))
        #expect(policy().decide(after: error, retriesSoFar: 0) == .retry(after: 1.25, source: .retryAfter))
    }

    @Test func retryAfterReplacesTheComputedDelayEvenWhenShorter() {
        let error = Fixtures.error(.overloaded, retryAfter: .milliseconds(200))
        let decision = policy(jitter: .none).decide(after: error, retriesSoFar: 4)
        #expect(decision == .retry(after: 0.2, source: .retryAfter))
    }

    @Test func retryAfterLongerThanTheBackoffCapIsStillHonouredBelowTheCeiling() {
        let error = Fixtures.error(.unavailable, retryAfter: .seconds(90))
        let decision = policy(ceiling: 120).decide(after: error, retriesSoFar: 0)
        #expect(decision == .retry(after: 90, source: .retryAfter))
    }

    @Test func retryAfterAtTheCeilingIsHonoured() {
        let error = Fixtures.error(.rateLimited, retryAfter: .seconds(60))
        #expect(policy().decide(after: error, retriesSoFar: 0) == .retry(after: 60, source: .retryAfter))
    }

    @Test func retryAfterAboveTheCeilingFallsBackAtOnce() {
        let error = Fixtures.error(.rateLimited, retryAfter: .milliseconds(60_001))
        #expect(policy().decide(after: error, retriesSoFar: 0) == .fallBack(.retryAfterAboveCeiling(60.001)))
    }

    @Test func shouldRetryFalseVetoesARetry() {
        let error = Fixtures.error(.serverError, shouldRetry: false)
        #expect(policy().decide(after: error, retriesSoFar: 0) == .giveUp(.providerSaidDoNotRetry))
    }

    @Test func shouldRetryTrueDoesNotMakeABadRequestRetryable() {
        let error = Fixtures.error(.badRequest, shouldRetry: true)
        #expect(policy().decide(after: error, retriesSoFar: 0) == .giveUp(.notRetryable(.badRequest)))
    }

    @Test func truncatedStreamIsRetriedOnlyWhenNothingWasDelivered() {
        let empty = ProviderError(errorType: .streamTruncated, statusCode: 200, message: "cut")
        #expect(policy(jitter: .none).decide(after: empty, retriesSoFar: 0) == .retry(after: 1, source: .backoff))
        let partial = ProviderError(
            errorType: .streamTruncated, statusCode: 200, message: "cut", partial: ChatResult(text: "Hello"))
        #expect(policy().decide(after: partial, retriesSoFar: 0) == .giveUp(.notRetryable(.streamTruncated)))
    }

    @Test func fallsBackAfterMaxRetries() {
        let error = Fixtures.error(.serverError)
        #expect(policy(maxRetries: 2).decide(after: error, retriesSoFar: 1).delay != nil)
        #expect(policy(maxRetries: 2).decide(after: error, retriesSoFar: 2) == .fallBack(.retriesExhausted))
        #expect(policy(maxRetries: 0).decide(after: error, retriesSoFar: 0) == .fallBack(.retriesExhausted))
    }

    @Test func providerMaxRetriesOverridesTheRetrySection() {
        var section = RetryConfiguration()
        section.retryAfterCeiling = 30
        let policy = RetryPolicy(section, maxRetries: 1, random: RandomSource(seed: 1))
        #expect(policy.maxRetries == 1 && policy.retryAfterCeiling == 30)
        #expect(RetryPolicy(section).maxRetries == 5)
    }

    @Test func backoffDelayIsJitteredWithinTheRange() {
        let policy = policy(jitter: .full)
        for retry in 0..<5 {
            let delay = policy.decide(after: Fixtures.error(.serverError), retriesSoFar: retry).delay
            #expect(delay.map { $0 >= 0 && $0 <= Double(1 << retry) } == true)
        }
    }

    @Test func exhaustedBudgetTurnsARetryIntoAFallBack() {
        let budget = RetryBudget(
            configuration: .init(ratio: 0.1, window: 10, minimumRetriesPerSecond: 0), clock: ManualClock())
        for _ in 0..<10 { budget.recordRequest() }
        let policy = policy()
        #expect(policy.decide(after: Fixtures.error(.serverError), retriesSoFar: 0, budget: budget).delay != nil)
        #expect(
            policy.decide(after: Fixtures.error(.serverError), retriesSoFar: 0, budget: budget)
                == .fallBack(.budgetExhausted))
        // A decision that is not a retry does not spend the budget.
        for _ in 0..<10 { budget.recordRequest() }
        _ = policy.decide(after: Fixtures.error(.badRequest), retriesSoFar: 0, budget: budget)
        _ = policy.decide(
            after: Fixtures.error(.rateLimited, retryAfter: .seconds(600)), retriesSoFar: 0, budget: budget)
        #expect(policy.decide(after: Fixtures.error(.serverError), retriesSoFar: 0, budget: budget).delay != nil)
    }

    @Test func retryLoopSleepsExactlyTheRetryAfterOnTheClock() async throws {
        let clock = ManualClock()
        let policy = policy()
        let errors = [Fixtures.error(.rateLimited, retryAfter: .milliseconds(1_250))]
        let attempts = OrderRecorder()
        let task = Task { () throws -> Int in
            var retries = 0
            while true {
                attempts.append(clock.now)
                guard retries < errors.count else { return retries }
                let decision = policy.decide(after: errors[retries], retriesSoFar: retries)
                guard let delay = decision.delay else { return -1 }
                try await clock.sleep(for: delay)
                retries += 1
            }
        }
        await clock.waitForSleepers(1)
        #expect(clock.pendingSleeps == [1.25])
        clock.advance(by: 1.249)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: 0.001)
        #expect(try await task.value == 1)
        #expect(attempts.values == [0, 1.25])
    }
}

import Bulwark
import BulwarkTesting
import Testing

@Suite("Retry budget")
struct RetryBudgetTests {
    private func withdrawAll(_ budget: RetryBudget, limit: Int = 100_000) -> Int {
        var count = 0
        while count < limit, budget.tryWithdraw() { count += 1 }
        return count
    }

    @Test func lowTrafficCanStillRetryFromTheReserve() {
        let budget = RetryBudget(configuration: .init(), clock: ManualClock())
        #expect(budget.configuration.reserve == 10)
        #expect(withdrawAll(budget) == 10)
        #expect(!budget.tryWithdraw())
    }

    @Test func retriesAreCappedAtTenPercentOfRequestsPlusTheReserveDuringAStorm() {
        let budget = RetryBudget(configuration: .init(), clock: ManualClock())
        for _ in 0..<1_000 { budget.recordRequest() }
        // 1,000 failing requests that would each retry five times get 100 + 10 retries.
        #expect(withdrawAll(budget) == 110)
        let snapshot = budget.snapshot()
        #expect(snapshot.requests == 1_000 && snapshot.retries == 110)
        #expect(snapshot.available < 1)
    }

    @Test func steadyTrafficEarnsExactlyTheRatio() {
        let budget = RetryBudget(
            configuration: .init(ratio: 0.1, window: 10, minimumRetriesPerSecond: 0), clock: ManualClock())
        for _ in 0..<9 { budget.recordRequest() }
        #expect(!budget.tryWithdraw())
        budget.recordRequest()
        #expect(budget.tryWithdraw())
        #expect(!budget.tryWithdraw())
        for _ in 0..<25 { budget.recordRequest() }
        #expect(withdrawAll(budget) == 2)
    }

    @Test func budgetRefillsOnceTheWindowHasPassed() {
        let clock = ManualClock()
        let budget = RetryBudget(configuration: .init(), clock: clock)
        for _ in 0..<200 { budget.recordRequest() }
        #expect(withdrawAll(budget) == 30)
        clock.advance(by: 5)
        #expect(!budget.tryWithdraw())
        clock.advance(by: 5)
        // Deposits and withdrawals of the storm have expired; the reserve is back.
        #expect(ResilienceFixtures.same(budget.available, 10))
        #expect(withdrawAll(budget) == 10)
    }

    @Test func countsExpireOneSlotAtATime() {
        let clock = ManualClock()
        let budget = RetryBudget(configuration: .init(ratio: 1, window: 10, minimumRetriesPerSecond: 0), clock: clock)
        budget.recordRequest()
        clock.advance(by: 0.5)
        budget.recordRequest()
        clock.advance(by: 8.5)
        #expect(budget.snapshot().requests == 2)
        clock.advance(by: 1)
        // The first deposit (slot [0, 1)) left the window at t = 10; the second (slot [0, 1) too) with it.
        #expect(budget.snapshot().requests == 0)
        budget.recordRequest()
        clock.advance(by: 9.99)
        #expect(budget.snapshot().requests == 1)
        clock.advance(by: 0.01)
        #expect(budget.snapshot().requests == 0)
    }

    @Test func concurrentRetriesNeverOverspendTheBudget() async {
        let budget = RetryBudget(configuration: .init(), clock: ManualClock())
        for _ in 0..<500 { budget.recordRequest() }
        let granted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<200 where budget.tryWithdraw() { count += 1 }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(granted == 60)
    }

    @Test func configurationTakesTheRatioOfTheRetrySection() {
        var section = RetryConfiguration()
        section.budgetRatio = 0.2
        #expect(RetryBudget.Configuration(section).ratio == 0.2)
        #expect(RetryBudget.Configuration(RetryConfiguration()).ratio == 0.1)
    }
}

import BulwarkCore
import Synchronization

/// An attempt raced against a hedge: how each ended and which answered.
struct HedgedAttempt: Sendable {
    /// The attempt the chain started.
    var primary: AttemptOutcome
    /// The hedge, when one was started: its provider and how it ended (its breaker, limiter and
    /// `llm_api_hedges_total` bookkeeping is done).
    var hedge: (slot: ProviderSlot, outcome: AttemptOutcome)?
    /// The hedge answered first.
    var hedgeWon: Bool
}

/// What the two attempts of a race share: whether either showed progress, which one owns a stream's
/// delivery, and their tasks, so the loser can be cancelled at once.
private final class HedgeRace: Sendable {
    private struct State {
        var tasks: [Int: Task<AttemptOutcome, Never>] = [:]
        var keep: Int?
    }

    let progressed = Atomic<Bool>(false)
    /// The attempt that delivered text first (streams), or -1.
    let owner = Atomic<Int>(-1)
    private let state = Mutex(State())

    func adopt(_ index: Int, _ task: Task<AttemptOutcome, Never>) {
        let cancelNow = state.withLock { state -> Bool in
            if let keep = state.keep, keep != index { return true }
            state.tasks[index] = task
            return false
        }
        if cancelNow { task.cancel() }
    }

    /// Cancels every attempt but `index`, now and when it starts.
    func cancel(except index: Int) {
        let losers = state.withLock { state -> [Task<AttemptOutcome, Never>] in
            state.keep = index
            return state.tasks.filter { $0.key != index }.map(\.value)
        }
        for task in losers { task.cancel() }
    }
}

extension ResilientClient {
    /// Runs `context`'s attempt; when it has shown nothing (no response head, no first token) after
    /// `policy.delay` and the hedge budget allows, starts a hedge on the next provider that can go now (the
    /// same one when it is alone). The first answer wins and the other attempt is cancelled.
    func runHedged(
        _ context: AttemptContext, policy: HedgingConfiguration, hedgeBudget: RetryBudget, hedgeAttempt: Int,
        firstProvider: String?, tokens: Int, deliver: (@Sendable (String) async -> Void)?
    ) async -> HedgedAttempt {
        enum Event: Sendable {
            case finished(Int, AttemptOutcome)
            case delayElapsed
        }
        let race = HedgeRace()
        let runner = self.runner
        func gated(_ index: Int) -> (@Sendable (String) async -> Void)? {
            guard let deliver else { return nil }
            let gate: @Sendable (String) async -> Void = { text in
                // The first attempt to deliver text owns the stream; the other is cancelled.
                let (claimed, owner) = race.owner.compareExchange(
                    expected: -1, desired: index, ordering: .acquiringAndReleasing)
                if claimed { race.cancel(except: index) }
                if claimed || owner == index { await deliver(text) }
            }
            return gate
        }
        func start(_ index: Int, _ context: AttemptContext, in group: inout TaskGroup<Event>) {
            let deliver = gated(index)
            group.addTask {
                let task = Task { await runner.run(context, deliver: deliver) { race.progressed.store(true, ordering: .releasing) } }
                race.adopt(index, task)
                let outcome = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
                return .finished(index, outcome)
            }
        }
        var results: [Int: AttemptOutcome] = [:]
        var hedge: (slot: ProviderSlot, permit: CircuitPermit, rate: RateLimitPermit)?
        var winner: Int?
        await withTaskGroup(of: Event.self) { group in
            start(0, context, in: &group)
            let timer = runner.clock
            group.addTask {
                try? await timer.sleep(for: policy.delay)
                return .delayElapsed
            }
            while let event = await group.next() {
                switch event {
                case .delayElapsed:
                    guard winner == nil, results[0] == nil, !Task.isCancelled,
                        !race.progressed.load(ordering: .acquiring), hedgeBudget.tryWithdraw(),
                        let picked = await hedgeSlot(after: context.slot, tokens: tokens)
                    else { continue }
                    hedge = picked
                    var hedgeContext = AttemptContext(
                        slot: picked.slot, request: context.request, requestID: context.requestID, attempt: hedgeAttempt,
                        retryCount: 0, fallback: picked.slot.name != firstProvider, circuitState: picked.permit.state,
                        telemetry: context.telemetry)
                    hedgeContext.hedge = true
                    context.telemetry.hedgeLaunched(provider: picked.slot.name, attempt: hedgeAttempt)
                    start(1, hedgeContext, in: &group)
                case .finished(let index, let outcome):
                    results[index] = outcome
                    if winner == nil, case .success = outcome.result {
                        winner = index
                        race.cancel(except: index)
                    }
                    if results.count == (hedge == nil ? 1 : 2) || winner != nil { group.cancelAll() }
                }
            }
        }
        guard let hedge, let hedgeOutcome = results[1] else {
            return HedgedAttempt(primary: results[0]!, hedge: nil, hedgeWon: false)
        }
        let usedTokens = hedgeOutcome.metric.inputTokens + hedgeOutcome.metric.outputTokens
        hedge.rate.complete(actualTokens: usedTokens > 0 ? usedTokens : nil)
        switch hedgeOutcome.result {
        case .failure(let error) where error.errorType == .cancelled:
            hedge.slot.breaker.release(hedge.permit)
        case .failure(let error):
            hedge.slot.recordOutcome(error, permit: hedge.permit)
            noteOutageStatus(of: hedge.slot)
        case .success:
            hedge.slot.recordOutcome(nil, permit: hedge.permit)
            noteOutageStatus(of: hedge.slot)
        }
        recorder.record(.hedge(provider: hedge.slot.name, won: winner == 1))
        context.telemetry.hedgeEnded(provider: hedge.slot.name, attempt: hedgeAttempt, won: winner == 1)
        return HedgedAttempt(primary: results[0]!, hedge: (hedge.slot, hedgeOutcome), hedgeWon: winner == 1)
    }

    /// The provider a hedge goes to, with its permits: the next one after `slot` (wrapping round) whose
    /// circuit lets calls through and whose limiter lets this one go now; `slot` itself when it is alone.
    private func hedgeSlot(
        after slot: ProviderSlot, tokens: Int
    ) async -> (slot: ProviderSlot, permit: CircuitPermit, rate: RateLimitPermit)? {
        let index = slots.firstIndex { $0 === slot } ?? 0
        let others = slots.count == 1 ? slots : Array(slots[(index + 1)...] + slots[..<index])
        for candidate in others {
            guard candidate.breaker.currentState() != .open, candidate.limiter.waitTime(estimatedTokens: tokens) == 0,
                case .allowed(let permit) = candidate.breaker.acquire()
            else { continue }
            guard let rate = try? await candidate.limiter.acquire(estimatedTokens: tokens, maxWait: 0) else {
                candidate.breaker.release(permit)
                continue
            }
            return (candidate, permit, rate)
        }
        return nil
    }
}

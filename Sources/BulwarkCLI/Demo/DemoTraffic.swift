import BulwarkCore
import Foundation
import Bulwark
import ServiceLifecycle
import Synchronization

/// Drives mixed unary and streaming requests through the resilient client at a steady rate, with a
/// bound on the requests in flight, until graceful shutdown or the end of `--duration`; then stops
/// issuing and lets the requests in flight finish, so that every attempt the simulator counted is also
/// recorded (the ground-truth check depends on it).
final class DemoTraffic: Service, Sendable {
    struct Settings: Sendable {
        /// Logical requests per second.
        var rate: Double
        /// Most requests in flight; a tick that finds this many is skipped (and counted).
        var concurrency: Int
        /// Share of requests that stream, 0...1.
        var streamShare: Double
        /// Seconds to issue requests for; `nil` until graceful shutdown.
        var duration: Double?
        /// Longest wait for requests in flight at the end before they are cancelled.
        var drainTimeout: Double
    }

    let client: ResilientClient
    let settings: Settings
    let counters = DemoTrafficCounters()

    init(client: ResilientClient, settings: Settings) {
        self.client = client
        self.settings = settings
    }

    func run() async throws {
        let stop = StopFlag()
        let clock = ContinuousClock()
        let start = clock.now
        let interval = 1 / settings.rate
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                var index = 0
                while !stop.isSet {
                    let offset = interval * Double(index)
                    if let duration = settings.duration, offset >= duration { break }
                    await Self.sleep(until: start + .seconds(offset), clock: clock, unless: stop)
                    if stop.isSet { break }
                    if counters.begin(limit: settings.concurrency) {
                        let stream = DemoPrompts.streams(index, share: settings.streamShare)
                        let request = DemoPrompts.request(index)
                        let caller = DemoCaller.of(index)
                        group.addTask { await self.send(request, stream: stream, caller: caller) }
                    }
                    index += 1
                }
            } onGracefulShutdown: {
                stop.set()
            }
            counters.setDraining()
            let deadline = clock.now + .seconds(settings.drainTimeout)
            while counters.inFlight > 0, clock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            let left = counters.inFlight
            if left > 0 {
                counters.recordCancelled(left)
                group.cancelAll()
            }
        }
    }

    /// Sleeps until `instant` in steps of at most 250 ms, returning early once `stop` is set.
    private static func sleep(until instant: ContinuousClock.Instant, clock: ContinuousClock, unless stop: StopFlag) async {
        while !stop.isSet {
            let remaining = clock.now.duration(to: instant)
            if remaining <= .zero { return }
            try? await Task.sleep(for: min(remaining, .milliseconds(250)))
        }
    }

    private func send(_ request: ChatRequest, stream: Bool, caller: DemoCaller) async {
        let client = self.client
        do {
            let ending: DemoCallEnding<ResilientResponse?>
            if stream {
                let pieces: Int? = if case .leaves(_, let pieces) = caller { pieces } else { nil }
                let deadline: Double? = if case .deadline(let seconds) = caller { seconds } else { nil }
                ending = try await DemoCallEnding.run(givingUpAfter: deadline) {
                    try await Self.read(client.stream(request), stoppingAfter: pieces)
                }
            } else {
                ending = try await DemoCallEnding.run(givingUpAfter: caller.unaryPatience) {
                    try await client.complete(request)
                }
            }
            switch ending {
            case .answered(let answer?): counters.finish(answer)
            // A stream read to no answer: its reader left, or its deadline passed (a cancelled stream ends quietly).
            case .answered(nil): if caller == .patient { counters.finishWithoutAnswer() } else { counters.callerGaveUp() }
            case .gaveUp: counters.callerGaveUp()
            }
        } catch let error as ResilientClientError {
            counters.fail(error)
        } catch {
            counters.finishWithoutAnswer()
        }
    }

    /// Reads a stream to its answer, or stops after `pieces` pieces of text (the reader went away: the
    /// stream's request ends `cancelled`); `nil` when it ended without an answer.
    private static func read(_ stream: ResilientStream, stoppingAfter pieces: Int?) async throws -> ResilientResponse? {
        var texts = 0
        for try await update in stream {
            switch update {
            case .completed(let response): return response
            case .text:
                texts += 1
                if let pieces, texts >= pieces { return nil }
            }
        }
        return nil
    }
}

/// What the traffic driver has done so far.
final class DemoTrafficCounters: Sendable {
    struct Values: Sendable {
        var issued = 0
        var inFlight = 0
        /// Ticks skipped because `concurrency` requests were in flight.
        var skipped = 0
        var success = 0
        var fallback = 0
        var failed = 0
        /// Requests still in flight after the drain timeout, cancelled.
        var cancelled = 0
        /// Requests whose caller went away or whose caller's deadline passed (see ``DemoCaller``).
        var gaveUp = 0
        /// Failed requests by the normalized error of the last provider tried.
        var failures: [String: Int] = [:]
        /// Answered requests by the provider that answered (a provider skipped for an open circuit does
        /// not make the answer a fallback in `llm_api_requests_total`, but it shows here).
        var answeredBy: [String: Int] = [:]
        var draining = false
    }

    private let state = Mutex(Values())

    var values: Values { state.withLock { $0 } }
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Starts a request unless `limit` are in flight (then counts a skipped tick).
    func begin(limit: Int) -> Bool {
        state.withLock { state in
            guard state.inFlight < limit else {
                state.skipped += 1
                return false
            }
            state.issued += 1
            state.inFlight += 1
            return true
        }
    }

    func finish(_ response: ResilientResponse) {
        state.withLock { state in
            state.inFlight -= 1
            if response.usedFallback { state.fallback += 1 } else { state.success += 1 }
            state.answeredBy[response.provider, default: 0] += 1
        }
    }

    func fail(_ error: ResilientClientError) {
        state.withLock { state in
            state.inFlight -= 1
            state.failed += 1
            state.failures[error.lastError?.errorType.rawValue ?? "skipped", default: 0] += 1
        }
    }

    func callerGaveUp() {
        state.withLock { state in
            state.inFlight -= 1
            state.gaveUp += 1
        }
    }

    func finishWithoutAnswer() {
        state.withLock { state in
            state.inFlight -= 1
            state.failed += 1
            state.failures["unknown", default: 0] += 1
        }
    }

    func setDraining() { state.withLock { $0.draining = true } }

    func recordCancelled(_ count: Int) { state.withLock { $0.cancelled += count } }
}

/// A flag set once, from any thread.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

/// The requests the demo sends: short chat prompts that differ from one request to the next.
enum DemoPrompts {
    private static let topics = [
        "why a retry should wait longer after each failure",
        "what a circuit breaker does when a service keeps failing",
        "how to read a Retry-After header",
        "when to fall back to a second LLM provider",
        "why streaming answers need a stall timeout",
        "how a daily spend budget protects an LLM feature",
        "what jitter adds to exponential backoff",
        "how rate-limit headers announce the remaining quota",
    ]

    /// The `index`-th request of the run.
    static func request(_ index: Int) -> ChatRequest {
        ChatRequest(
            messages: [
                .system("You are a concise assistant for a reliability team."),
                .user("Request \(index): explain \(topics[index % topics.count]) in two sentences."),
            ],
            maxTokens: 256)
    }

    /// Whether the `index`-th request streams: evenly spread, `share` of them.
    static func streams(_ index: Int, share: Double) -> Bool {
        guard share > 0 else { return false }
        return (Double(index + 1) * share).rounded(.down) > (Double(index) * share).rounded(.down)
    }
}

import Foundation
import Synchronization

/// A fault that strikes a stream between content chunks.
struct StreamFault: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case stall(seconds: Double)
        case error
        case truncate
        case reset
    }

    var kind: Kind
    /// Content chunks sent before the fault (clamped to the stream's last fault position when played).
    var afterChunks: Int

    var simulatedFault: SimulatedFault {
        switch kind {
        case .stall: .stall
        case .error: .midStreamError
        case .truncate: .truncate
        case .reset: .reset
        }
    }
}

/// A successful answer, decided in full before the first byte: body contents, headers, and timing.
struct SuccessPlan: Sendable {
    var context: ReplyContext
    var headers: [(name: String, value: String)]
    var delayMs: Double
    /// Delay before each content chunk: `[0]` is the time to first token, the rest inter-chunk delays.
    var chunkDelaysMs: [Double]
    var streamFault: StreamFault?
    var lineEnding: ProviderScenario.LineEnding
}

/// What the simulator does with one request.
enum Decision: Sendable {
    case error(ErrorReply, delayMs: Double)
    case reset(delayMs: Double)
    case success(SuccessPlan)
}

/// The deciding core: seeded generators, sequence positions, rate-limit windows and stats, all under
/// one lock, so that the same scenario, seed and request order give the same decisions.
///
/// Each provider has its own generators (faults, latency, ids), so the requests of one provider decide
/// its faults regardless of how they interleave with the other providers' requests.
final class SimulatorEngine: Sendable {
    let scenario: Scenario
    private let clock: @Sendable () -> Double
    private let state: Mutex<State>

    private struct RuleID: Hashable {
        var phase: Int  // -1 for the provider's own rules
        var index: Int
    }

    private struct ProviderState {
        var faults: Xoshiro256
        var latency: Xoshiro256
        var ids: Xoshiro256
        var cursors: [RuleID: Int] = [:]
        var firings: [RuleID: Int] = [:]
        var window: RateLimitWindow
    }

    private struct State {
        var seed: UInt64
        var start: Double
        var providers: [SimulatedProvider: ProviderState]
        var stats: SimulatorStats
        var fingerprint: String
        var organization: String
    }

    /// `clock` gives monotonic seconds; tests pass their own.
    init(scenario: Scenario, seed: UInt64, clock: @escaping @Sendable () -> Double = SimulatorEngine.monotonicSeconds) {
        self.scenario = scenario
        self.clock = clock
        state = Mutex(Self.freshState(scenario: scenario, seed: seed, start: clock()))
    }

    private static let origin = ContinuousClock.now

    /// Seconds on the continuous clock since the module first asked.
    static let monotonicSeconds: @Sendable () -> Double = {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private static func freshState(scenario: Scenario, seed: UInt64, start: Double) -> State {
        var providers: [SimulatedProvider: ProviderState] = [:]
        for provider in SimulatedProvider.allCases {
            let limits = (scenario[provider].rateLimits ?? RateLimits()).resolved(for: provider)
            providers[provider] = ProviderState(
                faults: Xoshiro256(seed: seed, stream: "faults/\(provider.rawValue)"),
                latency: Xoshiro256(seed: seed, stream: "latency/\(provider.rawValue)"),
                ids: Xoshiro256(seed: seed, stream: "ids/\(provider.rawValue)"),
                window: RateLimitWindow(limits: limits)
            )
        }
        var constants = Xoshiro256(seed: seed, stream: "constants")
        let fingerprint = "fp_" + IDs.hex(10, &constants)
        let organization = [8, 4, 4, 4, 12].map { IDs.hex($0, &constants) }.joined(separator: "-")
        return State(
            seed: seed,
            start: start,
            providers: providers,
            stats: SimulatorStats(seed: seed, scenarioName: scenario.name),
            fingerprint: fingerprint,
            organization: organization
        )
    }

    /// Starts over: stats, windows, sequences, generators and the phase clock; optionally a new seed.
    func reset(seed: UInt64? = nil) {
        let now = clock()
        state.withLock { state in
            state = Self.freshState(scenario: scenario, seed: seed ?? state.seed, start: now)
        }
    }

    var seed: UInt64 { state.withLock { $0.seed } }

    /// Seconds into the phase timeline now (within the cycle when the scenario repeats).
    func phaseTime() -> Double {
        let elapsed = clock() - state.withLock { $0.start }
        return scenario.cycleSeconds.map { elapsed.truncatingRemainder(dividingBy: $0) } ?? elapsed
    }

    func stats() -> SimulatorStats {
        let now = clock()
        return state.withLock { state in
            var stats = state.stats
            stats.elapsedSeconds = max(0, now - state.start)
            return stats
        }
    }

    /// Counts a request answered before the rules (auth, invalid body, unknown model), giving it a
    /// request id from the provider's id stream.
    func rejectEarly(_ provider: SimulatedProvider, _ status: ErrorStatus, fault: SimulatedFault, isStream: Bool)
        -> ErrorReply
    {
        let requestID = state.withLock { state in
            state.stats.record(provider, status: status.code, fault: fault, isStream: isStream)
            return IDs.requestID(provider, &state.providers[provider]!.ids)
        }
        return ErrorReplies.reply(provider, status, requestID: requestID)
    }

    /// The completion a request would get (pure: no state changes).
    func completion(_ provider: SimulatedProvider, _ prompt: PromptSummary) -> SimulatedCompletion {
        SimulatedCompletion.make(provider: provider, prompt: prompt, script: scenario[provider], seed: seed)
    }

    /// Decides a request that passed auth and validation.
    func decide(_ provider: SimulatedProvider, _ request: ParsedRequest) -> Decision {
        let script = scenario[provider]
        let now = clock()
        let wallNow = Date()
        return state.withLock { state in
            let completion = SimulatedCompletion.make(
                provider: provider, prompt: request.prompt, script: script, seed: state.seed)
            let elapsed = now - state.start
            let phaseTime = scenario.cycleSeconds.map { elapsed.truncatingRemainder(dividingBy: $0) } ?? elapsed
            let phases = script.phases.enumerated().filter { $0.element.isActive(at: phaseTime) }
            var provState = state.providers[provider]!
            defer { state.providers[provider] = provState }
            let demand = RateLimitDemand(inputTokens: completion.inputTokens, outputTokens: completion.outputTokens)

            // 1. Real rate limits, checked at the edge before anything else.
            if let rejection = provState.window.check(demand, now: now) {
                state.stats.record(provider, status: 429, fault: .rateLimit, isStream: request.isStream)
                let requestID = IDs.requestID(provider, &provState.ids)
                return .error(
                    Self.rateLimitReply(
                        provider, rejection, model: request.model, requestID: requestID,
                        organization: state.organization, wallNow: wallNow),
                    delayMs: 0
                )
            }

            // 2. Scripted faults: active phases first, then the provider's own rules.
            var candidates: [(RuleID, FaultRule)] = []
            for (phaseIndex, phase) in phases {
                candidates += phase.faults.enumerated().map {
                    (RuleID(phase: phaseIndex, index: $0.offset), $0.element)
                }
            }
            candidates += script.faults.enumerated().map { (RuleID(phase: -1, index: $0.offset), $0.element) }
            var fired: (rule: FaultRule, outcome: FiredOutcome)?
            for (id, rule) in candidates {
                guard rule.matches(model: request.model, isStream: request.isStream) else { continue }
                if case .safetyBlock(let block) = rule.effect,
                    provider != .google || !block.blocks(request.safetyThresholds)
                { continue }
                if let times = rule.times, provState.firings[id, default: 0] >= times { continue }
                guard let outcome = Self.evaluate(rule, id: id, &provState) else { continue }
                provState.firings[id, default: 0] += 1
                fired = (rule, outcome)
                break
            }

            let latency = fired?.rule.latency ?? phases.compactMap(\.element.latency).first ?? script.latency
            let delayMs = latency?.sample(using: &provState.latency) ?? 0

            switch fired?.outcome {
            case .status(let status)?:
                state.stats.record(provider, status: status.code, fault: .status, isStream: request.isStream)
                let requestID = IDs.requestID(provider, &provState.ids)
                var extra: [(name: String, value: String)] = []
                if let rule = fired?.rule {
                    if let seconds = rule.retryAfter {
                        extra.append(("retry-after", RateLimitHeaders.seconds(seconds)))
                    }
                    if let ms = rule.retryAfterMs { extra.append(("retry-after-ms", RateLimitHeaders.seconds(ms))) }
                    if let retry = rule.shouldRetry { extra.append(("x-should-retry", retry ? "true" : "false")) }
                }
                return .error(
                    ErrorReplies.reply(provider, status, requestID: requestID, extraHeaders: extra), delayMs: delayMs)
            case .reset?:
                state.stats.record(provider, status: 0, fault: .reset, isStream: request.isStream)
                return .reset(delayMs: delayMs)
            case .stream(let fault)?:
                state.stats.record(
                    provider, status: 200, fault: fault.simulatedFault, isStream: true,
                    tokens: (completion.inputTokens, completion.outputTokens))
            case .safety?:
                state.stats.record(
                    provider, status: 200, fault: .safetyBlock, isStream: request.isStream,
                    tokens: (completion.inputTokens, 0))
            case nil, .slow?:
                state.stats.record(
                    provider, status: 200, fault: .none, isStream: request.isStream,
                    tokens: (completion.inputTokens, completion.outputTokens))
            }

            // 3. Success (possibly with a stream fault): consume the limits and plan the answer.
            provState.window.consume(demand, now: now)
            let readings = provState.window.readings(now: now)
            var chunks: [String] = []
            var chunkTokens: [Int] = []
            var index = 0
            while index < completion.pieces.count {
                let group = completion.pieces[index..<min(index + script.wordsPerChunk, completion.pieces.count)]
                chunks.append(group.joined())
                chunkTokens.append(group.count)
                index += script.wordsPerChunk
            }
            let ttft = phases.compactMap(\.element.timeToFirstToken).first ?? script.timeToFirstToken
            let interChunk = phases.compactMap(\.element.interChunk).first ?? script.interChunk
            var chunkDelays: [Double] = []
            if request.isStream {
                for position in chunks.indices {
                    let distribution = position == 0 ? ttft : interChunk
                    chunkDelays.append(distribution?.sample(using: &provState.latency) ?? 0)
                }
            }
            let requestID = IDs.requestID(provider, &provState.ids)
            let responseID = IDs.responseID(provider, &provState.ids)
            var obfuscation: [String] = []
            if provider == .openai, request.isStream, request.includeObfuscation {
                let events = OpenAIWire.eventCount(chunks: chunks.count, includeUsage: request.includeUsage)
                obfuscation = (0..<events).map { _ in
                    IDs.alphanumeric(1 + provState.ids.nextInt(below: 8), &provState.ids)
                }
            }
            var context = ReplyContext(
                model: request.model,
                completion: completion,
                chunks: chunks,
                chunkTokens: chunkTokens,
                responseID: responseID,
                requestID: requestID,
                fingerprint: state.fingerprint,
                created: Int(wallNow.timeIntervalSince1970),
                includeUsage: request.includeUsage,
                obfuscation: obfuscation,
                ping: script.ping,
                thinkingTokens: script.thinkingTokens
            )
            if case .safety(let block)? = fired?.outcome { context.safetyBlock = block }
            var headers: [(name: String, value: String)] = []
            switch provider {
            case .openai:
                headers =
                    [
                        ("openai-organization", "user-simulator"),
                        ("openai-processing-ms", String(Int(delayMs.rounded()))),
                        ("openai-version", "2020-10-01"),
                        ("x-request-id", requestID),
                    ] + RateLimitHeaders.openAI(readings)
            case .anthropic:
                headers =
                    [("request-id", requestID), ("anthropic-organization-id", state.organization)]
                    + RateLimitHeaders.anthropic(readings, now: wallNow)
            case .google:
                headers = []
            }
            var streamFault: StreamFault?
            if case .stream(let fault)? = fired?.outcome { streamFault = fault }
            return .success(
                SuccessPlan(
                    context: context,
                    headers: headers,
                    delayMs: delayMs,
                    chunkDelaysMs: chunkDelays,
                    streamFault: streamFault,
                    lineEnding: script.lineEnding
                )
            )
        }
    }

    private enum FiredOutcome {
        case status(ErrorStatus)
        case reset
        case stream(StreamFault)
        /// Answered normally, with the rule's latency.
        case slow
        /// Answered `200` with the prompt or the answer blocked.
        case safety(SafetyBlock)
    }

    /// Whether `rule` fires for this request, advancing its sequence or drawing its probability.
    private static func evaluate(_ rule: FaultRule, id: RuleID, _ provState: inout ProviderState) -> FiredOutcome? {
        if case .sequence(let steps) = rule.effect {
            var cursor = provState.cursors[id, default: 0]
            if cursor >= steps.count {
                guard rule.repeats else { return nil }
                cursor = 0
            }
            provState.cursors[id] = cursor + 1
            switch steps[cursor] {
            case .ok: return nil
            case .reset: return .reset
            case .error(let status): return .status(status)
            }
        }
        if let probability = rule.probability, provState.faults.nextUnit() >= probability {
            return nil
        }
        switch rule.effect {
        case .status(let status): return .status(status)
        case .reset: return .reset
        case .stall(let after, let seconds):
            return .stream(StreamFault(kind: .stall(seconds: seconds), afterChunks: after))
        case .midStreamError(let after): return .stream(StreamFault(kind: .error, afterChunks: after))
        case .truncate(let after): return .stream(StreamFault(kind: .truncate, afterChunks: after))
        case .resetAfterChunks(let after): return .stream(StreamFault(kind: .reset, afterChunks: after))
        case .sequence: return nil
        case .slow: return .slow
        case .safetyBlock(let block): return .safety(block)
        }
    }

    private static func rateLimitReply(
        _ provider: SimulatedProvider,
        _ rejection: RateLimitRejection,
        model: String,
        requestID: String,
        organization: String,
        wallNow: Date
    ) -> ErrorReply {
        let body = ErrorReplies.rateLimited(
            provider, rejection, model: model, requestID: requestID, organization: organization)
        let retryAfter = String(max(1, Int(rejection.retryAfterSeconds.rounded(.up))))
        var headers: [(name: String, value: String)]
        switch provider {
        case .openai:
            headers =
                [("Content-Type", "application/json"), ("x-request-id", requestID)]
                + RateLimitHeaders.openAI(rejection.readings) + [("retry-after", retryAfter)]
        case .anthropic:
            headers =
                [("Content-Type", "application/json"), ("request-id", requestID), ("retry-after", retryAfter)]
                + RateLimitHeaders.anthropic(rejection.readings, now: wallNow)
        case .google:
            headers = [("Content-Type", "application/json; charset=UTF-8")]
        }
        return ErrorReply(status: 429, headers: headers, body: Array(body.utf8))
    }
}

/// Provider-shaped identifiers drawn from a seeded generator.
enum IDs {
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    private static let base58 = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
    private static let base64url = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    private static let hexDigits = Array("0123456789abcdef")

    static func hex(_ count: Int, _ generator: inout Xoshiro256) -> String {
        pick(hexDigits, count, &generator)
    }

    static func alphanumeric(_ count: Int, _ generator: inout Xoshiro256) -> String {
        pick(alphanumerics, count, &generator)
    }

    static func requestID(_ provider: SimulatedProvider, _ generator: inout Xoshiro256) -> String {
        switch provider {
        case .openai: "req_" + hex(32, &generator)
        case .anthropic: "req_011C" + pick(base58, 20, &generator)
        case .google: pick(base64url, 23, &generator)
        }
    }

    static func responseID(_ provider: SimulatedProvider, _ generator: inout Xoshiro256) -> String {
        switch provider {
        case .openai: "chatcmpl-" + alphanumeric(29, &generator)
        case .anthropic: "msg_01" + pick(base58, 22, &generator)
        case .google: pick(base64url, 23, &generator)
        }
    }

    private static func pick(_ alphabet: [Character], _ count: Int, _ generator: inout Xoshiro256) -> String {
        String((0..<count).map { _ in alphabet[generator.nextInt(below: alphabet.count)] })
    }
}

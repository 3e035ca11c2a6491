import Foundation

/// A script of faults for the simulated providers: what each provider answers, how slowly, how often it
/// fails and how, and the rate limits it enforces.
///
/// A scenario is built in Swift or read from YAML or JSON (``load(path:)``, ``init(yaml:)``). Every key is
/// optional; an empty scenario answers every request promptly and successfully. Unknown keys are errors.
///
/// ```yaml
/// name: incident-demo
/// seed: 42                     # default seed; `--seed` / `init(seed:)` override it
/// cycle_seconds: 120           # the phase timeline repeats every 120 s (omit: it runs once)
/// providers:
///   openai:
///     latency: {distribution: normal, mean_ms: 400, stddev_ms: 120, min_ms: 50}
///     time_to_first_token_ms: {distribution: uniform, min_ms: 200, max_ms: 800}
///     inter_chunk_ms: 15
///     rate_limits: {rpm: 60, tpm: 40000, window_seconds: 60}   # 0 = unlimited
///     faults:                  # tried in order; the first that fires decides the request
///       - {status: 529, probability: 0.05}
///       - {statuses: [429, 429, 200], retry_after: 2}           # a sequence, one step per request
///       - {status: 503, probability: 0.1, retry_after_ms: 1500}
///       - {html_error: 502, probability: 0.02}                  # Cloudflare page, text/html
///       - {status: "429-insufficient_quota", model: "gpt-4o*"}  # fixture variant, model filter
///       - {error_after_chunks: 3, probability: 0.05}            # streams only
///       - {stall_after_chunks: 2, stall_seconds: 20, probability: 0.02}
///       - {truncate_after_chunks: 4, probability: 0.02}
///       - {reset_after_chunks: 1, probability: 0.01}
///       - {reset: true, probability: 0.01}                      # close before any response
///     phases:                  # seconds since start (or since POST /simulator/reset)
///       - {name: outage, from_seconds: 30, until_seconds: 60, faults: [{status: 503}]}
///       - {name: slow, from_seconds: 90, until_seconds: 120, latency: 8000, status: minor}  # status page; see Phase.reportedStatus
///   anthropic:
///     faults: [{status: 529, probability: 0.3}]
///   google:
///     line_ending: crlf        # SSE framing: lf (default) or crlf
/// ```
///
/// **Provider keys** (``ProviderScenario``): `latency`, `time_to_first_token_ms`, `inter_chunk_ms` (a
/// number of milliseconds or a distribution), `rate_limits` (`rpm`, `tpm`, `input_tpm`, `output_tpm`,
/// `window_seconds`), `faults`, `phases`, `reply` (fixed answer text), `reply_words` (`12` or `[8, 24]`),
/// `words_per_chunk`, `ping`, `line_ending`, `invalid_key_marker`, `valid_keys`, `known_models`,
/// `thinking_tokens`.
///
/// **Fault keys** (``FaultRule``): one effect — `status` (`503`, `"429-insufficient_quota"`,
/// `"502-html"`), `statuses`/`sequence` (steps `429`, `"502-html"`, `200`/`ok`, `reset`), `html_error`,
/// `reset: true`, `stall_after_chunks` + `stall_seconds`, `error_after_chunks`, `truncate_after_chunks`,
/// `reset_after_chunks`, `safety_block` + `safety_probability` + `safety_stage` (Gemini) — plus `probability`, `times`, `repeat`, `model` (glob with `*`), `stream`,
/// `retry_after` (seconds), `retry_after_ms`, `should_retry`, `latency`, `name`.
///
/// **Latency distributions** (``LatencyDistribution``): `120` (fixed), `{distribution: fixed, ms: 120}`,
/// `{distribution: uniform, min_ms, max_ms}`, `{distribution: normal, mean_ms, stddev_ms}`,
/// `{distribution: lognormal, median_ms, sigma}`; `min_ms`/`max_ms` clamp every kind.
public struct Scenario: Sendable, Equatable {
    /// A name for logs and the stats endpoint.
    public var name: String?
    /// The seed used when the simulator is not given one.
    public var seed: UInt64?
    /// When set, the phase timeline repeats with this period (seconds); otherwise it runs once.
    public var cycleSeconds: Double?
    /// The script of each provider; providers not listed behave as ``ProviderScenario/init()``.
    public var providers: [SimulatedProvider: ProviderScenario]

    /// Creates a scenario.
    public init(
        name: String? = nil,
        seed: UInt64? = nil,
        cycleSeconds: Double? = nil,
        providers: [SimulatedProvider: ProviderScenario] = [:]
    ) {
        self.name = name
        self.seed = seed
        self.cycleSeconds = cycleSeconds
        self.providers = providers
    }

    /// A scenario where every provider answers promptly and successfully.
    public static let healthy = Scenario(name: "healthy")

    /// The script of `provider` (the default script when the scenario does not mention it).
    public subscript(provider: SimulatedProvider) -> ProviderScenario {
        get { providers[provider] ?? ProviderScenario() }
        set { providers[provider] = newValue }
    }
}

/// How one simulated provider behaves; see ``Scenario`` for the file form of every key.
public struct ProviderScenario: Sendable, Equatable {
    /// Delay before the response head (every response, errors included). Default none.
    public var latency: LatencyDistribution?
    /// Streams: delay between the head and the first content chunk. Default none.
    public var timeToFirstToken: LatencyDistribution?
    /// Streams: delay between content chunks. Default none.
    public var interChunk: LatencyDistribution?
    /// RPM/TPM limits enforced over a rolling window; `nil` means the provider's nominal limits
    /// (``RateLimits/nominal(for:)``).
    public var rateLimits: RateLimits?
    /// Fault rules, tried in order for every request; the first that fires decides it.
    public var faults: [FaultRule]
    /// Time-based phases whose rules are tried before ``faults`` while they are active.
    public var phases: [Phase]
    /// A fixed answer text; `nil` generates text from the seed and the prompt.
    public var reply: String?
    /// The number of words a generated answer has, chosen per prompt within this range. Default 8...24.
    public var replyWords: ClosedRange<Int>
    /// Words per content chunk of a stream. Default 1.
    public var wordsPerChunk: Int
    /// Anthropic streams: send a `ping` event after `content_block_start`, as the fixture does. Default `true`.
    public var ping: Bool
    /// The line ending of the SSE framing. Default LF.
    public var lineEnding: LineEnding
    /// An API key containing this text is rejected with the provider's invalid-key error. Default `invalid`;
    /// empty disables the check.
    public var invalidKeyMarker: String
    /// When set, only these API keys are accepted; others get the invalid-key error.
    public var validKeys: [String]?
    /// When set, a request for another model gets the provider's `404` fixture.
    public var knownModels: [String]?
    /// Gemini: `thoughtsTokenCount` to report (and add to `totalTokenCount`); `0` omits it. Default 0.
    public var thinkingTokens: Int

    /// Creates a provider script; every argument defaults as documented on its property.
    public init(
        latency: LatencyDistribution? = nil,
        timeToFirstToken: LatencyDistribution? = nil,
        interChunk: LatencyDistribution? = nil,
        rateLimits: RateLimits? = nil,
        faults: [FaultRule] = [],
        phases: [Phase] = [],
        reply: String? = nil,
        replyWords: ClosedRange<Int> = 8...24,
        wordsPerChunk: Int = 1,
        ping: Bool = true,
        lineEnding: LineEnding = .lf,
        invalidKeyMarker: String = "invalid",
        validKeys: [String]? = nil,
        knownModels: [String]? = nil,
        thinkingTokens: Int = 0
    ) {
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.interChunk = interChunk
        self.rateLimits = rateLimits
        self.faults = faults
        self.phases = phases
        self.reply = reply
        self.replyWords = replyWords
        self.wordsPerChunk = wordsPerChunk
        self.ping = ping
        self.lineEnding = lineEnding
        self.invalidKeyMarker = invalidKeyMarker
        self.validKeys = validKeys
        self.knownModels = knownModels
        self.thinkingTokens = thinkingTokens
    }

    /// Line endings of the SSE framing (the SDK parsers accept both; whether Gemini sends CRLF is unverified).
    public enum LineEnding: String, Sendable, Equatable, Codable {
        /// `\n`, as in the fixtures.
        case lf
        /// `\r\n`.
        case crlf
    }
}

/// A window of time in which extra rules and timings apply, e.g. an incident from t=30 s to t=60 s.
public struct Phase: Sendable, Equatable {
    /// A name for the stats endpoint.
    public var name: String?
    /// Start, in seconds since the simulator started (or was reset), inclusive.
    public var fromSeconds: Double
    /// End, exclusive; `nil` for open-ended.
    public var untilSeconds: Double?
    /// Rules tried before the provider's own rules while the phase is active.
    public var faults: [FaultRule]
    /// Replaces the provider's latency while active.
    public var latency: LatencyDistribution?
    /// Replaces the provider's time to first token while active.
    public var timeToFirstToken: LatencyDistribution?
    /// Replaces the provider's inter-chunk delay while active.
    public var interChunk: LatencyDistribution?
    /// What the provider's status page reports while active; `nil` derives it from the phase
    /// (``reportedStatus``).
    public var status: StatusPageIndicator?

    /// Creates a phase.
    public init(
        name: String? = nil,
        fromSeconds: Double,
        untilSeconds: Double? = nil,
        faults: [FaultRule] = [],
        latency: LatencyDistribution? = nil,
        timeToFirstToken: LatencyDistribution? = nil,
        interChunk: LatencyDistribution? = nil,
        status: StatusPageIndicator? = nil
    ) {
        self.status = status
        self.name = name
        self.fromSeconds = fromSeconds
        self.untilSeconds = untilSeconds
        self.faults = faults
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.interChunk = interChunk
    }

    /// Whether the phase covers `elapsed` seconds.
    public func isActive(at elapsed: Double) -> Bool {
        elapsed >= fromSeconds && untilSeconds.map { elapsed < $0 } ?? true
    }
}

/// Requests and tokens a provider accepts per rolling window, enforced for real: a request that would
/// exceed a limit gets the provider's own `429` with `retry-after` and rate-limit headers showing what
/// is left. Only requests answered `200` consume the limits. `nil` fields take the provider's nominal
/// value; `0` means unlimited (and omits that resource's headers).
public struct RateLimits: Sendable, Equatable {
    /// Requests per window.
    public var rpm: Int?
    /// Tokens (input + output) per window. Anthropic enforces it in addition to the input/output limits.
    public var tpm: Int?
    /// Input tokens per window (Anthropic's `input-tokens` headers; enforced for every provider when set).
    public var inputTPM: Int?
    /// Output tokens per window (Anthropic's `output-tokens` headers; enforced for every provider when set).
    public var outputTPM: Int?
    /// The window length in seconds. Default 60.
    public var windowSeconds: Double

    /// Creates limits; see the properties for `nil` and `0`.
    public init(
        rpm: Int? = nil, tpm: Int? = nil, inputTPM: Int? = nil, outputTPM: Int? = nil, windowSeconds: Double = 60
    ) {
        self.rpm = rpm
        self.tpm = tpm
        self.inputTPM = inputTPM
        self.outputTPM = outputTPM
        self.windowSeconds = windowSeconds
    }

    /// Limits that never bite.
    public static let unlimited = RateLimits(rpm: 0, tpm: 0, inputTPM: 0, outputTPM: 0)

    /// Published limits of a high usage tier: OpenAI 30,000 RPM and 150,000,000 TPM; Anthropic 4,000 RPM,
    /// 2,000,000 input and 400,000 output tokens per minute; Google 2,000 RPM and 4,000,000 TPM.
    public static func nominal(for provider: SimulatedProvider) -> RateLimits {
        switch provider {
        case .openai: RateLimits(rpm: 30_000, tpm: 150_000_000, inputTPM: 0, outputTPM: 0)
        case .anthropic: RateLimits(rpm: 4_000, tpm: 0, inputTPM: 2_000_000, outputTPM: 400_000)
        case .google: RateLimits(rpm: 2_000, tpm: 4_000_000, inputTPM: 0, outputTPM: 0)
        }
    }

    /// These limits with every `nil` field taken from the provider's nominal limits.
    func resolved(for provider: SimulatedProvider) -> ResolvedRateLimits {
        let nominal = RateLimits.nominal(for: provider)
        return ResolvedRateLimits(
            requests: rpm ?? nominal.rpm ?? 0,
            tokens: tpm ?? nominal.tpm ?? 0,
            inputTokens: inputTPM ?? nominal.inputTPM ?? 0,
            outputTokens: outputTPM ?? nominal.outputTPM ?? 0,
            windowSeconds: windowSeconds > 0 ? windowSeconds : 60
        )
    }
}

/// Rate limits with every value decided; `0` is unlimited.
struct ResolvedRateLimits: Sendable, Equatable {
    var requests: Int
    var tokens: Int
    var inputTokens: Int
    var outputTokens: Int
    var windowSeconds: Double
}

/// A distribution of delays in milliseconds, sampled with the simulator's seeded generator.
public struct LatencyDistribution: Sendable, Equatable {
    /// The shape of the distribution.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// Always ``LatencyDistribution/ms``.
        case fixed
        /// Uniform between ``LatencyDistribution/minMs`` and ``LatencyDistribution/maxMs``.
        case uniform
        /// Normal with ``LatencyDistribution/meanMs`` and ``LatencyDistribution/stddevMs``.
        case normal
        /// Log-normal with ``LatencyDistribution/medianMs`` and ``LatencyDistribution/sigma`` (a long right tail).
        case lognormal
    }

    /// The shape.
    public var kind: Kind
    /// The fixed value.
    public var ms: Double?
    /// Lower bound (uniform) or clamp (others).
    public var minMs: Double?
    /// Upper bound (uniform) or clamp (others).
    public var maxMs: Double?
    /// Mean of the normal distribution.
    public var meanMs: Double?
    /// Standard deviation of the normal distribution.
    public var stddevMs: Double?
    /// Median of the log-normal distribution.
    public var medianMs: Double?
    /// Shape of the log-normal distribution (standard deviation of the logarithm).
    public var sigma: Double?

    /// Creates a distribution from its parts; prefer the static constructors.
    public init(
        kind: Kind,
        ms: Double? = nil,
        minMs: Double? = nil,
        maxMs: Double? = nil,
        meanMs: Double? = nil,
        stddevMs: Double? = nil,
        medianMs: Double? = nil,
        sigma: Double? = nil
    ) {
        self.kind = kind
        self.ms = ms
        self.minMs = minMs
        self.maxMs = maxMs
        self.meanMs = meanMs
        self.stddevMs = stddevMs
        self.medianMs = medianMs
        self.sigma = sigma
    }

    /// Always `ms` milliseconds.
    public static func fixed(_ ms: Double) -> LatencyDistribution {
        LatencyDistribution(kind: .fixed, ms: ms)
    }

    /// Uniform between `minMs` and `maxMs`.
    public static func uniform(_ minMs: Double, _ maxMs: Double) -> LatencyDistribution {
        LatencyDistribution(kind: .uniform, minMs: minMs, maxMs: maxMs)
    }

    /// Normal, clamped at `minMs` (default 0).
    public static func normal(meanMs: Double, stddevMs: Double, minMs: Double = 0) -> LatencyDistribution {
        LatencyDistribution(kind: .normal, minMs: minMs, meanMs: meanMs, stddevMs: stddevMs)
    }

    /// Log-normal around `medianMs`.
    public static func logNormal(medianMs: Double, sigma: Double) -> LatencyDistribution {
        LatencyDistribution(kind: .lognormal, medianMs: medianMs, sigma: sigma)
    }

    /// One delay in milliseconds, never negative.
    func sample(using generator: inout Xoshiro256) -> Double {
        var value: Double
        switch kind {
        case .fixed:
            value = ms ?? 0
        case .uniform:
            let low = minMs ?? 0
            let high = max(maxMs ?? low, low)
            value = low + (high - low) * generator.nextUnit()
        case .normal:
            value = (meanMs ?? 0) + (stddevMs ?? 0) * generator.nextGaussian()
        case .lognormal:
            value = (medianMs ?? 0) * exp((sigma ?? 0) * generator.nextGaussian())
        }
        if let minMs { value = max(value, minMs) }
        if let maxMs { value = min(value, maxMs) }
        return max(0, value)
    }
}

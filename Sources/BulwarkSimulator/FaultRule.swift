import Foundation

/// One scripted fault: an effect, and when it fires.
///
/// For every request the rules of the active phases and then the provider's own rules are tried in
/// order; the first that fires decides the request. A rule fires when its filters (``model``,
/// ``stream``) match and then: a sequence rule takes its next step (a `200`/`ok` step lets the request
/// go on to the next rules); a rule with a ``probability`` fires with that chance, drawn from the seeded
/// generator; any other rule always fires. ``times`` caps how often a rule fires. Stream effects
/// (stall, mid-stream error, truncate, reset after chunks) apply to streaming requests only.
///
/// ```swift
/// FaultRule.status(529, probability: 0.3)
/// FaultRule.sequence([429, 429, 200]).withRetryAfter(seconds: 2)
/// FaultRule.midStreamError(afterChunks: 3)
/// ```
public struct FaultRule: Sendable, Equatable {
    /// What a firing rule does.
    public enum Effect: Sendable, Equatable {
        /// Answer with this error status, its body taken byte for byte from the provider's fixtures.
        case status(ErrorStatus)
        /// One step per request, in order (then the rule is spent, unless ``FaultRule/repeats``).
        case sequence([SequenceStep])
        /// Close the connection before any response.
        case reset
        /// Streams: after `afterChunks` content chunks, send nothing for `seconds`, then go on.
        case stall(afterChunks: Int, seconds: Double)
        /// Streams: after `afterChunks` content chunks, send the provider's in-band error event and end.
        case midStreamError(afterChunks: Int)
        /// Streams: after `afterChunks` content chunks, end the body cleanly without the terminator.
        case truncate(afterChunks: Int)
        /// Streams: after `afterChunks` content chunks, abort the connection.
        case resetAfterChunks(Int)
        /// Answer normally, after the rule's ``FaultRule/latency`` (a slow tail: `slow` with
        /// `probability: 0.1` and `latency: 5000 ms`).
        case slow
        /// Gemini: a `200` whose prompt or answer the safety filter blocked, when the request's
        /// `safetySettings` block the rated probability (see ``SafetyBlock``).
        case safetyBlock(SafetyBlock)

        /// Whether the effect only makes sense for a stream.
        var isStreamOnly: Bool {
            switch self {
            case .stall, .midStreamError, .truncate, .resetAfterChunks: true
            case .status, .sequence, .reset, .slow, .safetyBlock: false
            }
        }
    }

    /// What the rule does.
    public var effect: Effect
    /// A name for the stats endpoint.
    public var name: String?
    /// The chance (0...1) that the rule fires for a matching request; `nil` means always.
    public var probability: Double?
    /// The most times the rule fires; `nil` means no cap.
    public var times: Int?
    /// Sequence rules: start over after the last step instead of being spent.
    public var repeats: Bool
    /// Only requests for a model matching this glob (`*` matches any run of characters).
    public var model: String?
    /// Only streaming (`true`) or only non-streaming (`false`) requests.
    public var stream: Bool?
    /// `retry-after` seconds to send with an error status (replaces the fixture's example value).
    public var retryAfter: Double?
    /// `retry-after-ms` to send with an error status.
    public var retryAfterMs: Double?
    /// `x-should-retry` to send with an error status.
    public var shouldRetry: Bool?
    /// Replaces the provider's latency for requests this rule decides.
    public var latency: LatencyDistribution?

    /// Creates a rule; prefer the static constructors.
    public init(
        effect: Effect,
        name: String? = nil,
        probability: Double? = nil,
        times: Int? = nil,
        repeats: Bool = false,
        model: String? = nil,
        stream: Bool? = nil,
        retryAfter: Double? = nil,
        retryAfterMs: Double? = nil,
        shouldRetry: Bool? = nil,
        latency: LatencyDistribution? = nil
    ) {
        self.effect = effect
        self.name = name
        self.probability = probability
        self.times = times
        self.repeats = repeats
        self.model = model
        self.stream = stream
        self.retryAfter = retryAfter
        self.retryAfterMs = retryAfterMs
        self.shouldRetry = shouldRetry
        self.latency = latency
    }

    /// An error status, always or with `probability`.
    public static func status(_ status: ErrorStatus, probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .status(status), probability: probability)
    }

    /// The provider's HTML edge (Cloudflare) page for `code`, sent as `text/html`.
    public static func htmlError(_ code: Int, probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .status(.html(code)), probability: probability)
    }

    /// A sequence of outcomes, one per matching request.
    public static func sequence(_ steps: [SequenceStep], repeats: Bool = false) -> FaultRule {
        FaultRule(effect: .sequence(steps), repeats: repeats)
    }

    /// A connection closed before any response.
    public static func connectionReset(probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .reset, probability: probability)
    }

    /// A stream that stalls for `seconds` after `afterChunks` content chunks.
    public static func stall(afterChunks: Int, seconds: Double, probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .stall(afterChunks: afterChunks, seconds: seconds), probability: probability)
    }

    /// A stream that carries the provider's error event after `afterChunks` content chunks.
    public static func midStreamError(afterChunks: Int, probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .midStreamError(afterChunks: afterChunks), probability: probability)
    }

    /// A stream that ends without its terminator after `afterChunks` content chunks.
    public static func truncate(afterChunks: Int, probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .truncate(afterChunks: afterChunks), probability: probability)
    }

    /// A stream whose connection is aborted after `afterChunks` content chunks.
    public static func reset(afterChunks: Int, probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .resetAfterChunks(afterChunks), probability: probability)
    }

    /// Gemini's safety filter blocking requests whose `safetySettings` block `block`'s rating.
    public static func safetyBlock(_ block: SafetyBlock, probability: Double? = nil) -> FaultRule {
        FaultRule(effect: .safetyBlock(block), probability: probability)
    }

    /// This rule sending `retry-after: seconds`.
    public func withRetryAfter(seconds: Double) -> FaultRule {
        var rule = self
        rule.retryAfter = seconds
        return rule
    }

    /// This rule sending `retry-after-ms: milliseconds`.
    public func withRetryAfter(milliseconds: Double) -> FaultRule {
        var rule = self
        rule.retryAfterMs = milliseconds
        return rule
    }

    /// This rule limited to models matching `glob`.
    public func matching(model glob: String) -> FaultRule {
        var rule = self
        rule.model = glob
        return rule
    }

    /// This rule firing at most `count` times.
    public func limited(to count: Int) -> FaultRule {
        var rule = self
        rule.times = count
        return rule
    }

    /// Whether the filters let the rule consider this request.
    func matches(model requested: String, isStream: Bool) -> Bool {
        if effect.isStreamOnly, !isStream { return false }
        if let stream, stream != isStream { return false }
        if let model, !Glob.matches(model, requested) { return false }
        return true
    }
}

/// An error status and, optionally, which of the provider's fixtures for it to serve.
///
/// Written `503`, `"429-insufficient_quota"`, `"502-html"` or `"502.html"` in scenario files. The variant
/// names a fixture file `<status>-<variant>.json` (`insufficient_quota`, `requests`,
/// `context_length_exceeded`, `enforced_spend_limit_reached`, `api_key_invalid`, `failed_precondition`)
/// or `html` for the `<status>.html` edge page. Without a variant the plain `<status>.json` fixture is
/// served (or the HTML page when that is the only fixture); a status with no fixture for the provider
/// gets a body in the provider's own error shape.
public struct ErrorStatus: Sendable, Hashable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The HTTP status code.
    public var code: Int
    /// The fixture variant, e.g. `insufficient_quota` or `html`.
    public var variant: String?

    /// Creates a status.
    public init(_ code: Int, variant: String? = nil) {
        self.code = code
        self.variant = variant
    }

    /// Creates a plain status from a literal such as `529`.
    public init(integerLiteral value: Int) {
        self.init(value)
    }

    /// The HTML edge page for `code`.
    public static func html(_ code: Int) -> ErrorStatus {
        ErrorStatus(code, variant: "html")
    }

    /// Parses `429`, `429-insufficient_quota`, `502-html` or `502.html`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingSpaces
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard let code = Int(digits), digits.count == 3 else { return nil }
        let rest = trimmed.dropFirst(digits.count)
        if rest.isEmpty {
            self.init(code)
        } else if let separator = rest.first, separator == "-" || separator == ".", rest.count > 1 {
            self.init(code, variant: String(rest.dropFirst()))
        } else {
            return nil
        }
    }

    public var description: String {
        variant.map { "\(code)-\($0)" } ?? String(code)
    }
}

/// One step of a sequence rule.
public enum SequenceStep: Sendable, Equatable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// No fault from this rule: the request goes on to the next rules (written `200` or `ok`).
    case ok
    /// An error status.
    case error(ErrorStatus)
    /// A connection closed before any response (written `reset`).
    case reset

    /// `200` (any 2xx) is ``ok``; anything else an error status.
    public init(integerLiteral value: Int) {
        self = (200...299).contains(value) ? .ok : .error(ErrorStatus(value))
    }

    /// Parses `ok`, `reset`, `200`, `429`, `502-html`, `429-insufficient_quota`.
    public init?(parsing text: String) {
        switch text.trimmingSpaces.lowercased() {
        case "ok", "200", "success": self = .ok
        case "reset": self = .reset
        default:
            guard let status = ErrorStatus(parsing: text) else { return nil }
            self = (200...299).contains(status.code) ? .ok : .error(status)
        }
    }

    public var description: String {
        switch self {
        case .ok: "ok"
        case .reset: "reset"
        case .error(let status): status.description
        }
    }
}

extension SequenceStep: Decodable {
    /// Reads a step written as a number (`429`, `200`) or a string (`ok`, `reset`, `"502-html"`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let code = try? container.decode(Int.self) {
            self.init(integerLiteral: code)
            return
        }
        let text = try container.decode(String.self)
        guard let step = SequenceStep(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(text)' is not a step; expected 200, ok, reset, 429, \"502-html\"…"
            )
        }
        self = step
    }
}

/// Glob matching with `*` only, for model filters.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return pattern == text }
        var remainder = Substring(text)
        for (index, part) in parts.enumerated() {
            if index == 0 {
                guard remainder.hasPrefix(part) else { return false }
                remainder = remainder.dropFirst(part.count)
            } else if index == parts.count - 1 {
                return part.isEmpty || remainder.hasSuffix(part)
            } else if !part.isEmpty {
                guard let range = remainder.range(of: part) else { return false }
                remainder = remainder[range.upperBound...]
            }
        }
        return true
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

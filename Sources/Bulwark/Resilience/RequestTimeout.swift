/// The timeouts of one request, by the guide's formula.
///
/// request = 30 s × max(1, max_tokens / 1000) × max(1, input_tokens / 10,000) × (4 for reasoning models,
/// else 1), capped at 300 s; connect = 10 s. A provider's configured `timeout_seconds` replaces the
/// computed request timeout (uncapped: it is the user's explicit choice), and the connect timeout never
/// exceeds the request timeout.
public struct RequestTimeout: Sendable, Hashable {
    /// The base request timeout, in seconds.
    public static let baseSeconds = 30.0
    /// The cap on a computed request timeout, in seconds.
    public static let maximumSeconds = 300.0
    /// The connect timeout, in seconds.
    public static let connectSeconds = 10.0
    /// The multiplier for reasoning models.
    public static let reasoningMultiplier = 4.0

    /// Seconds the whole request may take (to the last byte).
    public var request: Double
    /// Seconds the connection may take to establish.
    public var connect: Double

    /// Creates a value.
    public init(request: Double, connect: Double = RequestTimeout.connectSeconds) {
        self.request = request
        self.connect = connect
    }

    /// The timeouts of a request for `model` that asks for up to `maxTokens` output tokens (`nil`: the
    /// factor is 1) with `inputTokens` of input; a positive finite `configured` wins.
    public init(model: String, maxTokens: Int?, inputTokens: Int, configured: Double? = nil) {
        let request: Double
        if let configured, configured > 0, configured.isFinite {
            request = configured
        } else {
            let output = max(1, Double(maxTokens ?? 0) / 1000)
            let input = max(1, Double(inputTokens) / 10_000)
            let reasoning = Self.isReasoningModel(model) ? Self.reasoningMultiplier : 1
            request = min(Self.baseSeconds * output * input * reasoning, Self.maximumSeconds)
        }
        self.init(request: request, connect: min(Self.connectSeconds, request))
    }

    /// The timeouts of `request` sent to `model`, with its input estimated by
    /// ``estimatedInputTokens(_:)``; a positive finite `configured` wins.
    public init(for request: ChatRequest, model: String, configured: Double? = nil) {
        self.init(
            model: request.model ?? model, maxTokens: request.maxTokens,
            inputTokens: Self.estimatedInputTokens(request), configured: configured)
    }

    /// Whether `model` is one of the guide's reasoning models, which get four times the time: `o3` (and
    /// its variants and snapshots, `o3-mini`, `o3-2025-04-16`), `o4-mini*`, and Claude Opus
    /// (`claude-opus-*`, and the older `claude-3-opus-*`). A `provider/` or `models/` prefix is
    /// ignored; case is ignored.
    public static func isReasoningModel(_ model: String) -> Bool {
        // Compared on bytes: this runs for every attempt.
        let bytes = model.utf8
        let name = bytes.lastIndex(of: UInt8(ascii: "/")).map { bytes[bytes.index(after: $0)...] } ?? bytes[...]
        func lowercase(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        func hasPrefix(_ prefix: String) -> Bool {
            name.count >= prefix.utf8.count && zip(name, prefix.utf8).allSatisfy { lowercase($0) == $1 }
        }
        if name.count == 2 && hasPrefix("o3") || hasPrefix("o3-") || hasPrefix("o4-mini") { return true }
        guard hasPrefix("claude-") else { return false }
        return name.split(separator: UInt8(ascii: "-")).contains { part in
            part.count == 4 && zip(part, "opus".utf8).allSatisfy { lowercase($0) == $1 }
        }
    }

    /// A rough input size: one token per four characters of the messages (rounded up), plus four per
    /// message for the role and framing.
    public static func estimatedInputTokens(_ request: ChatRequest) -> Int {
        request.messages.reduce(0) { total, message in
            total + (message.content.utf8.count + 3) / 4 + 4
        }
    }
}

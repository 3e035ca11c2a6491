/// One of the three APIs the simulator speaks.
public enum SimulatedProvider: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// OpenAI Chat Completions, `POST /v1/chat/completions`.
    case openai
    /// Anthropic Messages, `POST /v1/messages`.
    case anthropic
    /// Google Gemini, `POST /v1beta/models/{model}:generateContent` (and `/v1/models/…`).
    case google

    public var description: String { rawValue }
}

/// What the simulator did to a request, as counted in ``SimulatorStats``.
public enum SimulatedFault: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// An ordinary successful answer.
    case none
    /// A scripted error status (JSON or HTML body).
    case status
    /// A `429` from the real RPM/TPM enforcement.
    case rateLimit = "rate_limit"
    /// A missing or invalid API key.
    case auth
    /// A body the provider would reject (`400`), e.g. malformed JSON or a missing required field.
    case invalidRequest = "invalid_request"
    /// A model outside the scenario's `known_models` (`404`).
    case notFound = "not_found"
    /// A stream that stalled for a while after some chunks and then went on.
    case stall
    /// A stream that carried the provider's in-band error event after some chunks (status `200`).
    case midStreamError = "mid_stream_error"
    /// A stream that ended cleanly after some chunks, without the provider's terminator.
    case truncate
    /// A connection closed abruptly (status `0` before any response, `200` after some chunks).
    case reset
    /// Gemini: a `200` answer blocked by the safety filter under the request's `safetySettings`.
    case safetyBlock = "safety_block"

    public var description: String { rawValue }
}

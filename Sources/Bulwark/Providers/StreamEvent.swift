/// What a ``StreamDecoder`` reports as a provider stream arrives.
///
/// A stream yields any number of ``textDelta(_:)`` and ``usage(_:)`` events and ends with exactly one
/// ``completed(_:)`` or ``failed(_:)``.
public enum StreamEvent: Sendable, Hashable {
    /// New text, in order; empty deltas are not reported.
    case textDelta(String)
    /// Usage so far. Counts are cumulative: replace earlier values, never add them up.
    case usage(TokenUsage)
    /// The provider's terminator arrived (`[DONE]`, `message_stop`, or end of input after a Gemini
    /// `finishReason`): the assembled result.
    case completed(ChatResult)
    /// The stream failed: ``CallMetrics/ErrorType/streamError`` (an error after the 200),
    /// ``CallMetrics/ErrorType/streamTruncated`` (end of input before the terminator),
    /// ``CallMetrics/ErrorType/contentFiltered`` or ``CallMetrics/ErrorType/invalidResponse``.
    /// ``ProviderError/partial`` holds what arrived before.
    case failed(ProviderError)
}

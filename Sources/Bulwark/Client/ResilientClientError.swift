/// Why a logical request failed, with each provider's last normalized error.
public struct ResilientClientError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// Every provider in the chain failed (or was skipped).
        case allProvidersFailed
        /// The request itself was refused (400 other than context length): no fallback can help.
        case requestRejected
        /// Every provider is in a prolonged outage and the request could not be queued or served from cache.
        case degraded
        /// The caller's deadline passed.
        case deadlineExceeded
        /// The request cannot be sent as written (e.g. Anthropic's role alternation).
        case invalidRequest
        /// The caller gave up: its task was cancelled or its stream's consumer stopped reading.
        case cancelled
        /// The client is shutting down (``ResilientClient/shutdown()``) and takes no new calls.
        case shuttingDown
    }

    /// One provider's outcome.
    public struct ProviderFailure: Sendable, CustomStringConvertible {
        public var provider: String
        public var error: ProviderError?
        /// Why the provider was not tried (open circuit, rate limit wait too long, no key), when it was skipped.
        public var skippedBecause: String?
        /// For degraded mode: when the provider's outage began (Unix seconds).
        public var downSince: Double?

        public var description: String {
            if let skippedBecause { return "\(provider): skipped (\(skippedBecause))" }
            guard let error else { return "\(provider): failed" }
            let status = error.statusCode == 0 ? "no response" : "HTTP \(error.statusCode)"
            return "\(provider): \(error.errorType.rawValue) (\(status)): \(error.message)"
        }
    }

    public var code: Code
    public var requestID: String
    /// Each provider's last outcome, in chain order.
    public var failures: [ProviderFailure]
    /// Text a stream delivered before it failed.
    public var partialText: String?

    public var description: String {
        let lead: String
        switch code {
        case .allProvidersFailed: lead = "all providers failed"
        case .requestRejected: lead = "the request was rejected"
        case .degraded: lead = "every provider is down (degraded mode)"
        case .deadlineExceeded: lead = "the deadline passed"
        case .invalidRequest: lead = "the request is invalid"
        case .cancelled: lead = "the caller cancelled the request"
        case .shuttingDown: lead = "the client is shutting down and takes no new calls"
        }
        var text = "\(lead) [request \(requestID)]"
        for failure in failures { text += "\n  - \(failure)" }
        if let partialText, !partialText.isEmpty { text += "\n  partial text delivered: \(partialText.count) characters" }
        return text
    }

    /// The normalized error of the last provider tried.
    public var lastError: ProviderError? { failures.last(where: { $0.error != nil })?.error }
}

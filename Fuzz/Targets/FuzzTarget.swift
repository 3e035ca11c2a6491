/// The parsers that take bytes from outside (a posted batch, a provider's stream and headers, a user's
/// configuration), each with the property a fuzzer checks beyond "does not crash".
///
/// `make fuzz` runs each one under libFuzzer with AddressSanitizer (`Fuzz/README.md`); the unit tests run
/// every committed corpus input and crash reproducer through the same code.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `POST /v1/events` bodies, JSON and NDJSON: an accepted event survives its own JSON round trip.
    case eventBatch = "event-batch"
    /// The byte-level JSON parser: a parsed value re-encodes to bytes that parse to the same value.
    case json
    /// The SSE parser: the events do not depend on how the bytes were split into chunks.
    case sse
    /// Rate-limit headers of the three providers: limits and remainders are never negative.
    case rateLimitHeaders = "rate-limit-headers"
    /// `Retry-After` in every form (seconds, HTTP date, milliseconds, Go and protobuf durations).
    case retryAfter = "retry-after"
    /// The `bulwark.yaml` loader: any text loads or fails with a described problem.
    case configuration

    /// Runs one input; a broken property stops the process (which the fuzzer reports with the input).
    public func run(_ input: [UInt8]) {
        switch self {
        case .eventBatch: EventBatchFuzz.run(input)
        case .json: JSONFuzz.run(input)
        case .sse: SSEFuzz.run(input)
        case .rateLimitHeaders: HeaderFuzz.runRateLimit(input)
        case .retryAfter: HeaderFuzz.runRetryAfter(input)
        case .configuration: ConfigurationFuzz.run(input)
        }
    }
}

/// Stops with `message` when `condition` is false, in every build configuration.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

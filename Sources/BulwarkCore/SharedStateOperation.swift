/// The operations of the client on its shared-state store (Redis), the `operation` label of
/// `llm_api_shared_state_errors_total`: a bounded set.
public enum SharedStateOperation: String, Sendable, Hashable, CaseIterable {
    /// Admission before an attempt: shared rate limits, concurrency lease and breaker state.
    case admit
    /// After an attempt: token correction, lease release, half-open trial outcome.
    case complete
    /// A breaker opening or closing published to the other replicas.
    case circuit
    /// Rate-limit headers published to the shared budget.
    case limits
}

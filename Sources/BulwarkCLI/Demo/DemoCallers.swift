/// How the demo's callers behave. Most wait for their answer; a few behave like the callers of a web
/// handler: the user closes the page (a unary caller goes away after a moment, a stream's reader stops
/// after a few pieces of text), or the handler's own deadline passes. The client records those requests
/// `cancelled` (attempt `error_type=cancelled`, request `outcome=cancelled`); only the deadline depends on
/// the providers, so more of them give up during the latency spike.
enum DemoCaller: Sendable, Equatable {
    case patient
    /// A unary caller that goes away `seconds` after asking; a stream reader that stops after `pieces`
    /// pieces of text.
    case leaves(seconds: Double, pieces: Int)
    /// Gives up when `seconds` have passed without an answer.
    case deadline(seconds: Double)

    /// Share of callers that go away early.
    static let leavingShare = 0.03
    /// Share of callers with a deadline.
    static let deadlineShare = 0.10
    /// The deadline of those callers: long enough for retries and fallbacks, shorter than the spike.
    static let deadlineSeconds = 8.0

    /// The caller of the `index`-th request (a fixed spread: the same run gives the same callers).
    static func of(_ index: Int) -> DemoCaller {
        let draw = unitDraw(UInt64(index), salt: 1)
        if draw < leavingShare {
            let seconds = 0.1 + 0.9 * unitDraw(UInt64(index), salt: 2)
            return .leaves(seconds: seconds, pieces: 2 + index % 6)
        }
        if draw < leavingShare + deadlineShare { return .deadline(seconds: deadlineSeconds) }
        return .patient
    }

    /// The seconds after which a unary caller gives up, if it does.
    var unaryPatience: Double? {
        switch self {
        case .patient: nil
        case .leaves(let seconds, _): seconds
        case .deadline(let seconds): seconds
        }
    }

    /// A number in 0..<1 from `value` (SplitMix64's finalizer).
    private static func unitDraw(_ value: UInt64, salt: UInt64) -> Double {
        var mixed = value &+ salt &* 0x9E37_79B9_7F4A_7C15
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return Double(mixed >> 11) / Double(1 << 53)
    }
}

/// The end of a call whose caller may give up.
enum DemoCallEnding<Value: Sendable>: Sendable {
    case answered(Value)
    /// The caller gave up; the call was cancelled.
    case gaveUp
}

extension DemoCallEnding {
    /// Runs `call`, cancelling it when `seconds` (if any) pass first.
    static func run(
        givingUpAfter seconds: Double?, _ call: @escaping @Sendable () async throws -> Value
    ) async throws -> DemoCallEnding<Value> {
        guard let seconds else { return .answered(try await call()) }
        return try await withThrowingTaskGroup(of: DemoCallEnding<Value>.self) { group in
            group.addTask { .answered(try await call()) }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return .gaveUp
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return .gaveUp }
            guard case .gaveUp = first else { return first }
            group.cancelAll()
            // The call ends `cancelled` (its error is the expected one), unless it answered meanwhile.
            if case .answered(let value)?? = try? await group.next() { return .answered(value) }
            return .gaveUp
        }
    }
}

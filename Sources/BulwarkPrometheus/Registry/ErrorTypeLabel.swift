import BulwarkCore
/// The `error_type` label value of `llm_api_calls_total` as a small index: 0 is `none` (success),
/// 1…n the cases of ``ErrorType``, and ``other`` the value of the overflow series.
struct ErrorTypeLabel: Hashable {
    let index: UInt8

    static let none = ErrorTypeLabel(index: 0)
    static let other = ErrorTypeLabel(index: UInt8(ErrorType.allCases.count + 1))

    private init(index: UInt8) { self.index = index }

    @inline(__always)
    init(_ errorType: ErrorType?) {
        guard let errorType else {
            index = 0
            return
        }
        // A scan of a cached array compares enum tags only: cheaper than hashing the case.
        var position = 0
        while Self.cases[position] != errorType { position &+= 1 }
        index = UInt8(truncatingIfNeeded: position &+ 1)
    }

    private static let cases = ErrorType.allCases

    /// Label values by index.
    static let names: [String] = ["none"] + ErrorType.allCases.map(\.rawValue) + ["other"]
    /// Label values by index, as bytes.
    static let nameBytes: [[UInt8]] = names.map { Array($0.utf8) }
    /// The position of each index when the values are sorted by name (the render order).
    static let rank: [UInt8] = {
        var ranks = [UInt8](repeating: 0, count: names.count)
        for (position, index) in names.indices.sorted(by: { names[$0] < names[$1] }).enumerated() {
            ranks[index] = UInt8(position)
        }
        return ranks
    }()

    var name: String { Self.names[Int(index)] }
}

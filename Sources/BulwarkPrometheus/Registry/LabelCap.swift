import BulwarkCore
/// Admits at most `limit` distinct values of one label; later values become `other`.
package struct LabelCap {
    static let overflowValue = "other"
    package let limit: Int
    private var admitted: Set<String> = []
    private(set) var overflowed: UInt64 = 0

    package init(limit: Int) {
        self.limit = limit
    }

    /// The value to use for `value`: itself while there is room (or it was seen before), `other` after.
    @inline(__always)
    package mutating func admit(_ value: String) -> String {
        if admitted.contains(value) { return value }
        if admitted.count < limit {
            admitted.insert(value)
            return value
        }
        overflowed &+= 1
        return Self.overflowValue
    }
}

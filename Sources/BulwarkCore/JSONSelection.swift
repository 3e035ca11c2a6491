/// Which parts of a JSON document ``JSONParser/parse(_:selecting:)`` materializes.
///
/// Provider answers carry far more than a client reads (logprobs, annotations, token details); a
/// selection builds only the members asked for and skips the rest after checking its syntax.
/// A selection applies to an object's members, and to each element of an array.
///
/// ```swift
/// let selection = JSONSelection.members([
///     "choices": .members(["message": .members(["content": .all])]),
///     "usage": .all,
/// ])
/// ```
package struct JSONSelection: Sendable {
    struct Member: Sendable {
        let name: String
        let utf8: [UInt8]
        let selection: JSONSelection
    }

    /// `nil`: everything.
    let members: [Member]?

    /// The whole value.
    package static let all = JSONSelection(members: nil)

    /// Of an object, only these members, each with its own selection (of an array: of each element).
    package static func members(_ members: [String: JSONSelection]) -> JSONSelection {
        JSONSelection(members: members.map { Member(name: $0.key, utf8: Array($0.key.utf8), selection: $0.value) })
    }
}

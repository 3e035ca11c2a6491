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
public struct JSONSelection: Sendable {
    struct Member: Sendable {
        let name: String
        let utf8: [UInt8]
        let selection: JSONSelection
    }

    /// `nil`: everything.
    let members: [Member]?

    /// The whole value.
    public static let all = JSONSelection(members: nil)

    /// Of an object, only these members, each with its own selection (of an array: of each element).
    public static func members(_ members: [String: JSONSelection]) -> JSONSelection {
        JSONSelection(members: members.map { Member(name: $0.key, utf8: Array($0.key.utf8), selection: $0.value) })
    }
}

extension JSONParser {
    mutating func parseValue(selecting selection: JSONSelection) throws(JSONParseError) -> JSONValue {
        guard let members = selection.members, index < bytes.count else { return try parseValue() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(selecting: members)
        case UInt8(ascii: "["): return try parseArray(selecting: selection)
        default: return try parseValue()
        }
    }

    private mutating func parseObject(selecting members: [JSONSelection.Member]) throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = index
            let member = try selectedMember(members)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
            index += 1
            skipWhitespace()
            if let member {
                if object.updateValue(try parseValue(selecting: member.selection), forKey: member.name) != nil {
                    throw JSONParseError(offset: keyOffset, reason: "duplicate key \"\(member.name)\"")
                }
            } else {
                try skipValue()
            }
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            throw fail("expected ',' or '}' in object")
        }
    }

    /// Reads a key (at its opening quote) and returns the member it selects, if any. Keys without
    /// escapes are compared as bytes, so skipped members never become strings.
    private mutating func selectedMember(_ members: [JSONSelection.Member]) throws(JSONParseError) -> JSONSelection.Member? {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
            let key = try parseString()
            return members.first { $0.name == key }
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        let member = members.first { $0.utf8.elementsEqual(raw) }
        try skipString()
        return member
    }

    private mutating func parseArray(selecting selection: JSONSelection) throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(selecting: selection))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            throw fail("expected ',' or ']' in array")
        }
    }

    /// Checks one value's syntax and moves past it without building it.
    mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try enter()
            defer { depth -= 1 }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                try skipString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
                index += 1
                skipWhitespace()
                try skipValue()
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return
                }
                throw fail("expected ',' or '}' in object")
            }
        case UInt8(ascii: "["):
            try enter()
            defer { depth -= 1 }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue()
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return
                }
                throw fail("expected ',' or ']' in array")
            }
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            _ = try parseValue()
        }
    }

    /// Moves past a string (at its opening quote); ASCII strings without escapes are not materialized.
    private mutating func skipString() throws(JSONParseError) {
        var end = index + 1
        var unionOfBytes: UInt8 = 0
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                if unionOfBytes < 0x80 {
                    index = end + 1
                    return
                }
                break
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            unionOfBytes |= byte
            end += 1
        }
        _ = try parseString()
    }
}

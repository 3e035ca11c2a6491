/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// ``parse(_:selecting:)`` builds only the members a ``JSONSelection`` names and checks the rest for
/// syntax without building it; ``parse(_:)`` builds everything. Both go through the same code.
package struct JSONParser: ~Copyable {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    private static let maxDepth = 64

    /// Parses exactly one JSON value; only whitespace may surround it.
    package static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try parse(bytes, selecting: .all)
    }

    /// Parses exactly one JSON value, materializing only the parts `selection` names; the rest is checked
    /// for syntax and skipped (duplicate keys are detected among built members only).
    package static func parse(_ bytes: some Collection<UInt8>, selecting selection: JSONSelection) throws(JSONParseError)
        -> JSONValue
    {
        let parse = { (buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> in
            var parser = JSONParser(bytes: buffer)
            do {
                parser.skipWhitespace()
                let value = try parser.parseValue(selecting: selection)
                parser.skipWhitespace()
                guard parser.index == buffer.count else {
                    throw JSONParseError(offset: parser.index, reason: "unexpected data after the value")
                }
                return .success(value)
            } catch let error as JSONParseError {
                return .failure(error)
            } catch {
                return .failure(JSONParseError(offset: 0, reason: "\(error)"))
            }
        }
        let result = bytes.withContiguousStorageIfAvailable(parse) ?? Array(bytes).withUnsafeBufferPointer(parse)
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func fail(_ reason: String) -> JSONParseError {
        JSONParseError(offset: index, reason: reason)
    }

    // MARK: - Values

    private mutating func parseValue(selecting selection: JSONSelection) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(selecting: selection.members)
        case UInt8(ascii: "["): return try parseArray(selecting: selection)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: return try parseLiteral()
        }
    }

    private mutating func parseLiteral() throws(JSONParseError) -> JSONValue {
        switch bytes[index] {
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
            (0..<count).allSatisfy({ bytes[index + $0] == literal.utf8Start[$0] })
        else { throw fail("invalid literal, expected \(literal)") }
        index += count
    }

    /// `members`: `nil` builds every member.
    private mutating func parseObject(selecting members: [JSONSelection.Member]?) throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        // Sized for typical API objects up front, so that most never grow.
        var object = [String: JSONValue](minimumCapacity: members?.count ?? 8)
        guard try openContainer(closingWith: UInt8(ascii: "}")) else { return .object(object) }
        repeat {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = index
            let member: (name: String, selection: JSONSelection)?
            if let members {
                member = try selectedMember(members).map { ($0.name, $0.selection) }
            } else {
                member = (try parseString(), .all)
            }
            try expectColon()
            if let member {
                if object.updateValue(try parseValue(selecting: member.selection), forKey: member.name) != nil {
                    throw JSONParseError(offset: keyOffset, reason: "duplicate key \"\(member.name)\"")
                }
            } else {
                try skipValue()
            }
        } while try nextElement(closingWith: UInt8(ascii: "}"), in: "object")
        return .object(object)
    }

    /// Reads a key (at its opening quote) and returns the member it selects, if any. Keys without
    /// escapes are compared as bytes, so skipped members never become strings.
    private mutating func selectedMember(_ members: [JSONSelection.Member]) throws(JSONParseError) -> JSONSelection.Member? {
        let start = index + 1
        let end = plainASCIIEnd(from: start)
        // Escapes, non-ASCII text (to validate) and errors take the general path.
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
            let key = try parseString()
            return members.first { $0.name == key }
        }
        index = end + 1
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        for member in members where member.utf8.count == raw.count {
            let equal = member.utf8.withUnsafeBufferPointer { name in
                var offset = 0
                while offset < raw.count, name[offset] == raw[offset] { offset += 1 }
                return offset == raw.count
            }
            if equal { return member }
        }
        return nil
    }

    private mutating func parseArray(selecting selection: JSONSelection) throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        var array: [JSONValue] = []
        guard try openContainer(closingWith: UInt8(ascii: "]")) else { return .array(array) }
        repeat {
            array.append(try parseValue(selecting: selection))
        } while try nextElement(closingWith: UInt8(ascii: "]"), in: "array")
        return .array(array)
    }

    /// Checks one value's syntax and moves past it without building it.
    private mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try enter()
            defer { depth -= 1 }
            guard try openContainer(closingWith: UInt8(ascii: "}")) else { return }
            repeat {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                try skipString()
                try expectColon()
                try skipValue()
            } while try nextElement(closingWith: UInt8(ascii: "}"), in: "object")
        case UInt8(ascii: "["):
            try enter()
            defer { depth -= 1 }
            guard try openContainer(closingWith: UInt8(ascii: "]")) else { return }
            repeat {
                try skipValue()
            } while try nextElement(closingWith: UInt8(ascii: "]"), in: "array")
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            _ = try parseLiteral()
        }
    }

    // MARK: - Containers

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
    }

    /// At `{` or `[`: steps in; returns `false` (having stepped out) when the container is empty.
    private mutating func openContainer(closingWith close: UInt8) throws(JSONParseError) -> Bool {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            return false
        }
        return true
    }

    /// After an element: `true` past a `,` (another element follows), `false` past the closing byte.
    private mutating func nextElement(closingWith close: UInt8, in container: String) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unterminated \(container)") }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            skipWhitespace()
            return true
        }
        if bytes[index] == close {
            index += 1
            return false
        }
        throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))' in \(container)")
    }

    private mutating func expectColon() throws(JSONParseError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
        index += 1
        skipWhitespace()
    }

    // MARK: - Scalars

    /// Moves past a string (at its opening quote); ASCII strings without escapes are not built.
    private mutating func skipString() throws(JSONParseError) {
        let end = plainASCIIEnd(from: index + 1)
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            index = end + 1
            return
        }
        _ = try parseString()
    }

    /// The offset of the first byte from `start` on that is a quote, a backslash, a control character or
    /// not ASCII (or the end): the run a string's fast paths take as is. Eight bytes at a time.
    private func plainASCIIEnd(from start: Int) -> Int {
        var offset = start
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highBits: UInt64 = 0x8080_8080_8080_8080
            while offset + 8 <= bytes.count {
                let word = UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                let quotes = word ^ (ones &* 0x22)
                let backslashes = word ^ (ones &* 0x5C)
                // A byte is zero in `quotes` where `word` has a quote, and so on ("has a zero byte" and
                // "has a byte below 0x20" tests); the high bit marks non-ASCII bytes.
                let stop = ((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes)
                    | ((word &- ones &* 0x20) & ~word) | word
                if stop & highBits != 0 { break }
                offset += 8
            }
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            offset += 1
        }
        return offset
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        try skipNumber()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private mutating func skipNumber() throws(JSONParseError) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number: digit expected after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number: digit expected in exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes; all-ASCII text needs no UTF-8 validation.
        index = plainASCIIEnd(from: start)
        var unionOfBytes: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if unionOfBytes < 0x80 { return String(decoding: slice, as: UTF8.self) }
                return try validatedUTF8(slice, at: start)
            }
            unionOfBytes |= byte
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in string") }
            index += 1
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try scratch.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                    try validatedUTF8(buffer, at: start)
                }
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail("unterminated escape") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(into: &scratch)
                default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(escaped)))'")
                }
            default:
                if byte < 0x20 { throw fail("control character in string") }
                scratch.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func appendUnicodeEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw fail("unpaired surrogate in \\u escape") }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid low surrogate in \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail("unpaired surrogate in \\u escape")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
        scratch.append(contentsOf: UTF8.encode(unicode)!)
    }

    private func validatedUTF8(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONParseError) -> String {
        guard let string = String(validating: buffer, as: UTF8.self) else {
            throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
        }
        return string
    }
}

/// Writes a JSON object member by member straight to UTF-8, for documents built on every call (request
/// bodies), where a ``JSONValue`` tree would cost a dictionary per object and a sort per dictionary.
///
/// Members come out in the order they are written; give keys in sorted order to get the bytes
/// ``JSONValue/jsonBytes`` would give for the same object.
///
/// ```swift
/// var body = JSONObjectWriter()
/// body.integer("max_tokens", 64)
/// body.objects("messages", messages) { message, object in
///     object.string("content", message.content)
///     object.string("role", message.role.rawValue)
/// }
/// let bytes = body.finish()
/// ```
package struct JSONObjectWriter {
    private var out: [UInt8]
    private var isEmpty = true

    /// Starts an object, reserving `capacity` bytes.
    package init(capacity: Int = 256) {
        out = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "{"))
    }

    private init(continuing bytes: [UInt8]) {
        out = bytes
        out.append(UInt8(ascii: "{"))
    }

    /// A string member.
    package mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        JSONWriter.string(value, &out)
    }

    /// An integer member.
    package mutating func integer(_ key: StaticString, _ value: Int) {
        self.key(key)
        JSONWriter.integer(value, &out)
    }

    /// A number member; NaN and infinities, which JSON cannot hold, leave the member out.
    package mutating func number(_ key: StaticString, _ value: Double) {
        guard value.isFinite else { return }
        self.key(key)
        JSONWriter.number(value, &out)
    }

    /// A Boolean member.
    package mutating func bool(_ key: StaticString, _ value: Bool) {
        self.key(key)
        JSONWriter.bool(value, &out)
    }

    /// A member holding any value (objects in it are written with sorted keys).
    package mutating func value(_ key: StaticString, _ value: JSONValue) {
        self.key(key)
        out.append(contentsOf: value.jsonBytes)
    }

    /// An object member whose members `build` writes.
    package mutating func object(_ key: StaticString, _ build: (inout JSONObjectWriter) -> Void) {
        self.key(key)
        var nested = JSONObjectWriter(continuing: takeBytes())
        build(&nested)
        out = nested.finish()
    }

    /// An array member of one object per element of `elements`, whose members `build` writes.
    package mutating func objects<Elements: Sequence>(
        _ key: StaticString, _ elements: Elements, _ build: (Elements.Element, inout JSONObjectWriter) -> Void
    ) {
        self.key(key)
        out.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            var nested = JSONObjectWriter(continuing: takeBytes())
            build(element, &nested)
            out = nested.finish()
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Closes the object and returns its bytes.
    package consuming func finish() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }

    private mutating func key(_ name: StaticString) {
        JSONWriter.key(name, first: isEmpty, &out)
        isEmpty = false
    }

    /// The bytes so far, leaving this writer's buffer empty so that the nested writer owns the only
    /// reference (appending to it then copies nothing).
    private mutating func takeBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        swap(&bytes, &out)
        return bytes
    }
}

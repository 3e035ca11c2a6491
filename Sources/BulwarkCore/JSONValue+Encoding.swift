extension JSONValue {
    /// A JSON number holding `value` exactly.
    package static func integer(_ value: Int) -> JSONValue {
        .number(String(value))
    }

    /// A JSON number holding the shortest text that reads back as `value`, or `nil` for NaN and infinities,
    /// which JSON cannot hold.
    package static func double(_ value: Double) -> JSONValue? {
        guard value.isFinite else { return nil }
        var text: [UInt8] = []
        JSONWriter.number(value, &text)
        return .number(String(decoding: text, as: UTF8.self))
    }

    /// The value as compact JSON text (UTF-8), object keys sorted so that equal values give equal bytes.
    ///
    /// A `.number` is written as its text, which must be a JSON number (``integer(_:)`` and ``double(_:)``
    /// make sure of it; ``JSONParser`` output always is).
    package var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(to: &out)
        return out
    }

    private func append(to out: inout [UInt8]) {
        switch self {
        case .null:
            JSONWriter.appendNull(&out)
        case .bool(let flag):
            JSONWriter.bool(flag, &out)
        case .number(let text):
            out.append(contentsOf: text.utf8)
        case .string(let text):
            JSONWriter.string(text, &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, field) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.string(field.key, &out)
                out.append(UInt8(ascii: ":"))
                field.value.append(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

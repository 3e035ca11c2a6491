/// Why an event was refused: the field that was wrong and what was wrong with it.
public struct EventValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON field name (snake_case), or `nil` when the whole value was wrong.
    public var field: String?
    /// What was wrong.
    public var reason: String

    /// Creates an error for `field` (nil for the whole value).
    public init(field: String?, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "field \"\(field)\": \(reason)" }
        return reason
    }

    /// The most characters of a rejected value an error quotes.
    public static let maxQuotedCharacters = 40

    /// `text` for quoting in an error: at most ``maxQuotedCharacters`` characters, `…` marking a cut.
    public static func quoted(_ text: String) -> String {
        guard text.count > maxQuotedCharacters else { return text }
        return text.prefix(maxQuotedCharacters) + "… (\(text.utf8.count) bytes)"
    }
}

extension APICallMetric {
    /// The JSON field names, in the order they are written.
    public static let fieldNames: [String] = [
        "timestamp", "provider", "model", "status_code", "latency_ms", "input_tokens", "output_tokens",
        "is_retry", "retry_count", "error_type", "error_message", "circuit_state", "request_id", "attempt",
        "fallback", "stream", "time_to_first_token_ms", "cost_usd", "provider_error_type", "retry_after_ms",
        "hedge", "request_outcome", "fallback_from",
    ]

    /// The fields an event must carry; every other field has a default.
    public static let requiredFieldNames: [String] = ["timestamp", "provider", "model", "status_code", "latency_ms"]

    /// The longest provider or model name accepted, in bytes.
    public static let maxNameLength = 256
    /// The longest `request_id`, `provider_error_type` or `fallback_from` accepted, in bytes.
    public static let maxIdentifierLength = 256
    /// `error_message` is cut to this many characters (not refused): provider messages can be long.
    public static let maxErrorMessageCharacters = 500

    /// Decodes and validates one event from a parsed JSON object.
    package init(json: JSONValue) throws(EventValidationError) {
        guard case .object(let object) = json else {
            throw EventValidationError(field: nil, reason: "expected a JSON object, got \(json.typeName)")
        }
        let fields = FieldReader(object: object)
        self.init(
            timestamp: try fields.double("timestamp", required: true, minimum: 0) ?? 0,
            provider: try fields.name("provider"),
            model: try fields.name("model"),
            statusCode: try fields.int("status_code", required: true, range: 0...999) ?? 0,
            latencyMs: try fields.double("latency_ms", required: true, minimum: 0) ?? 0,
            inputTokens: try fields.int("input_tokens", range: 0...Int.max) ?? 0,
            outputTokens: try fields.int("output_tokens", range: 0...Int.max) ?? 0,
            isRetry: try fields.bool("is_retry") ?? false,
            retryCount: try fields.int("retry_count", range: 0...Int.max) ?? 0,
            errorType: try fields.enumeration("error_type", ErrorType.self),
            errorMessage: try fields.string("error_message", maxBytes: nil).map(Self.cutErrorMessage),
            circuitState: try fields.enumeration("circuit_state", CircuitState.self) ?? .closed,
            requestID: try fields.string("request_id", maxBytes: Self.maxIdentifierLength) ?? "",
            attempt: try fields.int("attempt", range: 1...Int.max) ?? 1,
            fallback: try fields.bool("fallback") ?? false,
            stream: try fields.bool("stream") ?? false,
            timeToFirstTokenMs: try fields.double("time_to_first_token_ms", minimum: 0),
            costUSD: try fields.double("cost_usd", minimum: 0) ?? 0,
            providerErrorType: try fields.string("provider_error_type", maxBytes: Self.maxIdentifierLength),
            retryAfterMs: try fields.double("retry_after_ms", minimum: 0),
            hedge: try fields.bool("hedge") ?? false,
            requestOutcome: try fields.enumeration("request_outcome", RequestOutcome.self),
            fallbackFrom: try fields.string("fallback_from", maxBytes: Self.maxIdentifierLength)
        )
        if statusCode != 0, !(100...599).contains(statusCode) {
            throw EventValidationError(field: "status_code", reason: "\(statusCode) is not an HTTP status (100-599, or 0 for no response)")
        }
        if let message = errorMessage { errorMessage = APIKeyRedactor.redact(message) }
    }

    /// The first ``maxErrorMessageCharacters`` Unicode scalars (so at most 4 bytes each, whatever
    /// combining marks a character holds).
    static func cutErrorMessage(_ message: String) -> String {
        guard message.unicodeScalars.count > maxErrorMessageCharacters else { return message }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: message.unicodeScalars.prefix(maxErrorMessageCharacters))
        return String(scalars)
    }

    /// Parses one event from the bytes of a JSON object.
    public init(jsonBytes: some Collection<UInt8>) throws(EventValidationError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(jsonBytes)
        } catch {
            throw EventValidationError(field: nil, reason: error.description)
        }
        try self.init(json: value)
    }

    /// Appends the event as one compact JSON object (no trailing newline).
    ///
    /// Writes straight into `out`'s storage after reserving a bound on the line's length, so that
    /// encoding costs no per-token capacity checks or copies (the log writer encodes every event).
    public func appendJSON(to out: inout [UInt8]) {
        let bound = Self.fixedJSONBytes
            &+ JSONCursor.stringBound(provider) &+ JSONCursor.stringBound(model)
            &+ JSONCursor.stringBound(errorType?.rawValue) &+ JSONCursor.stringBound(errorMessage)
            &+ JSONCursor.stringBound(circuitState.rawValue) &+ JSONCursor.stringBound(requestID)
            &+ JSONCursor.stringBound(providerErrorType) &+ JSONCursor.stringBound(requestOutcome?.rawValue)
            &+ JSONCursor.stringBound(fallbackFrom)
        out.append(addingCapacity: bound) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                let start = buffer.baseAddress!
                var json = JSONCursor(start)
                json.raw(#"{"timestamp":"#)
                json.number(timestamp)
                json.raw(#","provider":"#)
                json.string(provider)
                json.raw(#","model":"#)
                json.string(model)
                json.raw(#","status_code":"#)
                json.integer(statusCode)
                json.raw(#","latency_ms":"#)
                json.number(latencyMs)
                json.raw(#","input_tokens":"#)
                json.integer(inputTokens)
                json.raw(#","output_tokens":"#)
                json.integer(outputTokens)
                json.raw(#","is_retry":"#)
                json.bool(isRetry)
                json.raw(#","retry_count":"#)
                json.integer(retryCount)
                json.raw(#","error_type":"#)
                json.optionalString(errorType?.rawValue)
                json.raw(#","error_message":"#)
                json.optionalString(errorMessage)
                json.raw(#","circuit_state":"#)
                json.string(circuitState.rawValue)
                json.raw(#","request_id":"#)
                json.string(requestID)
                json.raw(#","attempt":"#)
                json.integer(attempt)
                json.raw(#","fallback":"#)
                json.bool(fallback)
                json.raw(#","stream":"#)
                json.bool(stream)
                json.raw(#","time_to_first_token_ms":"#)
                json.optionalNumber(timeToFirstTokenMs)
                json.raw(#","cost_usd":"#)
                json.number(costUSD)
                json.raw(#","provider_error_type":"#)
                json.optionalString(providerErrorType)
                json.raw(#","retry_after_ms":"#)
                json.optionalNumber(retryAfterMs)
                json.raw(#","hedge":"#)
                json.bool(hedge)
                json.raw(#","request_outcome":"#)
                json.optionalString(requestOutcome?.rawValue)
                json.raw(#","fallback_from":"#)
                json.optionalString(fallbackFrom)
                json.byte(UInt8(ascii: "}"))
                initialized = json.pointer - start
            }
        }
    }

    /// Keys, punctuation, Booleans and the ten numbers of a line, at their longest.
    private static let fixedJSONBytes = fieldNames.reduce(2) { $0 + $1.utf8.count + 4 } + 5 * 5 + 10 * JSONCursor.maxNumberBytes

    /// The event as one compact JSON object.
    public var jsonString: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        appendJSON(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads typed fields from a JSON object, naming the field in every error.
private struct FieldReader {
    let object: [String: JSONValue]

    func value(_ name: String, required: Bool) throws(EventValidationError) -> JSONValue? {
        switch object[name] {
        case nil:
            if required { throw EventValidationError(field: name, reason: "is required") }
            return nil
        case .null?:
            if required { throw EventValidationError(field: name, reason: "is required and must not be null") }
            return nil
        case let value?:
            return value
        }
    }

    func double(_ name: String, required: Bool = false, minimum: Double) throws(EventValidationError) -> Double? {
        guard let value = try value(name, required: required) else { return nil }
        guard case .number(let text) = value else {
            throw EventValidationError(field: name, reason: "expected a number, got \(value.typeName)")
        }
        guard let number = Double(text), number.isFinite else {
            throw EventValidationError(field: name, reason: "number out of range: \(EventValidationError.quoted(text))")
        }
        guard number >= minimum else {
            throw EventValidationError(field: name, reason: "must be at least \(minimum), got \(EventValidationError.quoted(text))")
        }
        return number
    }

    func int(_ name: String, required: Bool = false, range: ClosedRange<Int>) throws(EventValidationError) -> Int? {
        guard let value = try value(name, required: required) else { return nil }
        guard case .number(let text) = value else {
            throw EventValidationError(field: name, reason: "expected an integer, got \(value.typeName)")
        }
        guard let number = Int(text) ?? Self.integralDouble(text) else {
            let finite = Double(text)?.isFinite ?? false
            let reason = finite ? "expected an integer, got \(EventValidationError.quoted(text))"
                : "number out of range: \(EventValidationError.quoted(text))"
            throw EventValidationError(field: name, reason: reason)
        }
        guard range.contains(number) else {
            throw EventValidationError(field: name, reason: "\(EventValidationError.quoted(text)) is out of range")
        }
        return number
    }

    /// Accepts `3.0` or `3e2` for an integer field, as JSON encoders in other languages may write them.
    private static func integralDouble(_ text: String) -> Int? {
        guard let double = Double(text), double.rounded() == double, abs(double) < 9e15 else { return nil }
        return Int(double)
    }

    func bool(_ name: String) throws(EventValidationError) -> Bool? {
        guard let value = try value(name, required: false) else { return nil }
        guard case .bool(let flag) = value else {
            throw EventValidationError(field: name, reason: "expected true or false, got \(value.typeName)")
        }
        return flag
    }

    /// A string field; `maxBytes` refuses longer ones (`nil`: the caller cuts it).
    func string(_ name: String, maxBytes: Int?) throws(EventValidationError) -> String? {
        guard let value = try value(name, required: false) else { return nil }
        guard case .string(let text) = value else {
            throw EventValidationError(field: name, reason: "expected a string, got \(value.typeName)")
        }
        if let maxBytes, text.utf8.count > maxBytes {
            throw EventValidationError(field: name, reason: "longer than \(maxBytes) bytes (\(text.utf8.count))")
        }
        return text
    }

    func name(_ name: String) throws(EventValidationError) -> String {
        guard let value = try value(name, required: true) else { return "" }
        guard case .string(let text) = value else {
            throw EventValidationError(field: name, reason: "expected a string, got \(value.typeName)")
        }
        guard !text.isEmpty else { throw EventValidationError(field: name, reason: "must not be empty") }
        guard text.utf8.count <= APICallMetric.maxNameLength else {
            throw EventValidationError(field: name, reason: "longer than \(APICallMetric.maxNameLength) bytes")
        }
        return text
    }

    func enumeration<E: RawRepresentable & CaseIterable>(
        _ name: String, _ type: E.Type
    ) throws(EventValidationError) -> E? where E.RawValue == String {
        guard let text = try string(name, maxBytes: nil) else { return nil }
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw EventValidationError(
                field: name, reason: "unknown value \"\(EventValidationError.quoted(text))\"; expected one of: \(allowed)")
        }
        return value
    }
}

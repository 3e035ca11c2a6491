/// One HTTP header field.
public struct HTTPHeaderField: Sendable, Hashable {
    /// Field name as sent (compared case-insensitively).
    public var name: String
    /// Field value.
    public var value: String

    /// Creates a field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An ordered list of header fields with case-insensitive lookup, used for requests and responses.
public struct HTTPHeaderFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in order.
    public private(set) var fields: [HTTPHeaderField]

    /// Creates a list from fields.
    public init(_ fields: [HTTPHeaderField] = []) {
        self.fields = fields
    }

    /// Creates a list from `(name, value)` pairs, such as AsyncHTTPClient's `HTTPHeaders`.
    public init(_ pairs: some Sequence<(name: String, value: String)>) {
        self.fields = pairs.map { HTTPHeaderField(name: $0.name, value: $0.value) }
    }

    /// Creates a list from a literal; order is the literal's order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { HTTPHeaderField(name: $0.0, value: $0.1) }
    }

    /// The first value of the field `name` (case-insensitive), or `nil`.
    public subscript(name: String) -> String? {
        fields.first { Self.sameName($0.name, name) }?.value
    }

    /// Every value of the field `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    /// Appends a field.
    public mutating func add(name: String, value: String) {
        fields.append(HTTPHeaderField(name: name, value: value))
    }

    /// Replaces every field named `name` (case-insensitive) by one with `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        fields.removeAll { Self.sameName($0.name, name) }
        fields.append(HTTPHeaderField(name: name, value: value))
    }

    /// Field names compare ASCII case-insensitively (RFC 9110 §5.1), without allocating.
    static func sameName(_ lhs: String, _ rhs: String) -> Bool {
        sameName(lhs.utf8.span, rhs.utf8.span)
    }

    /// ``sameName(_:_:)`` over the names' UTF-8: bytes equal, letters compared without their case (`-` and
    /// `\r` differ only in bit 0x20 too, hence the letter check).
    static func sameName(_ lhs: Span<UInt8>, _ rhs: Span<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count {
            let left = lhs[unchecked: index]
            let right = rhs[unchecked: index]
            guard left != right else { continue }
            let folded = left | 0x20
            guard folded == right | 0x20, folded &- UInt8(ascii: "a") < 26 else { return false }
        }
        return true
    }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[HTTPHeaderField]> { fields.makeIterator() }
}

/// An HTTP request built by an adapter, for the transport to send as is.
public struct ProviderHTTPRequest: Sendable, Hashable {
    /// HTTP method (always `POST` for the chat endpoints).
    public var method: String
    /// Absolute URL, with query string where the provider needs one (`?alt=sse`).
    public var url: String
    /// Header fields, including authentication. Never log them: they carry the API key.
    public var headers: HTTPHeaderFields
    /// JSON body, UTF-8.
    public var body: [UInt8]
    /// Whether the response is a server-sent-event stream.
    public var expectsEventStream: Bool

    /// Creates a request.
    public init(method: String, url: String, headers: HTTPHeaderFields, body: [UInt8], expectsEventStream: Bool) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.expectsEventStream = expectsEventStream
    }
}

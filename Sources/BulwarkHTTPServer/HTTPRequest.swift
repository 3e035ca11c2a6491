/// A fully received HTTP request.
public struct HTTPRequest: Sendable {
    /// The request method as sent, e.g. `GET`.
    public var method: String
    /// The request path without the query, percent-decoded, e.g. `/v1beta/models/gemini-pro:generateContent`.
    public var path: String
    /// The raw query string after `?`, not decoded; `nil` when the target had no `?`.
    public var query: String?
    /// The request header fields in the order received.
    public var headers: HTTPHeaders
    /// The request body; empty when there was none.
    public var body: [UInt8]
    /// The client's IP address (`127.0.0.1`, `::1`), when known.
    public var remoteAddress: String?
    /// The connection's socket, while its handler runs (libmicrohttpd neither reads nor closes it then),
    /// for watching whether the client went away; never read from, written to or closed.
    package var connectionDescriptor: Int32?

    /// Creates a request; the server builds these, tests and in-process callers may too.
    public init(
        method: String,
        path: String,
        query: String? = nil,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        remoteAddress: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The query's `name=value` pairs, percent-decoded (`+` as space), in order.
    public var queryItems: [QueryItem] {
        query.map(QueryItem.parse) ?? []
    }

    /// The decoded value of the first query item called `name`; `nil` when absent or valueless.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}

/// One `name=value` pair of a query string.
public struct QueryItem: Sendable, Hashable {
    /// The decoded name.
    public var name: String
    /// The decoded value; `nil` for a bare `name` without `=`.
    public var value: String?

    /// Creates a query item.
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }

    /// Splits a raw query string on `&` and decodes each pair. Empty pairs are skipped.
    public static func parse(_ query: String) -> [QueryItem] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: "=") else {
                return QueryItem(name: PercentDecoding.decode(pair), value: nil)
            }
            return QueryItem(
                name: PercentDecoding.decode(pair[..<equals]),
                value: PercentDecoding.decode(pair[pair.index(after: equals)...])
            )
        }
    }
}

enum PercentDecoding {
    /// Decodes `%XX` escapes and `+` (as space). Malformed escapes are kept literally; invalid UTF-8
    /// becomes U+FFFD.
    static func decode(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(text)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                decoded.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 2
            } else {
                decoded.append(byte)
            }
            index += 1
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

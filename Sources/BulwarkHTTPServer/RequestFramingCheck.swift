/// The checks on a request's framing headers that libmicrohttpd does not make, applied before any body
/// byte is read: the answer, or the declared body length when the request may go on.
enum RequestFramingCheck {
    enum Outcome: Equatable {
        /// The request may proceed; `declaredLength` is its `Content-Length`, if any.
        case proceed(declaredLength: Int?)
        /// Answer with this status and reason and close the connection.
        case reject(status: Int, reason: String)
    }

    static func check(_ headers: HTTPHeaders) -> Outcome {
        for field in headers where !isToken(field.name) {
            return .reject(status: 400, reason: "a header name holds whitespace or a separator")
        }
        let lengths = headers.values(for: "Content-Length").map { $0.trimmingASCIIBlanks() }
        let encodings = headers.values(for: "Transfer-Encoding")
        if !encodings.isEmpty {
            let codings = encodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingASCIIBlanks().lowercased() }
            guard codings == ["chunked"] else {
                return .reject(status: 501, reason: "only Transfer-Encoding: chunked is implemented")
            }
            if !lengths.isEmpty {
                return .reject(status: 400, reason: "both Content-Length and Transfer-Encoding were sent")
            }
            return .proceed(declaredLength: nil)
        }
        guard let first = lengths.first else { return .proceed(declaredLength: nil) }
        guard lengths.allSatisfy({ $0 == first }) else {
            return .reject(status: 400, reason: "conflicting Content-Length headers")
        }
        guard !first.isEmpty, first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .reject(status: 400, reason: "Content-Length is not a decimal number")
        }
        guard let length = Int(first) else {
            return .reject(status: 413, reason: "Content-Length is beyond any limit")
        }
        return .proceed(declaredLength: length)
    }

    /// RFC 9110 `token`: visible ASCII except separators.
    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
        }
    }
}

extension String {
    fileprivate func trimmingASCIIBlanks() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingASCIIBlanks() -> String { String(self).trimmingASCIIBlanks() }
}

/// Removes API keys from free text (provider error messages, logs) before it is stored anywhere.
///
/// Recognises OpenAI (`sk-…`, `sk-proj-…`), Anthropic (`sk-ant-…`) and Google (`AIza…`) keys, and the
/// token after `Bearer `, and replaces each with `[REDACTED]`.
public enum APIKeyRedactor {
    /// The text that replaces a key.
    public static let placeholder = "[REDACTED]"

    private static let prefixes: [[UInt8]] = [Array("sk-".utf8), Array("AIza".utf8), Array("Bearer ".utf8)]
    /// Shortest run of key characters after a prefix that is treated as a key.
    private static let minimumKeyBody = 8

    /// Returns `text` with every API key replaced by ``placeholder``.
    public static func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        var changed = false
        outer: while index < bytes.count {
            for prefix in prefixes where matches(prefix, in: bytes, at: index) && isBoundary(bytes, before: index) {
                var end = index + prefix.count
                while end < bytes.count, isKeyCharacter(bytes[end]) { end += 1 }
                if end - index - prefix.count >= minimumKeyBody {
                    if prefix.last == UInt8(ascii: " ") { out.append(contentsOf: prefix) }
                    out.append(contentsOf: placeholder.utf8)
                    index = end
                    changed = true
                    continue outer
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }

    /// Whether `text` contains something that looks like an API key.
    public static func containsKey(_ text: String) -> Bool { redact(text) != text }

    private static func matches(_ prefix: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + prefix.count <= bytes.count else { return false }
        for offset in 0..<prefix.count where bytes[index + offset] != prefix[offset] { return false }
        return true
    }

    private static func isBoundary(_ bytes: [UInt8], before index: Int) -> Bool {
        index == 0 || !isKeyCharacter(bytes[index - 1])
    }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"),
            UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}

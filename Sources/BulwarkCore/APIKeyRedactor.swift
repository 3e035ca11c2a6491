/// Removes API keys from free text (provider error messages, configuration errors, logs) before it is
/// stored or printed anywhere.
///
/// Recognises OpenAI (`sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`), Anthropic (`sk-ant-…`) and
/// Google (`AIza…`, OAuth access tokens `ya29.…`) keys, also glued to a name (`OPENAI_sk-…`); the
/// credential after `Bearer ` or `Basic ` in any case; and the value of `token=`, `key=`, `secret=`
/// and `password=` (any case, also as the end of a longer name such as `access_token=`). Each key is
/// replaced with `[REDACTED]`; the scheme or parameter name before it is kept.
public enum APIKeyRedactor {
    /// The text that replaces a key.
    public static let placeholder = "[REDACTED]"

    private struct Pattern {
        var prefix: [UInt8]
        /// Compare ASCII letters of the prefix in any case.
        var ignoresCase: Bool
        /// Keep the prefix and replace only what follows (a scheme or parameter name, not part of the key).
        var keepsPrefix: Bool
        /// The prefix may follow a letter or digit (`access_token=`); otherwise it must not follow a
        /// letter, digit or `-` (so `KEY_sk-…` matches but `risk-sk-…` and `task-` do not).
        var matchesInsideWords: Bool
    }

    private static let patterns: [Pattern] = [
        Pattern(prefix: Array("sk-".utf8), ignoresCase: false, keepsPrefix: false, matchesInsideWords: false),
        Pattern(prefix: Array("AIza".utf8), ignoresCase: false, keepsPrefix: false, matchesInsideWords: false),
        Pattern(prefix: Array("ya29.".utf8), ignoresCase: false, keepsPrefix: false, matchesInsideWords: false),
        Pattern(prefix: Array("bearer ".utf8), ignoresCase: true, keepsPrefix: true, matchesInsideWords: false),
        Pattern(prefix: Array("token=".utf8), ignoresCase: true, keepsPrefix: true, matchesInsideWords: true),
        Pattern(prefix: Array("key=".utf8), ignoresCase: true, keepsPrefix: true, matchesInsideWords: true),
        Pattern(prefix: Array("secret=".utf8), ignoresCase: true, keepsPrefix: true, matchesInsideWords: true),
        Pattern(prefix: Array("password=".utf8), ignoresCase: true, keepsPrefix: true, matchesInsideWords: true),
    ]
    /// Shortest run of key characters after a prefix that is treated as a key.
    private static let minimumKeyBody = 8

    /// Returns `text` with every API key replaced by ``placeholder``.
    public static func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        var changed = false
        outer: while index < bytes.count {
            for pattern in patterns where matches(pattern, in: bytes, at: index) {
                var end = index + pattern.prefix.count
                while end < bytes.count, isKeyCharacter(bytes[end]) { end += 1 }
                if end - index - pattern.prefix.count >= minimumKeyBody {
                    if pattern.keepsPrefix { out.append(contentsOf: bytes[index..<(index + pattern.prefix.count)]) }
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

    private static func matches(_ pattern: Pattern, in bytes: [UInt8], at index: Int) -> Bool {
        let prefix = pattern.prefix
        guard index + prefix.count <= bytes.count else { return false }
        if !pattern.matchesInsideWords, index > 0,
            isAlphanumeric(bytes[index - 1]) || bytes[index - 1] == UInt8(ascii: "-")
        {
            return false
        }
        for offset in 0..<prefix.count {
            let byte = bytes[index + offset]
            let wanted = prefix[offset]
            if byte == wanted { continue }
            if pattern.ignoresCase, lowercased(byte) == lowercased(wanted) { continue }
            return false
        }
        return true
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"),
            UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

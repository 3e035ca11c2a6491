import BulwarkCore
/// The `status_code` label value of `llm_api_calls_total`, folded so hostile codes cannot grow the
/// number of series: the codes of the IANA registry (plus 0 for "no response", 499, 520–527 and
/// 529 that providers and proxies send) are kept; any other code from 100 to 599 becomes its class
/// (`4xx`, `5xx`, …); anything outside 100–599 becomes `other`.
struct StatusCodeLabel: Hashable, Comparable {
    /// The kept code; 1_001…1_005 for the classes `1xx`…`5xx`; -1 for `other`.
    let raw: Int32

    static let other = StatusCodeLabel(raw: -1)

    private init(raw: Int32) { self.raw = raw }

    /// Folds an HTTP status code.
    @inline(__always)
    init(folding code: Int) {
        if code == 0 {
            raw = 0
        } else if code < 100 || code > 599 {
            raw = -1
        } else if Self.known[code] {
            raw = Int32(code)
        } else {
            raw = 1_000 + Int32(code / 100)
        }
    }

    /// Codes kept as they are: the IANA HTTP status code registry, plus 499 (client closed, nginx),
    /// 520–527 (Cloudflare) and 529 (Anthropic overloaded).
    private static let known: [Bool] = {
        var table = [Bool](repeating: false, count: 600)
        let codes: [ClosedRange<Int>] = [
            100...103, 200...208, 226...226, 300...308, 400...418, 421...426, 428...429, 431...431, 451...451,
            499...499, 500...508, 510...511, 520...527, 529...529,
        ]
        for range in codes { for code in range { table[code] = true } }
        return table
    }()

    /// The label value.
    var text: String {
        switch raw {
        case -1: return "other"
        case 1_001...1_005: return "\(raw - 1_000)xx"
        default: return String(raw)
        }
    }

    static func < (lhs: StatusCodeLabel, rhs: StatusCodeLabel) -> Bool { lhs.raw < rhs.raw }
}

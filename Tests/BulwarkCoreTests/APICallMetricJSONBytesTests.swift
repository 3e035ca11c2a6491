import BulwarkCore
import Foundation
import Testing

/// The log line encoder writes through raw pointers and formats short decimals itself; these tests
/// hold it to the bytes of the straightforward spelling (integral numbers as integers, the others
/// as `Double.description`, strings escaped by `JSONWriter`).
@Suite struct APICallMetricJSONBytesTests {
    @Test func numbersAreSpelledLikeDescription() {
        var generator = SplitMix(seed: 16)
        var values: [Double] = [
            0, -0.0, 1, -1, 0.5, 0.1, 0.2, 0.3, 0.001, 0.0001, 0.00012, 0.00001, 1e-300, Double.leastNonzeroMagnitude, 812.5, 0.000123,
            1_764_012_345.125, 1_764_000_000.1234567, 1e14 + 0.5, 1e15, 1e15 - 1, 1e16, 123_456_789_012_345.6,
            9_007_199_254_740_991, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan,
            0.1 + 0.2, 1.0 / 3, 2.0 / 3, 99.99, 1e-3 - 1e-19, 0.0009999999999999998,
        ]
        for _ in 0..<20_000 {
            let digits = Double(generator.next() % 1_000_000_000_000)
            let scale = [1.0, 10, 100, 1_000, 10_000, 1e6, 1e9, 1e12, 1e15][Int(generator.next() % 9)]
            values.append(digits / scale)
            values.append(-digits / scale / 7)
            values.append(Double(bitPattern: generator.next()))
            values.append(1_764_000_000 + Double(generator.next() % 1_000_000) / 1_000)
        }
        for value in values {
            var event = APICallMetric(timestamp: 0, provider: "p", model: "m", statusCode: 200, latencyMs: 0)
            event.latencyMs = value
            event.costUSD = value
            event.timeToFirstTokenMs = value
            event.retryAfterMs = value
            let line = Array(event.jsonString.utf8)
            let expected = Self.referenceLine(event)
            #expect(line == expected, "\(value): \(String(decoding: line, as: UTF8.self))")
            if line != expected { return }
        }
    }

    @Test func stringsAndIntegersMatchTheReference() {
        let texts = ["", "a", "openai", "claude-sonnet-4-6", "Overloaded \"now\"\n\\ ünïcødé ✓", "tab\tnul\u{0}bell\u{7}\u{1F}",
                     String(repeating: "\u{1}", count: 300), String(repeating: "é\"", count: 400)]
        let integers = [0, 1, 9, 10, 99, 100, 529, 1_000_000, -1, -10, Int.max, Int.min]
        for text in texts {
            for integer in integers {
                let event = APICallMetric(
                    timestamp: 1_764_012_345.125, provider: text.isEmpty ? "p" : text, model: text, statusCode: integer,
                    latencyMs: 812.5, inputTokens: integer, outputTokens: integer, isRetry: integer % 2 == 0,
                    retryCount: integer, errorType: .overloaded, errorMessage: text, circuitState: .halfOpen,
                    requestID: text, attempt: integer, fallback: true, stream: integer > 0, timeToFirstTokenMs: nil,
                    costUSD: 0.000123, providerErrorType: text, retryAfterMs: nil, hedge: true,
                    requestOutcome: .fallback, fallbackFrom: text)
                #expect(Array(event.jsonString.utf8) == Self.referenceLine(event))
            }
        }
    }

    @Test func appendsAfterExistingBytes() {
        let event = APICallMetric(timestamp: 1, provider: "openai", model: "gpt-4o", statusCode: 200, latencyMs: 10)
        var out = Array("prefix\n".utf8)
        event.appendJSON(to: &out)
        event.appendJSON(to: &out)
        let line = Self.referenceLine(event)
        #expect(out == Array("prefix\n".utf8) + line + line)
    }

    /// The line as the fields' plain spelling gives it.
    static func referenceLine(_ event: APICallMetric) -> [UInt8] {
        func number(_ value: Double) -> String {
            guard value.isFinite else { return "0" }
            if value == value.rounded(.towardZero), abs(value) < 1e15 { return String(Int(value)) }
            return value.description
        }
        func string(_ value: String?) -> String {
            guard let value else { return "null" }
            var bytes: [UInt8] = []
            JSONWriter.string(value, &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        let fields: [String] = [
            number(event.timestamp), string(event.provider), string(event.model), String(event.statusCode),
            number(event.latencyMs), String(event.inputTokens), String(event.outputTokens), String(event.isRetry),
            String(event.retryCount), string(event.errorType?.rawValue), string(event.errorMessage),
            string(event.circuitState.rawValue), string(event.requestID), String(event.attempt), String(event.fallback),
            String(event.stream), event.timeToFirstTokenMs.map(number) ?? "null", number(event.costUSD),
            string(event.providerErrorType), event.retryAfterMs.map(number) ?? "null", String(event.hedge),
            string(event.requestOutcome?.rawValue), string(event.fallbackFrom),
        ]
        let members = zip(APICallMetric.fieldNames, fields).map { "\"\($0)\":\($1)" }
        return Array(("{" + members.joined(separator: ",") + "}").utf8)
    }
}

/// A small deterministic generator, so that a failure can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import BulwarkCore
import Foundation
import Testing

@Suite struct APICallMetricJSONTests {
    static let full = APICallMetric(
        timestamp: 1_764_012_345.125, provider: "anthropic", model: "claude-sonnet-4-6", statusCode: 529,
        latencyMs: 812.5, inputTokens: 1200, outputTokens: 0, isRetry: true, retryCount: 2,
        errorType: .overloaded, errorMessage: "Overloaded \"now\"\n\\ ünïcødé ✓", circuitState: .halfOpen,
        requestID: "req-1", attempt: 3, fallback: true, stream: true, timeToFirstTokenMs: 0.25,
        costUSD: 0.000123, providerErrorType: "overloaded_error", retryAfterMs: 1500)

    @Test func roundTripsEveryFieldExactly() throws {
        let line = Self.full.jsonString
        let decoded = try APICallMetric(jsonBytes: Array(line.utf8))
        #expect(decoded == Self.full)
    }

    @Test func writesSnakeCaseFieldsInDesignOrder() throws {
        let object = try JSONSerialization.jsonObject(with: Data(Self.full.jsonString.utf8)) as! [String: Any]
        #expect(Set(object.keys) == Set(APICallMetric.fieldNames))
        #expect(object["status_code"] as? Int == 529)
        #expect(object["error_type"] as? String == "overloaded")
        #expect(object["circuit_state"] as? String == "half_open")
        let keysInOrder = Self.full.jsonString.split(separator: ",").compactMap { part -> String? in
            guard let quote = part.firstIndex(of: "\"") else { return nil }
            let rest = part[part.index(after: quote)...]
            guard let end = rest.firstIndex(of: "\""), rest[rest.index(after: end)...].hasPrefix(":") else { return nil }
            return String(rest[..<end])
        }
        #expect(Array(keysInOrder.prefix(12)) == Array(APICallMetric.fieldNames.prefix(12)))
    }

    @Test func writesNullForMissingOptionalFields() {
        let event = APICallMetric(timestamp: 1, provider: "openai", model: "gpt-4o", statusCode: 200, latencyMs: 10)
        let line = event.jsonString
        #expect(line.contains(#""error_type":null"#))
        #expect(line.contains(#""time_to_first_token_ms":null"#))
        #expect(line.contains(#""retry_after_ms":null"#))
    }

    @Test func escapesControlCharactersAsValidJSON() throws {
        var event = Self.full
        event.errorMessage = "tab\tnul\u{0}bell\u{7}"
        let decoded = try APICallMetric(jsonBytes: Array(event.jsonString.utf8))
        #expect(decoded.errorMessage == event.errorMessage)
        _ = try JSONSerialization.jsonObject(with: Data(event.jsonString.utf8))
    }

    @Test func rejectsMissingRequiredFieldNamingIt() {
        #expect(throws: EventValidationError(field: "status_code", reason: "is required")) {
            try APICallMetric(jsonBytes: Array(#"{"timestamp":1,"provider":"p","model":"m","latency_ms":1}"#.utf8))
        }
    }

    @Test func rejectsWrongTypesNamingTheField() {
        let cases: [(String, String)] = [
            (#"{"timestamp":"yesterday","provider":"p","model":"m","status_code":200,"latency_ms":1}"#, "timestamp"),
            (#"{"timestamp":1,"provider":7,"model":"m","status_code":200,"latency_ms":1}"#, "provider"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":200.5,"latency_ms":1}"#, "status_code"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":200,"latency_ms":-1}"#, "latency_ms"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":200,"latency_ms":1,"is_retry":"yes"}"#, "is_retry"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":200,"latency_ms":1,"error_type":"oops"}"#, "error_type"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":200,"latency_ms":1,"circuit_state":"ajar"}"#, "circuit_state"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":1000,"latency_ms":1}"#, "status_code"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":42,"latency_ms":1}"#, "status_code"),
            (#"{"timestamp":1,"provider":"","model":"m","status_code":200,"latency_ms":1}"#, "provider"),
            (#"{"timestamp":1,"provider":"p","model":"m","status_code":200,"latency_ms":1,"attempt":0}"#, "attempt"),
        ]
        for (json, field) in cases {
            do {
                _ = try APICallMetric(jsonBytes: Array(json.utf8))
                Issue.record("accepted \(json)")
            } catch {
                #expect(error.field == field, "\(json): \(error)")
            }
        }
    }

    @Test func rejectsMalformedJSONWithOffset() {
        do {
            _ = try APICallMetric(jsonBytes: Array(#"{"timestamp":1,"provider":"p""#.utf8))
            Issue.record("accepted truncated JSON")
        } catch {
            #expect(error.field == nil)
            #expect(error.reason.contains("invalid JSON at byte"))
        }
    }

    @Test func acceptsIntegralFloatsForIntegerFields() throws {
        let event = try APICallMetric(jsonBytes: Array(#"{"timestamp":1,"provider":"p","model":"m","status_code":200.0,"latency_ms":1,"input_tokens":1e3}"#.utf8))
        #expect(event.statusCode == 200)
        #expect(event.inputTokens == 1000)
    }

    @Test func redactsKeysInPostedErrorMessages() throws {
        let json = #"{"timestamp":1,"provider":"p","model":"m","status_code":401,"latency_ms":1,"error_type":"authentication","error_message":"Incorrect API key provided: sk-proj-abcdefghijklmnop1234"}"#
        let event = try APICallMetric(jsonBytes: Array(json.utf8))
        #expect(event.errorMessage == "Incorrect API key provided: [REDACTED]")
    }

    @Test func truncatesErrorMessagesTo500Characters() {
        let event = APICallMetric(timestamp: 1, provider: "p", model: "m", statusCode: 500, latencyMs: 1,
                                  errorType: .serverError, errorMessage: String(repeating: "é", count: 900))
        #expect(event.errorMessage?.count == 500)
    }
}

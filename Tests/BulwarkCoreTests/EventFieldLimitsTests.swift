import BulwarkCore
import Testing

/// Every string an event carries is bounded at ingestion, so whatever is acknowledged fits a log line,
/// and errors quote only a short prefix of a bad value.
@Suite struct EventFieldLimitsTests {
    static func event(_ extra: String) -> String {
        #"{"timestamp":1,"provider":"openai","model":"gpt-4o","status_code":200,"latency_ms":12"# + extra + "}"
    }

    static func error(_ json: String) -> EventValidationError? {
        do {
            _ = try APICallMetric(jsonBytes: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["request_id", "provider_error_type", "fallback_from"])
    func refusesIdentifiersOverTheLimit(field: String) throws {
        let atLimit = String(repeating: "a", count: APICallMetric.maxIdentifierLength)
        #expect(Self.error(Self.event(#","\#(field)":"\#(atLimit)""#)) == nil)
        let error = try #require(Self.error(Self.event(#","\#(field)":"\#(atLimit)b""#)))
        #expect(error.field == field)
        #expect(error.description.contains("longer than \(APICallMetric.maxIdentifierLength) bytes"))
    }

    @Test func cutsTheErrorMessageWhateverItsCharactersHold() throws {
        // One character built of a base and 10,000 combining marks: cut by scalars, so at most 4 bytes each.
        let message = "e" + String(repeating: "\u{301}", count: 10_000) + String(repeating: "x", count: 1000)
        let metric = try APICallMetric(jsonBytes: Array(Self.event(#","error_message":"\#(message)""#).utf8))
        #expect(metric.errorMessage?.unicodeScalars.count == APICallMetric.maxErrorMessageCharacters)
        #expect((metric.errorMessage?.utf8.count ?? 0) <= 4 * APICallMetric.maxErrorMessageCharacters)
    }

    @Test func quotesOnlyAShortPrefixOfABadValue() throws {
        let long = String(repeating: "z", count: 10_000_000)
        let error = try #require(Self.error(Self.event(#","circuit_state":"\#(long)""#)))
        #expect(error.description.utf8.count < 300)
        #expect(error.description.contains("10000000 bytes"))
    }

    @Test(arguments: ["1e999999", "-1e999999"])
    func saysANumberIsOutOfRange(number: String) throws {
        let latency = try #require(Self.error(
            #"{"timestamp":1,"provider":"openai","model":"m","status_code":200,"latency_ms":\#(number)}"#))
        #expect(latency.reason.hasPrefix("number out of range"), "\(latency)")
        let tokens = try #require(Self.error(Self.event(#","input_tokens":\#(number)"#)))
        #expect(tokens.reason.hasPrefix("number out of range"), "\(tokens)")
    }
}

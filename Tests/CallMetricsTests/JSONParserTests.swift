import CallMetrics
import Testing

@Suite struct JSONParserTests {
    @Test func parsesNestedValuesAndEscapes() throws {
        let value = try JSONParser.parse(Array(#" {"a":[1,-2.5e3,true,false,null],"b":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"} "#.utf8))
        guard case .object(let object) = value, case .array(let array)? = object["a"], case .string(let text)? = object["b"]
        else { Issue.record("unexpected shape \(value)"); return }
        #expect(array == [.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null])
        #expect(text == "x\"\\/\u{8}\u{c}\n\r\té😀")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "\"\\x\"", "\"a\nb\"", "tru", "{\"a\" 1}", "[1] 2",
        "{\"a\":1,\"a\":2}", "\"\\ud800\"",
    ])
    func rejectsInvalidDocuments(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8)) }
    }
}

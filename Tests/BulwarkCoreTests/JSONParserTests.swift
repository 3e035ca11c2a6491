import BulwarkCore
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

    @Test func reportsTheOffsetOfADuplicateKey() {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(#"{"a":1, "a":2}"#.utf8)) }
        #expect(error?.description == #"invalid JSON at byte 8: duplicate key "a""#)
    }

    @Test func keepsNonASCIITextAndRejectsInvalidUTF8InsideLongStrings() throws {
        #expect(try JSONParser.parse(Array(#"["ascii only", "naïve — 東京"]"#.utf8))
            == .array([.string("ascii only"), .string("naïve — 東京")]))
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0x61, 0x62, 0xC3, 0x28, 0x22]) }
    }
}

@Suite struct JSONEncodingTests {
    @Test func writesCompactJSONWithSortedKeysAndEscapes() {
        let value: JSONValue = .object([
            "z": .array([.integer(-3), JSONValue.double(0.7)!, .bool(true), .null]),
            "a": .string("quote \" slash / backslash \\ newline \n tab \t bell \u{7} é"),
            "m": .object([:]),
        ])
        #expect(String(decoding: value.jsonBytes, as: UTF8.self)
            == #"{"a":"quote \" slash / backslash \\ newline \n tab \t bell \u0007 é","m":{},"z":[-3,0.7,true,null]}"#)
    }

    @Test func roundTripsThroughTheParser() throws {
        let value: JSONValue = .object([
            "model": .string("gpt-4o"), "max_tokens": .integer(1_024), "temperature": JSONValue.double(1e-7)!,
            "messages": .array([.object(["role": .string("user"), "content": .string("hi 😀\u{0}")])]),
        ])
        #expect(try JSONParser.parse(value.jsonBytes) == value)
    }

    @Test func refusesNumbersJSONCannotHold() {
        #expect(JSONValue.double(.nan) == nil)
        #expect(JSONValue.double(.infinity) == nil)
        #expect(JSONValue.double(2) == .number("2"))
    }
}


@Suite struct JSONSelectionTests {
    static let document = Array(#"""
        {"id": "x1", "skipped": {"deep": [1, 2.5e3, {"a": "b\u00e9"}], "flag": true, "n": null},
         "choices": [{"index": 0, "logprobs": null, "message": {"content": "hi", "annotations": []}},
                     {"index": 1, "message": {"content": "yo"}}],
         "usage": {"prompt_tokens": 3, "details": {"cached": 0}}}
        """#.utf8)

    @Test func buildsOnlyTheSelectedMembersOfObjectsAndOfEachArrayElement() throws {
        let selection = JSONSelection.members([
            "id": .all, "usage": .all,
            "choices": .members(["index": .all, "message": .members(["content": .all])]),
        ])
        let value = try JSONParser.parse(Self.document, selecting: selection)
        #expect(value == .object([
            "id": .string("x1"),
            "usage": .object(["prompt_tokens": .number("3"), "details": .object(["cached": .number("0")])]),
            "choices": .array([
                .object(["index": .number("0"), "message": .object(["content": .string("hi")])]),
                .object(["index": .number("1"), "message": .object(["content": .string("yo")])]),
            ]),
        ]))
    }

    @Test func selectingEverythingEqualsAPlainParse() throws {
        #expect(try JSONParser.parse(Self.document, selecting: .all) == JSONParser.parse(Self.document))
    }

    @Test(arguments: [
        #"{"id": 1, "skipped": [1, 2,]}"#, #"{"skipped": {"a" 1}}"#, #"{"skipped": "\x"}"#, #"{"skipped": 01}"#,
        #"{"skipped": tru}"#, #"{"skipped": "a"#, "{\"skipped\": \"\u{1}\"}", #"{"id": 1, "id": 2}"#,
    ])
    func stillRejectsInvalidDocuments(text: String) {
        #expect(throws: JSONParseError.self) {
            try JSONParser.parse(Array(text.utf8), selecting: .members(["id": .all]))
        }
    }

    @Test func checksUTF8AndDepthInSkippedValues() {
        let invalidUTF8: [UInt8] = Array(#"{"skipped": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(invalidUTF8, selecting: .members(["id": .all])) }
        let deep = "{\"skipped\": " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8), selecting: .members(["id": .all])) }
    }

    @Test func matchesEscapedKeys() throws {
        let value = try JSONParser.parse(Array(#"{"i\u0064": 7, "other": 1}"#.utf8), selecting: .members(["id": .all]))
        #expect(value == .object(["id": .number("7")]))
    }

    @Test func objectWriterGivesTheBytesOfTheSameSortedTree() throws {
        var writer = JSONObjectWriter(capacity: 8)
        writer.integer("a", 12)
        writer.objects("b", ["x\"y", "é\n"]) { text, object in
            object.objects("parts", CollectionOfOne(text)) { text, part in part.string("text", text) }
            object.bool("z", false)
        }
        writer.objects("c", [Int]()) { _, _ in }
        writer.object("d") { $0.number("nan", .nan) }
        writer.number("e", 0.5)
        writer.number("f", .infinity)
        writer.value("g", .object(["k2": .null, "k1": .array([.number("1")])]))
        let tree = JSONValue.object([
            "a": .integer(12),
            "b": .array(["x\"y", "é\n"].map { text in
                .object(["parts": .array([.object(["text": .string(text)])]), "z": .bool(false)])
            }),
            "c": .array([]), "d": .object([:]), "e": .number("0.5"),
            "g": .object(["k2": .null, "k1": .array([.number("1")])]),
        ])
        let bytes = writer.finish()
        #expect(bytes == tree.jsonBytes)
        #expect(try JSONParser.parse(bytes) == tree)
    }

    @Test func stringsAreReadRightWhateverTheOffsetOfTheirSpecialBytes() throws {
        for length in 0..<20 {
            for position in 0..<max(length, 1) {
                let plain = String(repeating: "a", count: length)
                func with(_ special: String) -> String {
                    guard length > 0 else { return special }
                    var characters = Array(plain)
                    characters.remove(at: position)
                    return String(characters[..<position]) + special + String(characters[position...])
                }
                for (json, text) in [(with(#"\""#), with("\"")), (with(#"\n"#), with("\n")), (with("é"), with("é")), (plain, plain)] {
                    let document = Array(#"{"pad": "xyz", "\#(json)": "\#(json)"}"#.utf8)
                    #expect(try JSONParser.parse(document) == .object(["pad": .string("xyz"), text: .string(text)]))
                    #expect(
                        try JSONParser.parse(document, selecting: .members([text: .all])) == .object([text: .string(text)]))
                    #expect(try JSONParser.parse(document, selecting: .members(["pad": .all])) == .object(["pad": .string("xyz")]))
                }
                let control = Array(#"{"k": "\#(with("\u{1}"))"}"#.utf8)
                #expect(throws: JSONParseError.self) { try JSONParser.parse(control) }
                #expect(throws: JSONParseError.self) { try JSONParser.parse(control, selecting: .members(["x": .all])) }
            }
        }
    }
}

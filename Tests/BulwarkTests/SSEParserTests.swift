import Bulwark
import Testing

@Suite("SSE parser")
struct SSEParserTests {
    static func parse(_ pieces: [String]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for piece in pieces { events += parser.feed(Array(piece.utf8)) }
        return events + parser.finish()
    }

    @Test(arguments: ["\n", "\r", "\r\n"])
    func acceptsEveryLineEnding(newline: String) {
        let events = Self.parse(["event: a\(newline)data: one\(newline)\(newline)data: two\(newline)\(newline)"])
        #expect(events == [SSEEvent(event: "a", data: "one"), SSEEvent(data: "two")])
    }

    @Test func crlfSplitAcrossChunksEndsOneLine() {
        let events = Self.parse(["data: a\r", "\ndata: b\r", "\n\r", "\n"])
        #expect(events == [SSEEvent(data: "a\nb")])
    }

    @Test func crFollowedByChunkStartingWithDataIsTwoLines() {
        let events = Self.parse(["data: a\r", "data: b\r\r"])
        #expect(events == [SSEEvent(data: "a\nb")])
    }

    @Test func joinsMultiLineDataWithNewlines() {
        let events = Self.parse(["data: {\n", "data:  \"a\": 1\n", "data: }\n\n"])
        #expect(events.map(\.data) == ["{\n \"a\": 1\n}"])
    }

    @Test func skipsCommentsAndEventsWithoutData() {
        let events = Self.parse([": keep-alive\n\n", "event: ping\n\n", ":another\ndata: x\n\n"])
        #expect(events == [SSEEvent(data: "x")])
    }

    @Test func fieldWithoutColonAndEmptyDataDispatchEmptyEvent() {
        #expect(Self.parse(["data\n\n"]) == [SSEEvent(data: "")])
        #expect(Self.parse(["data:\n\n"]) == [SSEEvent(data: "")])
    }

    @Test func keepsOnlyOneLeadingSpace() {
        #expect(Self.parse(["data:   spaced\n\n"]).map(\.data) == ["  spaced"])
        #expect(Self.parse(["data:tight\n\n"]).map(\.data) == ["tight"])
    }

    @Test func tracksIDAndRetry() {
        let events = Self.parse(["id: 7\nretry: 1500\ndata: a\n\nretry: x\ndata: b\n\n"])
        #expect(events == [SSEEvent(data: "a", id: "7", retry: 1500), SSEEvent(data: "b", id: "7")])
    }

    @Test func ignoresUnknownFields() {
        #expect(Self.parse(["foo: bar\ndata: a\n\n"]) == [SSEEvent(data: "a")])
    }

    @Test func skipsLeadingByteOrderMark() {
        #expect(Self.parse(["\u{FEFF}data: a\n\n"]) == [SSEEvent(data: "a")])
    }

    @Test func reassemblesUTF8SplitAcrossChunks() {
        let bytes = Array("data: héllo ✓\n\n".utf8)
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { events += parser.feed([byte]) }
        #expect(events.map(\.data) == ["héllo ✓"])
    }

    @Test func buffersBarePrettyPrintedJSONUntilBracesBalance() {
        let json =
            "{\n  \"error\": {\n    \"message\": \"a } brace and \\\" quote {\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n"
        for size in [1, 3, json.utf8.count] {
            var parser = SSEParser()
            var events: [SSEEvent] = []
            for chunk in chunks(Array(("data: {\"a\":1}\n\n" + json).utf8), size: size) { events += parser.feed(chunk) }
            events += parser.finish()
            #expect(events.count == 2)
            #expect(events.last?.isUnframedJSON == true)
            #expect(events.last?.data == String(json.dropLast()))
        }
    }

    @Test func singleLineBareJSONIsOneEvent() {
        #expect(
            Self.parse(["{\"error\":{\"code\":503}}\n"]) == [
                SSEEvent(data: "{\"error\":{\"code\":503}}", isUnframedJSON: true)
            ])
    }

    @Test func endOfInputDispatchesCompleteLinesButDropsACutLine() {
        #expect(Self.parse(["data: [DONE]\n"]) == [SSEEvent(data: "[DONE]")])
        #expect(Self.parse(["data: a\n\ndata: {\"cut"]) == [SSEEvent(data: "a")])
        #expect(Self.parse(["{\n\"error\": {"]).isEmpty)
    }

    @Test func stopsAtEventSizeLimit() {
        var parser = SSEParser(maxEventBytes: 16)
        let events = parser.feed(Array("data: 0123456789012345678901234\n\n".utf8))
        #expect(events.isEmpty)
        #expect(parser.overflowed)
        #expect(parser.feed(Array("data: a\n\n".utf8)).isEmpty)
    }
}

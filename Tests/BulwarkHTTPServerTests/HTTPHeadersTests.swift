import BulwarkHTTPServer
import Testing

@Suite struct HTTPHeadersTests {
    @Test func looksUpNamesCaseInsensitively() {
        let headers: HTTPHeaders = ["Content-Type": "application/json", "X-Trace": "abc"]
        #expect(headers["content-type"] == "application/json")
        #expect(headers["X-TRACE"] == "abc")
        #expect(headers["missing"] == nil)
    }

    @Test func keepsRepeatedFieldsInOrder() {
        var headers = HTTPHeaders()
        headers.add(name: "Set-Cookie", value: "a=1")
        headers.add(name: "Other", value: "x")
        headers.add(name: "set-cookie", value: "b=2")
        #expect(headers.values(for: "SET-COOKIE") == ["a=1", "b=2"])
        #expect(headers.map(\.name) == ["Set-Cookie", "Other", "set-cookie"])
    }

    @Test func assigningReplacesAllFieldsOfTheName() {
        var headers: HTTPHeaders = ["Accept": "a", "Other": "x"]
        headers.add(name: "accept", value: "b")
        headers["ACCEPT"] = "c"
        #expect(headers.values(for: "accept") == ["c"])
        #expect(headers.fields.first?.name == "ACCEPT")
        headers["accept"] = nil
        #expect(!headers.contains("Accept"))
        #expect(headers.count == 1)
    }
}

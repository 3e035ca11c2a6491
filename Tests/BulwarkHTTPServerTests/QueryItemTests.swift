import BulwarkHTTPServer
import Testing

@Suite struct QueryItemTests {
    @Test func decodesPercentEscapesAndPlus() {
        let items = QueryItem.parse("name=a%20b&x=1+2&flag&empty=&utf=%E2%9C%93")
        #expect(
            items == [
                QueryItem(name: "name", value: "a b"),
                QueryItem(name: "x", value: "1 2"),
                QueryItem(name: "flag", value: nil),
                QueryItem(name: "empty", value: ""),
                QueryItem(name: "utf", value: "✓"),
            ])
    }

    @Test func keepsMalformedEscapesLiterally() {
        #expect(
            QueryItem.parse("a=100%&b=%zz&c=%4") == [
                QueryItem(name: "a", value: "100%"),
                QueryItem(name: "b", value: "%zz"),
                QueryItem(name: "c", value: "%4"),
            ])
    }

    @Test func requestFindsFirstValueByName() {
        let request = HTTPRequest(method: "GET", path: "/", query: "a=1&b=2&a=3")
        #expect(request.queryValue("a") == "1")
        #expect(request.queryValue("zz") == nil)
        #expect(HTTPRequest(method: "GET", path: "/").queryItems.isEmpty)
    }
}

import BulwarkHTTPServer
import Testing

@Suite struct RouterTests {
    private func request(_ method: String, _ path: String) -> HTTPRequest {
        HTTPRequest(method: method, path: path)
    }

    @Test func exactRouteWinsOverPrefix() async {
        var router = Router()
        router.get("/v1/models") { _ in .text("exact") }
        router.get(prefix: "/v1/") { _ in .text("prefix") }
        #expect(await router.response(for: request("GET", "/v1/models")).bodyText == "exact")
        #expect(await router.response(for: request("GET", "/v1/other")).bodyText == "prefix")
    }

    @Test func longestPrefixWins() async {
        var router = Router()
        router.post(prefix: "/v1beta/") { _ in .text("short") }
        router.post(prefix: "/v1beta/models/") { request in .text(String(request.path.dropFirst(15))) }
        let response = await router.response(for: request("POST", "/v1beta/models/gemini-pro:generateContent"))
        #expect(response.bodyText == "gemini-pro:generateContent")
        #expect(await router.response(for: request("POST", "/v1beta/files")).bodyText == "short")
    }

    @Test func fallsBackToLessSpecificRouteForOtherMethods() async {
        var router = Router()
        router.get("/items") { _ in .text("list") }
        router.post(prefix: "/") { _ in .text("catch-all post") }
        #expect(await router.response(for: request("POST", "/items")).bodyText == "catch-all post")
    }

    @Test func unknownPathIs404() async {
        let router = Router()
        let response = await router.response(for: request("GET", "/nope"))
        #expect(response.status == 404)
    }

    @Test func wrongMethodIs405ListingAllowedMethods() async {
        var router = Router()
        router.get("/metrics") { _ in .text("m") }
        router.delete("/metrics") { _ in .status(204) }
        let response = await router.response(for: request("PUT", "/metrics"))
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "DELETE, GET, HEAD")
    }

    @Test func headUsesTheGetHandler() async {
        var router = Router()
        router.get("/healthz") { _ in .text("ok") }
        #expect(await router.response(for: request("HEAD", "/healthz")).status == 200)
    }

    @Test func runsAsyncHandlers() async {
        var router = Router()
        router.get("/slow") { _ in
            await Task.yield()
            return .text("done")
        }
        #expect(await router.response(for: request("GET", "/slow")).bodyText == "done")
    }

    @Test func customNotFoundHandlerAnswersUnknownPaths() async {
        var router = Router()
        router.notFoundHandler = { request in .json(#"{"error":"no \#(request.path)"}"#, status: 404) }
        let response = await router.response(for: request("GET", "/x"))
        #expect(response.bodyText == #"{"error":"no /x"}"#)
        #expect(response.headers["content-type"] == "application/json")
    }
}

extension HTTPResponse {
    var bodyText: String? {
        guard case .bytes(let bytes) = body else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

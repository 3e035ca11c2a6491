import BulwarkHTTPServer
import BulwarkTestSupport
import Foundation
import Testing

@testable import BulwarkSimulator

@Suite("Keys switched mid-run and the headers of recent requests")
struct KeySwitchingTests {
    static func control(_ simulator: ProviderSimulator, _ method: String, _ path: String, body: String = "")
        async throws -> RawHTTPClient.Response
    {
        let port = simulator.port
        return try await onThread {
            try RawHTTPClient.request(
                port: port, method: method, path: path,
                headers: body.isEmpty ? [] : [("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)")],
                body: Array(body.utf8))
        }
    }

    @Test func theControlRouteSwitchesAcceptedKeysPerProviderAndRefusesBadInput() async throws {
        try await withSimulator { simulator in
            #expect(try await send(.openAI(key: "sk-old-key-1"), to: simulator).status == 200)
            let set = try await Self.control(simulator, "POST", "/simulator/keys?provider=openai", body: #"{"valid_keys": ["sk-new-key-2"]}"#)
            #expect(set.status == 200)
            #expect(!set.text.contains("sk-new-key-2"), "\(set.text)")
            #expect(try await send(.openAI(key: "sk-old-key-1"), to: simulator).status == 401)
            #expect(try await send(.openAI(key: "sk-new-key-2"), to: simulator).status == 200)
            // Other providers keep the scenario's rule (any key without `invalid`).
            #expect(try await send(.anthropic(key: "sk-ant-anything"), to: simulator).status == 200)
            // `null` goes back to the scenario's keys.
            #expect(try await Self.control(simulator, "POST", "/simulator/keys?provider=openai", body: #"{"valid_keys": null}"#).status == 200)
            #expect(try await send(.openAI(key: "sk-old-key-1"), to: simulator).status == 200)

            for (path, body) in [
                ("/simulator/keys?provider=mistral", #"{"valid_keys": ["k"]}"#), ("/simulator/keys", #"{"valid_keys": ["k"]}"#),
                ("/simulator/keys?provider=openai", #"{"valid_keys": []}"#), ("/simulator/keys?provider=openai", "not json"),
            ] {
                let refused = try await Self.control(simulator, "POST", path, body: body)
                #expect(refused.status == 400, "\(path) \(body): \(refused.status) \(refused.text)")
            }
            #expect(try await Self.control(simulator, "GET", "/simulator/headers?provider=nobody").status == 400)
        }
    }

    @Test func recentHeadersAreKeptExactlyBoundedAndWithoutCredentials() async throws {
        try await withSimulator { simulator in
            var call = ProviderCall.anthropic(key: "sk-ant-secret-key-0000")
            call.headers.append("X-Title: Exactly This")
            for _ in 0..<(RequestInspector.keptRequests + 3) {
                #expect(try await send(call, to: simulator).status == 200)
            }
            let kept = simulator.recentRequestHeaders(for: .anthropic)
            #expect(kept.count == RequestInspector.keptRequests)
            let last = try #require(kept.last)
            #expect(last.contains(HTTPHeaders.Field(name: "X-Title", value: "Exactly This")))
            #expect(last.contains(HTTPHeaders.Field(name: "x-api-key", value: "[REDACTED]")))
            #expect(simulator.recentRequestHeaders(for: .openai).isEmpty)
            let route = try await Self.control(simulator, "GET", "/simulator/headers?provider=anthropic")
            #expect(route.status == 200)
            #expect(route.text.contains(#"["X-Title","Exactly This"]"#), "\(route.text.prefix(300))")
            #expect(!route.text.contains("sk-ant-secret"))
            simulator.reset()
            #expect(simulator.recentRequestHeaders(for: .anthropic).isEmpty)
        }
    }
}

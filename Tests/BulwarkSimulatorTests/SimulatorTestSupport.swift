import Foundation
import BulwarkHTTPServer
import BulwarkTestSupport
import Synchronization
import Testing

@testable import BulwarkSimulator

/// Starts a simulator on an ephemeral 127.0.0.1 port, runs `body`, and stops it.
@discardableResult
func withSimulator<T>(
    _ scenario: Scenario = .healthy,
    seed: UInt64 = 7,
    _ body: (ProviderSimulator) async throws -> T
) async throws -> T {
    let simulator = ProviderSimulator(scenario: scenario, seed: seed)
    try simulator.start()
    do {
        let result = try await body(simulator)
        await simulator.stop(gracePeriod: .milliseconds(200))
        return result
    } catch {
        await simulator.stop(gracePeriod: .milliseconds(200))
        throw error
    }
}

/// A provider request as raw HTTP: path, header lines and body.
struct ProviderCall: Sendable {
    var path: String
    var headers: [String]
    var body: [UInt8]

    static func openAI(
        model: String = "gpt-4o-mini",
        prompt: String = "Say hello.",
        stream: Bool = false,
        includeUsage: Bool = true,
        key: String? = "sk-test-0123456789"
    ) -> ProviderCall {
        var body = #"{"model": "\#(model)", "messages": [{"role": "user", "content": "\#(prompt)"}]"#
        if stream {
            body += #", "stream": true"#
            if includeUsage { body += #", "stream_options": {"include_usage": true}"# }
        }
        body += "}"
        var headers = ["Content-Type: application/json"]
        if let key { headers.append("Authorization: Bearer \(key)") }
        return ProviderCall(path: "/v1/chat/completions", headers: headers, body: Array(body.utf8))
    }

    static func anthropic(
        model: String = "claude-sonnet-4-6",
        prompt: String = "Say hello.",
        stream: Bool = false,
        maxTokens: Int = 1024,
        key: String? = "sk-ant-test-0123456789",
        useBearer: Bool = false
    ) -> ProviderCall {
        var body =
            #"{"model": "\#(model)", "max_tokens": \#(maxTokens), "messages": [{"role": "user", "content": "\#(prompt)"}]"#
        if stream { body += #", "stream": true"# }
        body += "}"
        var headers = ["content-type: application/json", "anthropic-version: 2023-06-01"]
        if let key { headers.append(useBearer ? "Authorization: Bearer \(key)" : "x-api-key: \(key)") }
        return ProviderCall(path: "/v1/messages", headers: headers, body: Array(body.utf8))
    }

    static func gemini(
        model: String = "gemini-2.5-flash",
        prompt: String = "Say hello.",
        stream: Bool = false,
        version: String = "v1beta",
        key: String? = "AIzaSy-test-0123456789",
        keyInQuery: Bool = false
    ) -> ProviderCall {
        let body = #"{"contents": [{"role": "user", "parts": [{"text": "\#(prompt)"}]}]}"#
        var query: [String] = stream ? ["alt=sse"] : []
        var headers = ["Content-Type: application/json"]
        if let key {
            if keyInQuery { query.append("key=\(key)") } else { headers.append("x-goog-api-key: \(key)") }
        }
        let method = stream ? "streamGenerateContent" : "generateContent"
        let path = "/\(version)/models/\(model):\(method)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        return ProviderCall(path: path, headers: headers, body: Array(body.utf8))
    }

    static func make(_ provider: SimulatedProvider, model: String? = nil, stream: Bool = false) -> ProviderCall {
        switch provider {
        case .openai: model.map { .openAI(model: $0, stream: stream) } ?? .openAI(stream: stream)
        case .anthropic: model.map { .anthropic(model: $0, stream: stream) } ?? .anthropic(stream: stream)
        case .google: model.map { .gemini(model: $0, stream: stream) } ?? .gemini(stream: stream)
        }
    }
}

/// Sends `call` on a fresh connection and reads a whole (non-streamed or chunked) response.
func send(_ call: ProviderCall, to simulator: ProviderSimulator) async throws -> RawHTTPClient.Response {
    let port = simulator.port
    return try await onThread {
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        return try client.post(call.path, headers: call.headers, body: call.body)
    }
}

/// Sends `call` on a fresh connection and reads a streamed response however it ends.
func sendStream(_ call: ProviderCall, to simulator: ProviderSimulator, timeoutSeconds: Int = 15) async throws
    -> RawHTTPClient.StreamRead
{
    let port = simulator.port
    return try await onThread {
        let client = try RawHTTPClient(port: port, timeoutSeconds: timeoutSeconds)
        defer { client.close() }
        try client.send(client.request("POST", call.path, headers: call.headers, body: call.body))
        return try client.readStream()
    }
}

/// `GET` or `POST` on the simulator's control routes.
func control(_ method: String, _ path: String, on simulator: ProviderSimulator) async throws
    -> RawHTTPClient.Response
{
    let port = simulator.port
    return try await onThread {
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        try client.send(client.request(method, path, body: method == "POST" ? [] : nil))
        return try client.readResponse()
    }
}

/// The provider-wire fixtures kept in the repository (`Tests/Fixtures/provider-wire`).
func providerWireDirectory() -> URL { Tools.providerWire }

/// Parses a JSON body into a dictionary.
func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(bytes))
    return try #require(object as? [String: Any])
}

/// The `data:` payloads of an SSE body (any line ending), in order.
func sseData(_ text: String) -> [String] {
    text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: true)
        .filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
}

/// A manual clock for the engine.
final class ManualClock: Sendable {
    private let seconds = Mutex(0.0)

    func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }

    func set(_ value: Double) {
        seconds.withLock { $0 = value }
    }

    var now: @Sendable () -> Double {
        { [self] in seconds.withLock { $0 } }
    }
}

/// A value shared between threads and tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        mutex.withLock { body(&$0) }
    }
}

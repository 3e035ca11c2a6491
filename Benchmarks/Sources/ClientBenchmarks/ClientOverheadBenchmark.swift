import BenchmarkSupport
import AsyncHTTPClient
import CallMetrics
import Foundation
import NIOCore
import ProviderSimulator
import ResilientClient

/// The latency the resilient client adds to a call: the same request to the same simulator endpoint,
/// once through `ResilientClient.complete` and once as a bare AsyncHTTPClient request.
enum ClientOverheadBenchmark {
    static func run(into table: inout ResultTable) async throws {
        let simulator = ProviderSimulator(scenario: .healthy, seed: 1)
        try simulator.start()
        let transport = AsyncHTTPClientTransport()
        let bare = HTTPClient(eventLoopGroupProvider: .singleton)
        var configuration = BulwarkConfiguration()
        configuration.providers = [ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", baseURL: "\(simulator.baseURL)/v1",
            pricing: Pricing(inputPerMillion: 2.5, outputPerMillion: 10))]
        let key = "sk-bench-0123456789abcdefghijklmnop"
        let registry = MetricsRegistry()
        let client = try ResilientClient(
            configuration: configuration, environment: ["OPENAI_API_KEY": key], transport: transport,
            recorder: registry, telemetry: registry)
        let request = ChatRequest(messages: [.user("Benchmark prompt")], maxTokens: 32)
        let wire = try OpenAIAdapter(endpoint: configuration.providers[0].endpoint).makeHTTPRequest(for: request, apiKey: key)

        func bareCall() async throws {
            var outgoing = HTTPClientRequest(url: wire.url)
            outgoing.method = .POST
            for field in wire.headers { outgoing.headers.add(name: field.name, value: field.value) }
            outgoing.body = .bytes(ByteBuffer(bytes: wire.body))
            let response = try await bare.execute(outgoing, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            precondition(response.status == .ok)
        }
        let clock = ContinuousClock()
        var bareSamples: [Double] = []
        var resilientSamples: [Double] = []
        for _ in 0..<50 {
            try await bareCall()
            _ = try await client.complete(request)
        }
        // Interleaved, so both see the same machine state.
        for _ in 0..<1_000 {
            bareSamples.append(try await clock.measure { try await bareCall() }.seconds)
            resilientSamples.append(try await clock.measure { _ = try await client.complete(request) }.seconds)
        }
        bareSamples.sort()
        resilientSamples.sort()
        let bareMedian = bareSamples[bareSamples.count / 2]
        let resilientMedian = resilientSamples[resilientSamples.count / 2]
        table.add(
            "one call to the simulator: ResilientClient.complete vs bare AsyncHTTPClient (median of 1,000)",
            formatTime(resilientMedian), formatTime(bareMedian),
            "adds \(formatTime(max(0, resilientMedian - bareMedian))) per call")
        try await bare.shutdown()
        await transport.shutdown()
        await simulator.stop()
    }
}

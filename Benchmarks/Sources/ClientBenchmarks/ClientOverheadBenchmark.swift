import BenchmarkSupport
import AsyncHTTPClient
import BulwarkCore
import BulwarkPrometheus
import Foundation
import NIOCore
import BulwarkSimulator
import Bulwark
import Synchronization

/// The latency the resilient client adds to a call: the same request to the same simulator endpoint
/// through `ResilientClient.complete` and as bare AsyncHTTPClient requests with both of its APIs (the
/// transport uses the async/await one). All three share one `HTTPClient`, configured as the transport
/// configures its own.
enum ClientOverheadBenchmark {
    static let rounds = 3_000

    static func run(into table: inout ResultTable) async throws {
        let simulator = ProviderSimulator(scenario: .healthy, seed: 1)
        try simulator.start()
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: AsyncHTTPClientTransport.configuration())
        let transport = AsyncHTTPClientTransport(client: http)
        var configuration = BulwarkConfiguration()
        configuration.providers = [ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", baseURL: "\(simulator.baseURL)/v1",
            pricing: Pricing(inputPerMillion: 2.5, outputPerMillion: 10))]
        let key = "sk-bench-0123456789abcdefghijklmnop"
        let registry = MetricsRegistry()
        let client = try ResilientClient(
            configuration: configuration, environment: ["OPENAI_API_KEY": key], transport: transport,
            recorder: registry)
        let request = ChatRequest(messages: [.user("Benchmark prompt")], maxTokens: 32)
        let wire = try OpenAIAdapter(endpoint: configuration.providers[0].endpoint).makeHTTPRequest(for: request, apiKey: key)

        func resilientCall() async throws {
            _ = try await client.complete(request)
        }
        func bareAsyncCall() async throws {
            var outgoing = HTTPClientRequest(url: wire.url)
            outgoing.method = .POST
            for field in wire.headers { outgoing.headers.add(name: field.name, value: field.value) }
            outgoing.body = .bytes(ByteBuffer(bytes: wire.body))
            let response = try await http.execute(outgoing, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            precondition(response.status.code == 200)
        }
        func bareFutureCall() async throws {
            var outgoing = try HTTPClient.Request(url: wire.url, method: .POST, body: .bytes(wire.body))
            for field in wire.headers { outgoing.headers.add(name: field.name, value: field.value) }
            let response = try await http.execute(
                request: outgoing, delegate: ResponseAccumulator(request: outgoing), deadline: .now() + .seconds(30)
            ).futureResult.get()
            precondition(response.status.code == 200)
        }

        let clock = ContinuousClock()
        func signed(_ seconds: Double) -> String { seconds < 0 ? "−" + formatTime(-seconds) : formatTime(seconds) }
        // One comparison after the other: a call that follows an EventLoopFuture call is 12–16 µs slower
        // (its requests run on any event loop of the group), so mixing the three kinds of call in one
        // rotation would charge that to whichever call follows it most often.
        for (peer, name) in [(bareAsyncCall, "async/await"), (bareFutureCall, "EventLoopFuture")] {
            let result = try await compare(resilientCall, peer, clock: clock)
            table.add(
                "one call to the simulator: ResilientClient.complete vs bare AsyncHTTPClient \(name) execute (median of 3,000)",
                formatTime(result.medians.0), formatTime(result.medians.1),
                "adds \(signed(result.added)) per call (median of the rounds' differences; medians differ by \(signed(result.medians.0 - result.medians.1)))")
        }

        // The client's own work per call without a network: a transport that answers at once with the
        // simulator's response (body and rate-limit headers).
        let recorded = try await transport.send(wire, timeouts: TransportTimeouts())
        let answer = (recorded.status, recorded.headers, try await recorded.body.collect(upTo: 1 << 20))
        let offline = ResilientClient(
            configuration: configuration, keys: ["openai": APIKey(key)], transport: ReplayTransport(answer: answer),
            recorder: registry)
        for _ in 0..<1_000 { _ = try await offline.complete(request) }
        var offlineSamples: [Double] = []
        for _ in 0..<10_000 { offlineSamples.append(try await clock.measure { _ = try await offline.complete(request) }.seconds) }
        offlineSamples.sort()
        table.add(
            "the client's own work per call: request, response and header parsing, limiter, breaker, metrics (in-memory transport, median of 10,000)",
            formatTime(offlineSamples[offlineSamples.count / 2]), "—", "—")

        try await http.shutdown()
        await simulator.stop()
    }
}

extension ClientOverheadBenchmark {
    /// Times `call` and `peer` over ``rounds`` rounds of one call each, in an order that alternates from
    /// round to round, so that each follows the other equally often and both see the same machine state.
    /// `added` is the median of the rounds' differences, which cancels drift between rounds.
    static func compare(
        _ call: () async throws -> Void, _ peer: () async throws -> Void, clock: ContinuousClock
    ) async throws -> (medians: (Double, Double), added: Double) {
        for _ in 0..<50 {
            try await call()
            try await peer()
        }
        var calls: [Double] = []
        var peers: [Double] = []
        for round in 0..<rounds {
            if round.isMultiple(of: 2) {
                calls.append(try await clock.measure(call).seconds)
                peers.append(try await clock.measure(peer).seconds)
            } else {
                peers.append(try await clock.measure(peer).seconds)
                calls.append(try await clock.measure(call).seconds)
            }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        return ((median(calls), median(peers)), median(zip(calls, peers).map { $0 - $1 }))
    }
}

/// Answers every request at once with the same recorded response.
private struct ReplayTransport: HTTPTransport {
    let answer: (status: Int, headers: HTTPHeaderFields, body: [UInt8])

    func send(_ request: ProviderHTTPRequest, timeouts: TransportTimeouts) async throws(TransportError) -> TransportResponse {
        let done = Atomic<Bool>(false)
        let body = answer.body
        return TransportResponse(status: answer.status, headers: answer.headers, body: TransportBody { () async throws(TransportError) -> [UInt8]? in
            done.exchange(true, ordering: .relaxed) ? nil : body
        })
    }
}

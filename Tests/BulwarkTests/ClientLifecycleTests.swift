import Bulwark
import BulwarkSimulator
import BulwarkTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The client owns what it creates: the documented initializer, used, shut down and released, never traps;
/// shutdown lets calls in flight finish within its grace period and refuses new ones; the client runs as a
/// ServiceLifecycle service; the default recorder keeps nothing.
@Suite(.serialized) struct ClientLifecycleTests {
    static func client(_ harness: SimulatorHarness, grace: Double = 10) throws -> ResilientClient {
        var configuration = harness.configuration(chain: [.openai])
        configuration.shutdownGracePeriodSeconds = grace
        return try ResilientClient(configuration: configuration, environment: SimulatorHarness.environment)
    }

    static let request = ChatRequest(messages: [.user("Say hello")], maxTokens: 32)

    @Test func theDocumentedInitializerIsUsedShutDownAndReleasedWithoutATrap() async throws {
        let harness = try SimulatorHarness()
        weak var released: ResilientClient?
        do {
            let client = try Self.client(harness)
            released = client
            for _ in 0..<3 { #expect(try await client.complete(Self.request).provider == "openai") }
            await client.shutdown()
            await client.shutdown()
            await #expect { try await client.complete(Self.request) } throws: { error in
                (error as? ResilientClientError)?.code == .shuttingDown
            }
        }
        // Dropped after shutdown: the client and its HTTPClient are gone (AsyncHTTPClient traps in debug
        // builds on an HTTPClient released without shutdown).
        #expect(released == nil)
        #expect(harness.stats().count(provider: .openai) == 3)
        await harness.stop()
    }

    @Test func shutdownLetsCallsInFlightFinishAndRefusesNewOnes() async throws {
        let harness = try SimulatorHarness(scenario: Scenario(providers: [.openai: ProviderScenario(latency: .fixed(300))]))
        let client = try Self.client(harness)
        let call = Task { try await client.complete(Self.request) }
        #expect(await Self.waitFor { client.callsInFlight == 1 })
        let shutdown = Task { await client.shutdown() }
        #expect(await Self.waitFor { (try? await client.complete(Self.request)) == nil })
        // The call in flight was let finish, with its answer.
        #expect(try await call.value.provider == "openai")
        await shutdown.value
        #expect(client.callsInFlight == 0)
        await harness.stop()
    }

    @Test func shutdownCutsCallsStillInFlightAfterTheGracePeriod() async throws {
        let harness = try SimulatorHarness(scenario: Scenario(providers: [.openai: ProviderScenario(latency: .fixed(10_000))]))
        let client = try Self.client(harness, grace: 0.2)
        let call = Task { try await client.complete(Self.request) }
        #expect(await Self.waitFor { harness.stats().count(provider: .openai) == 1 })
        let started = ContinuousClock.now
        await client.shutdown()
        // Generous: the grace period is 0.2 s, the provider would answer after 10 s.
        #expect(ContinuousClock.now - started < .seconds(5))
        let result = await call.result
        #expect(throws: ResilientClientError.self) { try result.get() }
        await harness.stop()
    }

    @Test func runsAsAServiceUntilGracefulShutdown() async throws {
        let harness = try SimulatorHarness()
        let client = try Self.client(harness)
        let group = ServiceGroup(
            configuration: .init(services: [client], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        #expect(try await client.complete(Self.request).provider == "openai")
        await group.triggerGracefulShutdown()
        try await running.value
        await #expect { try await client.complete(Self.request) } throws: { error in
            (error as? ResilientClientError)?.code == .shuttingDown
        }
        await harness.stop()
    }

    @Test func tenThousandCallsWithTheDefaultRecorderDoNotGrowMemory() async throws {
        let harness = try SimulatorHarness()
        let client = try Self.client(harness)
        func calls(_ count: Int) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for _ in stride(from: worker, to: count, by: 8) { _ = try await client.complete(Self.request) }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await calls(2_000)  // warm-up: pools, caches, allocator arenas
        let before = try Self.residentBytes()
        try await calls(10_000)
        let after = try Self.residentBytes()
        // An event kept per call (about 1 KB each) would add 10 MB; nothing kept adds nothing.
        #expect(after - before < 4 << 20, "resident memory grew by \(after - before) bytes over 10,000 calls")
        #expect(harness.stats().count(provider: .openai) == 12_000)
        await client.shutdown()
        await harness.stop()
    }

    /// Resident set size of this process, from `/proc/self/statm`.
    static func residentBytes() throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let pages = try #require(Int(text.split(separator: " ")[1]))
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func waitFor(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<1_000 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return await condition()
    }
}

import Synchronization
import Testing

@testable import Bulwark

/// `stream(_:)` hands updates over a bounded channel: a slow consumer makes the producer wait instead of
/// buffering the whole answer; a consumer that goes away releases a waiting producer.
@Suite struct StreamBackpressureTests {
    @Test func theProducerWaitsOnceTheBufferIsFullUntilTheConsumerReads() async throws {
        let channel = StreamChannel(capacity: 4)
        let sent = Atomic<Int>(0)
        let producer = Task {
            for index in 0..<10 {
                guard await channel.send(.text("\(index)")) else { return }
                sent.add(1, ordering: .relaxed)
            }
            channel.finish()
        }
        // Nothing read: the producer stops at the capacity (the fourth send waits for room).
        #expect(await Self.waitFor { sent.load(ordering: .relaxed) == 3 })
        try await Task.sleep(for: .milliseconds(50))
        #expect(sent.load(ordering: .relaxed) == 3)
        // Reading lets it go on; every update arrives, in order.
        var texts: [String] = []
        while let update = try await channel.receive() {
            if case .text(let text) = update { texts.append(text) }
        }
        await producer.value
        #expect(texts == (0..<10).map(String.init))
    }

    @Test func aConsumerThatGoesAwayReleasesAWaitingProducerAndCancelsIt() async throws {
        let channel = StreamChannel(capacity: 2)
        let accepted = Atomic<Int>(0)
        let producer = Task {
            while await channel.send(.text("x")) { accepted.add(1, ordering: .relaxed) }
        }
        channel.adopt(producer)
        // The first send is taken; the second fills the buffer and waits.
        #expect(await Self.waitFor { accepted.load(ordering: .relaxed) == 1 })
        try await Task.sleep(for: .milliseconds(20))
        channel.close()
        await producer.value
        #expect(producer.isCancelled)
        #expect(accepted.load(ordering: .relaxed) == 1)
        #expect(try await channel.receive() == nil)
    }

    static func waitFor(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<1_000 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return await condition()
    }
}

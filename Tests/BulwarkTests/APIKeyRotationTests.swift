import BulwarkCore
import BulwarkSimulator
import BulwarkTesting
import Foundation
import Synchronization
import Testing
@testable import Bulwark

/// Keys from a file that rotates, and extra headers, against the simulator as a real HTTP peer.
@Suite(.serialized) struct APIKeyRotationTests {
    static let oldKey = "sk-rotate-old-0123456789abcdefghij"
    static let newKey = "sk-rotate-new-0123456789abcdefghij"

    struct Setup: Sendable {
        let simulator: ProviderSimulator
        let client: ResilientClient
        let recorder: InMemoryRecorder
        let keyFile: String
        let directory: String
    }

    static func start(headers: HTTPHeaderFields = [:], environment: [String: String] = [:]) throws -> Setup {
        let directory = NSTemporaryDirectory() + "bulwark-rotation-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keyFile = "\(directory)/openai"
        try oldKey.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let simulator = ProviderSimulator(scenario: .healthy, seed: 5)
        simulator.setValidKeys([oldKey], for: .openai)
        try simulator.start()
        let provider = ProviderConfiguration(
            name: "openai", kind: .openai, model: "gpt-4o", baseURL: "\(simulator.baseURL)/v1", maxRetries: 0,
            apiKeyFile: keyFile, organization: "org-rotation", project: "proj_rotation", headers: headers)
        let recorder = InMemoryRecorder()
        let client = try ResilientClient(
            configuration: BulwarkConfiguration(providers: [provider]), environment: environment, recorder: recorder)
        return Setup(simulator: simulator, client: client, recorder: recorder, keyFile: keyFile, directory: directory)
    }

    /// Replaces the file as secret managers do: a new file renamed over the old one.
    static func replace(_ path: String, with text: String) throws {
        try text.write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        #expect(rename(path + ".tmp", path) == 0)
    }

    /// The key reloads recorded so far: `nil` for an accepted key, else the problem.
    static func reloads(_ recorder: InMemoryRecorder) -> [String?] {
        recorder.stateEvents.compactMap { event in
            if case .apiKeyReloaded(_, _, let problem) = event { return .some(problem) }
            return nil
        }
    }

    /// Waits (polling, up to 20 s: the watcher looks once a second) until `count` reloads were recorded.
    static func waitForReloads(_ recorder: InMemoryRecorder, count: Int) async throws -> [String?] {
        for _ in 0..<200 where reloads(recorder).count < count {
            try await Task.sleep(for: .milliseconds(100))
        }
        return reloads(recorder)
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    static func request() -> ChatRequest { ChatRequest(messages: [.user("hello")], maxTokens: 16) }

    @Test func headersArriveExactlyAndCredentialsAreNotRecorded() async throws {
        let setup = try Self.start(
            headers: ["HTTP-Referer": "https://example.com/app", "X-Title": "env:BULWARK_TEST_TITLE"],
            environment: ["BULWARK_TEST_TITLE": "Title from env"])
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        _ = try await setup.client.complete(Self.request())
        await setup.client.shutdown()
        await setup.simulator.stop()
        let received = try #require(setup.simulator.recentRequestHeaders(for: .openai).last)
        func value(_ name: String) -> [String] {
            received.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }
        #expect(value("OpenAI-Organization") == ["org-rotation"])
        #expect(value("OpenAI-Project") == ["proj_rotation"])
        #expect(value("HTTP-Referer") == ["https://example.com/app"])
        #expect(value("X-Title") == ["Title from env"])
        #expect(value("Authorization") == ["[REDACTED]"])
        #expect(!received.contains { $0.value.contains(Self.oldKey) })
    }

    @Test func aRotatedFileIsUsedOnceReadAndAMalformedOneIsRefused() async throws {
        let setup = try Self.start()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        // Steady traffic, one request after the other, through every step; each step waits for the reload
        // it caused and for requests made after it.
        let completed = Counter()
        let traffic = Task {
            var failures: [String] = []
            while !Task.isCancelled {
                do {
                    _ = try await setup.client.complete(Self.request())
                } catch {
                    failures.append("\(error)")
                }
                completed.value.add(1, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(10))
            }
            return failures
        }
        /// Waits until `count` more requests completed; with one request at a time, the second of them
        /// started after this call.
        func waitForRequests(_ count: Int) async throws {
            let target = completed.value.load(ordering: .relaxed) + count
            while completed.value.load(ordering: .relaxed) < target { try await Task.sleep(for: .milliseconds(10)) }
        }
        try await waitForRequests(5)

        // A malformed replacement is refused; the old key stays in use.
        try Self.replace(setup.keyFile, with: "not a key at all\n")
        var reloads = try await Self.waitForReloads(setup.recorder, count: 1)
        let refusal = try #require(reloads.first ?? nil, "\(reloads)")
        #expect(refusal.contains("file \(setup.keyFile)") && refusal.contains("the previous key stays in use"), "\(refusal)")
        #expect(!refusal.contains("not a key"), "\(refusal)")
        try await waitForRequests(5)

        // The rotation: the provider accepts both keys, the file changes, and once the client has read the
        // new key the old one is revoked.
        setup.simulator.setValidKeys([Self.oldKey, Self.newKey], for: .openai)
        try Self.replace(setup.keyFile, with: Self.newKey + "\n")
        reloads = try await Self.waitForReloads(setup.recorder, count: 2)
        #expect(reloads.count == 2 && reloads[1] == nil, "\(reloads)")
        try await waitForRequests(2)  // the request in flight with the old key, if any, has finished
        setup.simulator.setValidKeys([Self.newKey], for: .openai)
        try await waitForRequests(5)

        // An explicit reload (SIGHUP) re-reads the file even though it did not change.
        setup.client.reloadAPIKeys()
        reloads = try await Self.waitForReloads(setup.recorder, count: 3)
        #expect(reloads.count == 3 && reloads[2] == nil, "\(reloads)")
        try await waitForRequests(5)
        traffic.cancel()
        let failures = await traffic.value
        await setup.client.shutdown()
        let stats = setup.simulator.stats()
        await setup.simulator.stop()
        #expect(failures.isEmpty, "\(failures)")
        #expect(stats.total >= 22, "\(stats.total)")
        #expect(!setup.recorder.events.contains { $0.statusCode == 401 })
        #expect(setup.client.apiKeySources().first?.key?.hasPrefix("key from file \(setup.keyFile) loaded") == true)
    }

    @Test func anAuthenticationFailureNamesTheKeysSourceAndLoadTime() async throws {
        let setup = try Self.start()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        setup.simulator.setValidKeys([Self.newKey], for: .openai)
        do {
            _ = try await setup.client.complete(Self.request())
            Issue.record("a revoked key was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("authentication (HTTP 401): [key from file \(setup.keyFile) loaded 20"), "\(text)")
            #expect(!text.contains(Self.oldKey), "\(text)")
        }
        await setup.client.shutdown()
        await setup.simulator.stop()
    }
}

import Foundation
import BulwarkHTTPServer
import Testing

@testable import BulwarkSimulator

@Suite("Fixture bodies byte for byte")
struct FixtureFidelityTests {
    /// `502.html` → `502-html`, `429-insufficient_quota.json` → `429-insufficient_quota`.
    static func statusSpec(forFile file: String) -> ErrorStatus? {
        if file.hasSuffix(".html") {
            return ErrorStatus(parsing: file.replacingOccurrences(of: ".html", with: "-html"))
        }
        return ErrorStatus(parsing: file.replacingOccurrences(of: ".json", with: ""))
    }

    @Test func embeddedFixturesEqualTheSharedFilesAndManifests() throws {
        let wire = providerWireDirectory()
        for provider in SimulatedProvider.allCases {
            let directory = wire.appendingPathComponent(provider.rawValue)
            let manifest = try jsonObject(
                Array(try Data(contentsOf: directory.appendingPathComponent("errors/manifest.json"))))
            let files = try #require(manifest["files"] as? [[String: Any]])
            let embedded = WireFixtures.errors.filter { $0.provider == provider }
            #expect(embedded.map(\.file) == files.compactMap { $0["file"] as? String }, "regenerate WireFixtures.swift")
            for entry in files {
                let name = try #require(entry["file"] as? String)
                let fixture = try #require(embedded.first { $0.file == name }, "\(provider) \(name) not embedded")
                let bytes = try Data(contentsOf: directory.appendingPathComponent("errors/\(name)"))
                #expect(Array(fixture.body.utf8) == Array(bytes), "\(provider) \(name) differs from the file")
                #expect(fixture.status == entry["status"] as? Int)
                #expect(fixture.contentType == entry["content_type"] as? String)
                let headers = try #require(entry["example_headers"] as? [String: String])
                #expect(Dictionary(uniqueKeysWithValues: fixture.headers.map { ($0.name, $0.value) }) == headers)
            }
            let streamError = try Data(contentsOf: directory.appendingPathComponent("stream-error.sse"))
            let tail = Array(WireFixtures.midStreamError(provider).utf8)
            #expect(Array(streamError).suffix(tail.count) == tail[...], "\(provider) mid-stream error differs")
        }
    }

    @Test(arguments: SimulatedProvider.allCases)
    func servesEveryErrorFixtureByteForByteWithManifestStatusTypeAndHeaders(_ provider: SimulatedProvider) async throws
    {
        let files = WireFixtures.errors.filter { $0.provider == provider }
        var script = ProviderScenario()
        for file in files {
            let status = try #require(Self.statusSpec(forFile: file.file))
            script.faults.append(FaultRule.status(status).matching(model: "fixture-\(status)"))
        }
        let wire = providerWireDirectory()
        try await withSimulator(Scenario(providers: [provider: script])) { simulator in
            for file in files {
                let status = try #require(Self.statusSpec(forFile: file.file))
                let response = try await send(.make(provider, model: "fixture-\(status)"), to: simulator)
                #expect(response.status == file.status, "\(provider) \(file.file)")
                let expected = Array(
                    try Data(contentsOf: wire.appendingPathComponent("\(provider.rawValue)/errors/\(file.file)")))
                #expect(response.body == expected, "\(provider) \(file.file) body")
                #expect(response.headers["Content-Type"] == file.contentType, "\(provider) \(file.file) content type")
                for header in file.headers {
                    #expect(response.headers[header.name] == header.value, "\(provider) \(file.file) \(header.name)")
                }
                if provider == .openai, !file.contentType.hasPrefix("text/html") {
                    #expect(response.headers["x-request-id"]?.hasPrefix("req_") == true)
                }
            }
            #expect(simulator.stats().count(provider: provider, fault: .status) == files.count)
        }
    }

    @Test func anthropicErrorsCarryTheBodysRequestIDInTheHeader() async throws {
        let scenario = Scenario(providers: [.anthropic: ProviderScenario(faults: [.status(529)])])
        try await withSimulator(scenario) { simulator in
            let response = try await send(.anthropic(), to: simulator)
            #expect(response.status == 529)
            #expect(response.headers["request-id"] == "req_01ICfHarEhQMSJqNvS9fBxcw")
        }
    }

    @Test(arguments: SimulatedProvider.allCases)
    func midStreamErrorFollowsTheFixtureInTheProvidersWireForm(_ provider: SimulatedProvider) async throws {
        let script = ProviderScenario(
            faults: [.midStreamError(afterChunks: 1)],
            reply: "Hello! How can I help you today?",
            ping: false
        )
        try await withSimulator(Scenario(providers: [provider: script])) { simulator in
            let read = try await sendStream(.make(provider, stream: true), to: simulator)
            #expect(read.head.status == 200)
            #expect(read.isComplete, "the body ends cleanly right after the error")
            #expect(read.text.hasSuffix(WireFixtures.midStreamError(provider)))
            let fixture = try String(
                contentsOf: providerWireDirectory().appendingPathComponent("\(provider.rawValue)/stream-error.sse"),
                encoding: .utf8)
            #expect(Self.shape(read.text) == Self.shape(fixture), "\(provider) event sequence")
            #expect(simulator.stats().count(provider: provider, status: 200, fault: .midStreamError) == 1)
        }
    }

    /// The event names (or `data`/`json` for unnamed events) of an SSE body, in order.
    static func shape(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            if event.hasPrefix("event: ") { return String(event.dropFirst(7).prefix { $0 != "\n" }) }
            return event.hasPrefix("data: ") ? "data" : "json"
        }
    }
}

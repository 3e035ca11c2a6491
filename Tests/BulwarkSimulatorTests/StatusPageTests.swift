import BulwarkTestSupport
import Foundation
import Testing

@testable import BulwarkSimulator

/// `GET /status/{provider}/api/v2/summary.json`: each simulated provider's Statuspage v2 summary follows
/// the scenario's phases.
@Suite struct StatusPageTests {
    static let scenario = """
        name: status-pages
        providers:
          openai:
            phases:
              - {name: API outage, from_seconds: 0, faults: [{status: 503}]}
              - {name: later, from_seconds: 3600, status: critical}
          anthropic:
            phases:
              - {name: Elevated 529s, from_seconds: 0, faults: [{status: 529, probability: 0.3}]}
          google:
            phases:
              - {name: maintenance window, from_seconds: 0, until_seconds: 3600, status: none, faults: [{status: 503}]}
        """

    static func summary(_ simulator: ProviderSimulator, _ provider: String) throws -> [String: Any] {
        let response = try RawHTTPClient.request(port: simulator.port, path: "/status/\(provider)/api/v2/summary.json")
        try #require(response.status == 200, "\(response.status) \(response.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    static func indicator(_ summary: [String: Any]) -> String? {
        (summary["status"] as? [String: Any])?["indicator"] as? String
    }

    @Test func eachPageReportsTheWorstActivePhaseAsAnIncident() async throws {
        try await withSimulator(try Scenario(yaml: Self.scenario)) { simulator in
            let openai = try Self.summary(simulator, "openai")
            #expect(Self.indicator(openai) == "major")
            #expect((openai["status"] as? [String: Any])?["description"] as? String == "Partial System Outage")
            let incidents = try #require(openai["incidents"] as? [[String: Any]])
            #expect(incidents.count == 1)
            #expect(incidents.first?["name"] as? String == "API outage")
            #expect(incidents.first?["impact"] as? String == "major")
            #expect(incidents.first?["status"] as? String == "investigating")
            #expect((incidents.first?["incident_updates"] as? [[String: Any]])?.count == 1)
            let components = try #require(openai["components"] as? [[String: Any]])
            #expect(components.first?["status"] as? String == "partial_outage")
            #expect(openai["scheduled_maintenances"] as? [Any] != nil)
            #expect((openai["page"] as? [String: Any])?["id"] as? String == "bulwark-simulated-openai")

            let anthropic = try Self.summary(simulator, "anthropic")
            #expect(Self.indicator(anthropic) == "minor")
            #expect((anthropic["incidents"] as? [[String: Any]])?.first?["name"] as? String == "Elevated 529s")

            let google = try Self.summary(simulator, "google")
            #expect(Self.indicator(google) == "none", "the scenario's explicit status wins over the derived one")
            #expect((google["incidents"] as? [Any])?.isEmpty == true)
            #expect((google["components"] as? [[String: Any]])?.first?["status"] as? String == "operational")

            let unknown = try RawHTTPClient.request(port: simulator.port, path: "/status/mistral/api/v2/summary.json")
            #expect(unknown.status == 404)
            #expect(simulator.stats().total == 0, "status pages are not provider requests")
        }
    }

    @Test func derivesTheStatusOfAPhaseFromItsFaults() {
        #expect(Phase(fromSeconds: 0).reportedStatus == .none)
        #expect(Phase(fromSeconds: 0, faults: [.status(503)]).reportedStatus == .major)
        #expect(Phase(fromSeconds: 0, faults: [.connectionReset()]).reportedStatus == .major)
        #expect(Phase(fromSeconds: 0, faults: [.status(503, probability: 0.6), .htmlError(502)]).reportedStatus == .major)
        #expect(Phase(fromSeconds: 0, faults: [.status(503, probability: 0.6)]).reportedStatus == .minor)
        #expect(Phase(fromSeconds: 0, faults: [.status(503).matching(model: "gpt-4o*")]).reportedStatus == .minor)
        #expect(Phase(fromSeconds: 0, faults: [.status(503).limited(to: 3)]).reportedStatus == .minor)
        #expect(Phase(fromSeconds: 0, faults: [.midStreamError(afterChunks: 2)]).reportedStatus == .minor)
        #expect(Phase(fromSeconds: 0, latency: .fixed(11_000)).reportedStatus == .minor)
        #expect(Phase(fromSeconds: 0, faults: [.status(503)], status: .critical).reportedStatus == .critical)
    }

    @Test func refusesAStatusThatIsNotAnIndicator() {
        let yaml = "providers: {openai: {phases: [{from_seconds: 0, status: down}]}}"
        do {
            _ = try Scenario(yaml: yaml)
            Issue.record("status: down was accepted")
        } catch {
            #expect(error.description.contains("providers.openai.phases[0].status"), "\(error)")
            #expect(error.description.contains("expected none, minor, major, critical"), "\(error)")
        }
    }
}

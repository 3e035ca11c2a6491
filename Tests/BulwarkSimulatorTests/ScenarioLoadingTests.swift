import Foundation
import Testing

@testable import BulwarkSimulator

@Suite("Scenario files")
struct ScenarioLoadingTests {
    private static let docsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/BulwarkSimulator/BulwarkSimulator.docc")

    @Test func readsTheDocumentedExampleScenario() throws {
        let article = try String(contentsOf: Self.docsDirectory.appendingPathComponent("Scenarios.md"), encoding: .utf8)
        let start = try #require(article.range(of: "```yaml\n"))
        let end = try #require(article.range(of: "```", range: start.upperBound..<article.endIndex))
        let scenario = try Scenario(yaml: String(article[start.upperBound..<end.lowerBound]))
        #expect(scenario.name == "incident-demo")
        #expect(scenario.seed == 42)
        #expect(scenario.cycleSeconds == 120)
        let openai = scenario[.openai]
        #expect(openai.latency == LatencyDistribution(kind: .normal, minMs: 50, meanMs: 400, stddevMs: 120))
        #expect(openai.timeToFirstToken == .uniform(200, 800))
        #expect(openai.interChunk == .fixed(15))
        #expect(openai.rateLimits == RateLimits(rpm: 60, tpm: 40000))
        #expect(openai.faults.count == 7)
        #expect(openai.faults[0] == FaultRule(effect: .status(503), probability: 0.05, retryAfterMs: 1500))
        #expect(openai.faults[1] == FaultRule(effect: .sequence([429, 429, 200]), model: "gpt-4o*", retryAfter: 2))
        #expect(openai.faults[2] == .htmlError(502, probability: 0.02))
        #expect(openai.faults[4] == .stall(afterChunks: 2, seconds: 20, probability: 0.02))
        #expect(openai.phases == [Phase(name: "outage", fromSeconds: 30, untilSeconds: 60, faults: [.status(503)])])
        let anthropic = scenario[.anthropic]
        #expect(anthropic.latency == .logNormal(medianMs: 600, sigma: 0.5))
        #expect(
            anthropic.faults[1]
                == FaultRule.status(ErrorStatus(429, variant: "enforced_spend_limit_reached")).limited(to: 1))
        #expect(scenario[.google].lineEnding == .crlf)
        #expect(scenario[.google].faults[0] == .connectionReset(probability: 0.01))
    }

    @Test func readsTheSDKConformanceScenario() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "python/sdk_scenario.yaml")
        let scenario = try Scenario.load(path: path.path)
        #expect(scenario.seed == 11)
        #expect(
            scenario[.openai].faults.contains(
                FaultRule.status(ErrorStatus(429, variant: "insufficient_quota")).matching(
                    model: "fault-429-insufficient_quota")))
    }

    @Test func readsJSONLikeYAML() throws {
        let json =
            #"{"name": "j", "providers": {"google": {"latency": {"distribution": "uniform", "min_ms": 1, "max_ms": 2}, "faults": [{"status": "400-failed_precondition", "probability": 0.5}, {"statuses": [503, "ok", "reset"]}]}}}"#
        let fromJSON = try Scenario(json: json)
        let fromYAML = try Scenario(yaml: json)
        #expect(fromJSON == fromYAML)
        #expect(fromJSON[.google].faults[1] == .sequence([503, .ok, .reset]))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try Scenario.load(path: file.path) == fromJSON)
    }

    @Test func treatsAnEmptyFileAsTheHealthyScenario() throws {
        #expect(try Scenario(yaml: "") == Scenario())
        #expect(try Scenario(yaml: "providers: {}") == Scenario())
    }

    @Test(arguments: [
        (
            "providers: {openai: {faults: [{status: 503, probabilty: 0.5}]}}", "providers.openai.faults[0].probabilty",
            "unknown key 'probabilty'"
        ),
        ("providers: {mistral: {}}", "providers.mistral", "unknown key 'mistral'"),
        ("providers: {openai: {faults: [{status: 503, reset: true}]}}", "providers.openai.faults[0]", "one effect"),
        ("providers: {openai: {faults: [{probability: 0.5}]}}", "providers.openai.faults[0]", "needs one effect"),
        (
            "providers: {openai: {faults: [{status: 503, probability: 1.5}]}}",
            "providers.openai.faults[0].probability", "between 0 and 1"
        ),
        ("providers: {openai: {faults: [{status: 200}]}}", "providers.openai.faults[0].status", "400 or more"),
        (
            "providers: {openai: {faults: [{status: \"429-enforced_spend_limit_reached\"}]}}",
            "providers.openai.faults[0]", "no fixture"
        ),
        (
            "providers: {openai: {faults: [{statuses: [429, teapot]}]}}", "providers.openai.faults[0].statuses[1]",
            "'teapot' is not a step"
        ),
        (
            "providers: {openai: {latency: {distribution: normal, mean_ms: 5}}}",
            "providers.openai.latency.distribution", "needs mean_ms and stddev_ms"
        ),
        ("providers: {openai: {rate_limits: {rpm: -1}}}", "providers.openai.rate_limits.rpm", "must not be negative"),
        (
            "providers: {openai: {phases: [{from: 10, until: 5}]}}", "providers.openai.phases[0].until",
            "after from_seconds"
        ),
        (
            "providers: {openai: {faults: [{status: 500, stall_seconds: 3}]}}",
            "providers.openai.faults[0].stall_seconds", "only with stall_after_chunks"
        ),
    ])
    func rejectsMistakesNamingWhereAndWhy(_ yaml: String, _ path: String, _ message: String) {
        do {
            _ = try Scenario(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.path == path, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("invalid scenario: \(path): "))
        }
    }

    @Test func namesTheFileOfAnUnreadableOrInvalidScenario() throws {
        #expect(throws: ScenarioError.self) { try Scenario.load(path: "/nonexistent/scenario.yaml") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
        try Data("seed: -3\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try Scenario.load(path: file.path)
            Issue.record("accepted a negative seed")
        } catch {
            #expect(error.file == file.path)
            #expect(error.description.contains(file.path))
        }
    }

    @Test func parsesStatusSpecsAndSequenceSteps() {
        #expect(ErrorStatus(parsing: "429") == ErrorStatus(429))
        #expect(ErrorStatus(parsing: "502.html") == .html(502))
        #expect(ErrorStatus(parsing: "502-html") == .html(502))
        #expect(ErrorStatus(parsing: "429-insufficient_quota") == ErrorStatus(429, variant: "insufficient_quota"))
        #expect(ErrorStatus(parsing: "42") == nil)
        #expect(ErrorStatus(parsing: "abc") == nil)
        #expect(SequenceStep(parsing: "OK") == .ok)
        #expect(SequenceStep(parsing: "200") == .ok)
        #expect(SequenceStep(parsing: "reset") == .reset)
        #expect(SequenceStep(integerLiteral: 529) == .error(529))
        #expect(Glob.matches("gpt-4o*", "gpt-4o-mini"))
        #expect(Glob.matches("*sonnet*", "claude-sonnet-4-6"))
        #expect(!Glob.matches("gpt-4o*", "o3"))
        #expect(Glob.matches("exact", "exact"))
    }

    @Test func samplesLatencyDistributionsWithinTheirBounds() {
        var generator = Xoshiro256(seed: 9)
        let uniform = (0..<1000).map { _ in LatencyDistribution.uniform(100, 200).sample(using: &generator) }
        #expect(uniform.allSatisfy { (100...200).contains($0) })
        let normal = (0..<2000).map { _ in
            LatencyDistribution.normal(meanMs: 300, stddevMs: 50).sample(using: &generator)
        }
        let mean = normal.reduce(0, +) / Double(normal.count)
        #expect(abs(mean - 300) < 10)
        #expect(normal.allSatisfy { $0 >= 0 })
        let lognormal = (0..<2000).map { _ in
            LatencyDistribution.logNormal(medianMs: 500, sigma: 0.5).sample(using: &generator)
        }
        let median = lognormal.sorted()[1000]
        #expect(abs(median - 500) < 50)
        var clamp = LatencyDistribution.normal(meanMs: 0, stddevMs: 1000)
        clamp.maxMs = 10
        #expect((0..<200).allSatisfy { _ in clamp.sample(using: &generator) <= 10 })
    }
}

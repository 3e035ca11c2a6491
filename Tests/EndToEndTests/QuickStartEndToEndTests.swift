import BulwarkTestSupport
import Foundation
import Testing

/// `Examples/QuickStart` — the README's Swift quick start, built against the repository by path — run
/// as a user runs it: `bulwark.yaml` in the working directory, keys in the environment, `bulwark simulate`
/// as the providers.
@Suite(.serialized) struct QuickStartEndToEndTests {
    static func run(in directory: String, prompt: String) throws -> (status: Int32, output: String) {
        let process = try ChildProcess(
            try Tools.locate(.quickStart), [prompt], environment: ChatEndToEndTests.keys, currentDirectory: directory)
        let status = process.wait(timeout: 60)
        return (status, process.outputText)
    }

    @Test(.enabled(if: Tools.canRun(.quickStart), "needs Examples/QuickStart built (make test builds it)"))
    func printsTheAnswerAndWhichProviderGaveIt() throws {
        let (simulator, _, directory) = try ChatEndToEndTests.start(scenario: "name: healthy\n", chain: ["openai", "anthropic"])
        defer { simulator.stop() }
        let result = try Self.run(in: directory, prompt: "Say hello")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("provider=openai attempts=1"), "\(result.output)")
    }

    @Test(.enabled(if: Tools.canRun(.quickStart), "needs Examples/QuickStart built (make test builds it)"))
    func fallsBackAndExitsOneWithTheNormalizedErrorsWhenEveryProviderFails() throws {
        let scenario = """
            providers:
              openai:
                faults:
                  - {status: 401}
              anthropic:
                faults:
                  - {status: 529}
            """
        let (simulator, _, directory) = try ChatEndToEndTests.start(scenario: scenario, chain: ["openai", "anthropic"])
        defer { simulator.stop() }
        let result = try Self.run(in: directory, prompt: "Say hello")
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("authentication"), "\(result.output)")
        #expect(result.output.contains("overloaded"), "\(result.output)")
        #expect(!result.output.contains("sk-test-0123456789"), "no key in the output")
    }
}

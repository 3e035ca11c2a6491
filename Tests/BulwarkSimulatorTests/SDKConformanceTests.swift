import Foundation
import Synchronization
import BulwarkTestSupport
import Testing

@testable import BulwarkSimulator

/// The official Python SDKs (`openai`, `anthropic`, `google-genai`, pinned in requirements-test.txt) are
/// the independent judges: pointed at the simulator, a completion and a stream must succeed with the
/// right text and usage, and every scripted fault must raise the exception class and status the real
/// API would cause. The cases live in `python/sdk_conformance.py`, the faults in `python/sdk_scenario.yaml`.
@Suite("Official SDKs against the simulator")
struct SDKConformanceTests {
    private static let pythonDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("python")

    @Test(
        .enabled(if: Tools.canRun(.python), "needs the Python venv with the official SDKs (make venv)"),
        arguments: SimulatedProvider.allCases)
    func officialSDKRaisesTheRealAPIsExceptionsForEveryScriptedFault(_ provider: SimulatedProvider) async throws {
        let python = try Tools.locate(.python)
        let scenario = try Scenario.load(path: Self.pythonDirectory.appendingPathComponent("sdk_scenario.yaml").path)
        var limitedScenario = Scenario(name: "sdk-rate-limited")
        limitedScenario[provider] = ProviderScenario(rateLimits: RateLimits(rpm: 2))
        let limited = ProviderSimulator(scenario: limitedScenario, seed: 11)
        try limited.start()
        do {
            try await check(provider, python: python, scenario: scenario, limited: limited)
        } catch {
            await limited.stop(gracePeriod: .milliseconds(100))
            throw error
        }
        await limited.stop(gracePeriod: .milliseconds(100))
    }

    private func check(
        _ provider: SimulatedProvider,
        python: String,
        scenario: Scenario,
        limited: ProviderSimulator
    ) async throws {
        try await withSimulator(scenario, seed: 11) { simulator in
            let expected = simulator.expectedCompletion(for: provider, prompt: "Say hello.")
            #expect(expected == limited.expectedCompletion(for: provider, prompt: "Say hello."))
            let expectation = try JSONSerialization.data(withJSONObject: [
                "text": expected.text, "input_tokens": expected.inputTokens, "output_tokens": expected.outputTokens,
            ])
            let run = try await PythonRun.run(
                python,
                [
                    Self.pythonDirectory.appendingPathComponent("sdk_conformance.py").path,
                    "--sdk", provider.rawValue,
                    "--base-url", simulator.baseURL,
                    "--limited-base-url", limited.baseURL,
                    "--expect", String(decoding: expectation, as: UTF8.self),
                ],
                timeout: .seconds(90)
            )
            if run.status == 3, !Tools.isCI {
                print("note: \(provider.rawValue) SDK not installed in \(python): \(run.stdout)")
                return
            }
            #expect(run.status == 0, "sdk_conformance.py exited \(run.status): \(run.stderr)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                "no JSON report: \(run.stdout) \(run.stderr)"
            )
            let results = try #require(report["results"] as? [[String: Any]])
            #expect(results.count >= 19, "the run stopped early: \(results.count) cases")
            for result in results {
                let name = result["case"] as? String ?? "?"
                let detail = result["detail"] as? String ?? ""
                #expect(result["ok"] as? Bool == true, "\(provider.rawValue) SDK: \(name): \(detail)")
            }
            // Every SDK call was one attempt (max_retries=0) unless the case asked for retries, and all of
            // them reached the simulator.
            #expect(simulator.stats().count(provider: provider) >= results.count)
        }
    }
}

/// A finished child process.
struct PythonRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `executable` with `arguments` on a thread of its own; kills it after `timeout`.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration) async throws -> PythonRun {
        try await onThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["PYTHONDONTWRITEBYTECODE"] = "1"
            environment["NO_PROXY"] = "127.0.0.1,localhost"
            environment.removeValue(forKey: "HTTP_PROXY")
            environment.removeValue(forKey: "HTTPS_PROXY")
            environment.removeValue(forKey: "ALL_PROXY")
            process.environment = environment
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(timeout.components.seconds))) {
                if process.isRunning { process.terminate() }
            }
            let errorData = Locked<Data?>(nil)
            let errorHandle = errors.fileHandleForReading
            Thread { errorData.withLock { $0 = errorHandle.readDataToEndOfFile() } }.start()
            let outputData = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            while errorData.withLock({ $0 == nil }) { Thread.sleep(forTimeInterval: 0.01) }
            return PythonRun(
                status: process.terminationStatus,
                stdout: String(decoding: outputData, as: UTF8.self),
                stderr: String(decoding: errorData.withLock { $0 } ?? Data(), as: UTF8.self)
            )
        }
    }
}

import BulwarkTestSupport
import Foundation
import Testing

/// `Examples/python/observed_openai.py` — the official `openai` SDK wrapped to post its attempts — against
/// `bulwark simulate` and `bulwark serve`: the exporter's families equal the simulator's ground truth, and
/// the posted events are valid against the published schema's field list.
@Suite(.serialized) struct PythonExampleEndToEndTests {
    @Test(.enabled(if: Tools.canRun(.python), "needs the test venv (make venv)"))
    func theOpenAISDKsAttemptsReachTheExporterExactly() throws {
        let directory = try makeTemporaryDirectory("bulwark-python-example")
        let scenario = """
            providers:
              openai:
                latency: 5
                faults:
                  - {status: 503, probability: 0.2, retry_after_ms: 20}
                  - {status: 429, probability: 0.1, retry_after_ms: 20}
            """
        try scenario.write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        let simulator = try ChildProcess(
            try Tools.bulwark(), ["simulate", "--listen", "127.0.0.1:0", "--scenario", "\(directory)/scenario.yaml", "--seed", "5"])
        defer { simulator.stop() }
        let base = try simulator.waitForOutput(#"on (http://127\.0\.0\.1:\d+)"#)
        let serve = try ServeHarness()
        let key = "sk-test-python-example-0123456789abcdef"
        let result = try runPython([
            Tools.packageRoot.appendingPathComponent("Examples/python/observed_openai.py").path,
            "--base-url", "\(base)/v1", "--exporter", "http://127.0.0.1:\(serve.port)", "--requests", "40",
        ], key: key)
        #expect(result.status == 0, "\(result.output)")
        let summaryLine = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("{") })
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Int])
        #expect(summary["answered"]! + summary["failed"]! == 40)
        #expect(summary["dropped_events"] == 0 && summary["rejected_batches"] == 0)

        let stats = try RawHTTPClient.request(port: Int(base.split(separator: ":").last!)!, path: "/simulator/stats")
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any])
        let metrics = try serve.get("/metrics").text
        for case let entry as [String: Any] in truth["counts"] as? [Any] ?? [] {
            let status = String(entry["status"] as! Int)
            let counted = MetricsText.sum("llm_api_calls_total", matching: ["provider": "openai", "status_code": status], in: metrics)
            #expect(counted == Double(entry["count"] as! Int), "status \(status): exporter \(counted), simulator \(entry["count"]!)")
        }
        #expect(MetricsText.sum("llm_api_calls_total", in: metrics) == Double(truth["total"] as! Int))
        #expect(MetricsText.sum("llm_api_requests_total", matching: ["outcome": "success"], in: metrics) == Double(summary["answered"]!))
        #expect(MetricsText.sum("llm_api_requests_total", matching: ["outcome": "failed"], in: metrics) == Double(summary["failed"]!))
        #expect(!metrics.contains(key) && !result.output.contains(key))
    }

    private func runPython(_ arguments: [String], key: String) throws -> (status: Int32, output: String) {
        let process = try ChildProcess(try Tools.python(), arguments, environment: ["OPENAI_API_KEY": key])
        let status = process.wait(timeout: 120)
        return (status, process.outputText)
    }
}

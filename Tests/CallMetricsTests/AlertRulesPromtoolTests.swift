import CallMetrics
import Foundation
import Testing

/// The rule file is the catalog written out, promtool accepts it and its unit tests, and Prometheus
/// (through promtool) fires exactly the alerts the in-process evaluator fires, with the same text.
@Suite struct AlertRulesPromtoolTests {
    static let alertsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("alerts")
    static var ruleFile: URL { alertsDirectory.appendingPathComponent("llm-api.rules.yml") }

    @Test func ruleFileIsTheCatalogRenderedWithDefaults() throws {
        let generated = AlertRuleCatalog.prometheusRuleFile()
        if ProcessInfo.processInfo.environment["BULWARK_UPDATE_GOLDEN"] == "1" {
            try generated.write(to: Self.ruleFile, atomically: true, encoding: .utf8)
        }
        let onDisk = try String(contentsOf: Self.ruleFile, encoding: .utf8)
        #expect(onDisk == generated, "alerts/llm-api.rules.yml differs from AlertRuleCatalog; rerun with BULWARK_UPDATE_GOLDEN=1 after checking the diff")
    }

    @Test func promtoolAcceptsTheRuleFile() throws {
        guard let promtool = Promtool.locate() else { return }
        let result = try Promtool.run(promtool, ["check", "rules", Self.ruleFile.path])
        #expect(result.status == 0, "promtool check rules failed:\n\(result.output)")
        #expect(result.output.contains("SUCCESS: 12 rules found"), "\(result.output)")
    }

    @Test func promtoolUnitTestsPassForEveryAlert() throws {
        guard let promtool = Promtool.locate() else { return }
        let tests = try FileManager.default.contentsOfDirectory(atPath: Self.alertsDirectory.appendingPathComponent("tests").path)
            .filter { $0.hasSuffix(".yml") }.sorted()
            .map { Self.alertsDirectory.appendingPathComponent("tests").appendingPathComponent($0).path }
        #expect(tests.count >= 6, "expected one test file per alert in alerts/tests")
        let result = try Promtool.run(promtool, ["test", "rules"] + tests)
        #expect(result.status == 0, "promtool test rules failed:\n\(result.output)")
        // Every alert is exercised by some test file.
        let text = try tests.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        for name in AlertName.allCases {
            #expect(text.contains("alertname: \(name.rawValue)"), "no promtool test for \(name.rawValue)")
        }
    }
}

/// Finds and runs Debian's `promtool`. Missing promtool fails under `CI=true` and skips elsewhere.
enum Promtool {
    static func locate() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = directory + "/promtool"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("promtool not found on PATH or in /usr/bin — required when CI=true (apt-get install prometheus; make test does)")
        } else {
            print("note: promtool not found; skipping (install Debian's prometheus package to run this test)")
        }
        return nil
    }

    static func run(_ executable: String, _ arguments: [String], directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

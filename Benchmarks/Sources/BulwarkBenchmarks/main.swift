import BenchmarkSupport
import Foundation

// One run, every peer: prints each result as it comes and a Markdown table at the end.
// Arguments name the phases to run (record, render, scrape, logsink); none runs them all.
// `profile-record`, `profile-registry` or `profile-sink` runs one record path alone, for profilers.
let phases = Set(CommandLine.arguments.dropFirst())
func runs(_ phase: String) -> Bool { phases.isEmpty || phases.contains(phase) }
let python = ProcessInfo.processInfo.environment["BULWARK_PYTHON"].flatMap {
    FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
}
if let profile = phases.first(where: { $0.hasPrefix("profile-") }) {
    try ProfileRecord.run(profile)
    exit(0)
}
var table = ResultTable()
print("Bulwark benchmarks (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
let go = runs("record") || runs("render") ? GoPeer.run() : .failure(BenchmarkError("not run"))
if case .failure(let error) = go { print("  client_golang peer unavailable: \(error)") }
if runs("record") { try RecordBenchmark.run(into: &table, go: go) }
if runs("render") { try RenderBenchmark.run(into: &table, python: python, go: go) }
if runs("scrape") { ScrapeContentionBenchmark.run(into: &table) }
if runs("logsink") { try LogSinkBenchmark.run(into: &table) }
table.printMarkdown()

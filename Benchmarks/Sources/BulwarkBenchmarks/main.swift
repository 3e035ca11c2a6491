import BenchmarkSupport
import Foundation

// One run, every peer: prints each result as it comes and a Markdown table at the end.
let python = ProcessInfo.processInfo.environment["BULWARK_PYTHON"].flatMap {
    FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
}
var table = ResultTable()
print("Bulwark benchmarks (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
let go = GoPeer.run()
if case .failure(let error) = go { print("  client_golang peer unavailable: \(error)") }
try RecordBenchmark.run(into: &table, go: go)
try RenderBenchmark.run(into: &table, python: python, go: go)
ScrapeContentionBenchmark.run(into: &table)
try LogSinkBenchmark.run(into: &table)
table.printMarkdown()

import BenchmarkSupport
import Foundation

// One run, every peer: prints each result as it comes and a Markdown table at the end.
let python = ProcessInfo.processInfo.environment["BULWARK_PYTHON"].flatMap {
    FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
}
var table = ResultTable()
print("Bulwark benchmarks (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
try RecordBenchmark.run(into: &table)
try RenderBenchmark.run(into: &table, python: python)
try LogSinkBenchmark.run(into: &table)
table.printMarkdown()

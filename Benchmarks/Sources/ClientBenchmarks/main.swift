import BenchmarkSupport
import Foundation

func runClientBenchmarks() async throws {
    var table = ResultTable()
    print("Bulwark client benchmark (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
    try await ClientOverheadBenchmark.run(into: &table)
    try await SharedStateCostBenchmark.run(into: &table)
    table.printMarkdown()
}

try await runClientBenchmarks()

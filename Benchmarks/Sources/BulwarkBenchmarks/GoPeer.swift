import BenchmarkSupport
import Foundation

/// Go's client_golang on the same workload: `Benchmarks/peers/client_golang`, built here offline from
/// Debian's Go packages (`GO111MODULE=off GOPATH=/usr/share/gocode go build`) and run once.
enum GoPeer {
    struct Result: Decodable {
        /// Median `Gather` + text encoding of the 10,000-series workload.
        var render_seconds: Double
        /// The same in process CPU time (every goroutine and the GC).
        var render_cpu_seconds: Double
        var render_lines: Double
        var render_ns_per_line: Double
        /// Median label-value update of a counter and a histogram.
        var record_seconds: Double
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("peers/client_golang")

    /// Builds and runs the peer; the reason when Go or the Debian packages are missing.
    static func run() -> Swift.Result<Result, BenchmarkError> {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-go-peer")
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let binary = scratch.appendingPathComponent("client_golang_peer").path
        var environment = ProcessInfo.processInfo.environment
        environment["GO111MODULE"] = "off"
        environment["GOPATH"] = "/usr/share/gocode"
        environment["GOFLAGS"] = nil
        environment["GOCACHE"] = scratch.appendingPathComponent("cache").path
        do {
            let build = try execute("/usr/bin/env", ["go", "build", "-o", binary, "."], environment: environment)
            guard build.status == 0 else { return .failure(BenchmarkError("go build failed: \(build.output)")) }
            let run = try execute(binary, [], environment: environment)
            guard run.status == 0 else { return .failure(BenchmarkError("client_golang peer failed: \(run.output)")) }
            return .success(try JSONDecoder().decode(Result.self, from: Data(run.output.utf8)))
        } catch {
            return .failure(BenchmarkError("client_golang peer: \(error)"))
        }
    }

    private static func execute(_ path: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

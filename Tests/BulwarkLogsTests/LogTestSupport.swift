import BulwarkCore
import BulwarkLogs
import Foundation

/// A fresh directory under the system's temporary directory, deleted by `remove()`.
struct LogTestDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "bulwark-logs-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    /// Sealed segment files (plain, compressed or partial), sorted by name.
    var sealedNames: [String] { names.filter { $0.hasPrefix("api-calls-") } }

    var compressedNames: [String] { names.filter { $0.hasSuffix(".jsonl.gz") } }

    func contents(_ name: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: file(name)))).map { [UInt8]($0) } ?? []
    }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }
}

enum LogFixtures {
    static let now = Date().timeIntervalSince1970

    /// A distinct event; `index` is recoverable from its request ID.
    static func event(_ index: Int, timestamp: Double? = nil, thread: Int = 0) -> APICallMetric {
        APICallMetric(
            timestamp: timestamp ?? (now + Double(index) / 1000), provider: index % 2 == 0 ? "openai" : "anthropic",
            model: "gpt-4o", statusCode: index % 7 == 0 ? 429 : 200, latencyMs: Double(index % 1000) + 0.5,
            inputTokens: index, outputTokens: 2 * index, errorType: index % 7 == 0 ? .rateLimited : nil,
            errorMessage: index % 7 == 0 ? "Rate limit reached for requests" : nil,
            requestID: "t\(thread)-req-\(index)", attempt: 1)
    }

    static func line(_ event: APICallMetric) -> [UInt8] {
        Array(event.jsonString.utf8) + [0x0A]
    }

    static func lines(_ events: [APICallMetric]) -> [UInt8] {
        events.flatMap(line)
    }

    /// The name stamp for Unix time `time`, as the sink writes it.
    static func stamp(_ time: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    /// A configuration for tests: small, no fsync (speed), everything else as given.
    static func configuration(
        _ directory: LogTestDirectory, maxSegmentBytes: Int = 64 << 20, maxSealedSegments: Int = 10_000,
        queueCapacity: Int = 1 << 20, flushInterval: Double = 3600, maxSegmentAge: Double = 3600,
        fsyncOnSeal: Bool = false
    ) -> LogSinkConfiguration {
        LogSinkConfiguration(
            directory: directory.path, maxSegmentBytes: maxSegmentBytes, maxSegmentAge: maxSegmentAge,
            maxSealedSegments: maxSealedSegments, maxSealedAge: 100 * 365 * 86_400, queueCapacity: queueCapacity,
            flushInterval: flushInterval, compressionLevel: 6, fsyncOnSeal: fsyncOnSeal)
    }

    /// Polls `condition` until it holds or `seconds` pass (a deadline against hangs, not a timing check).
    static func eventually(within seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}

/// Runs a command-line tool, returning its exit status and standard output.
func runTool(_ arguments: [String]) throws -> (status: Int32, output: [UInt8]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, [UInt8](data))
}

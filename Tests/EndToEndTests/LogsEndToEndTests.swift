import BulwarkCore
import BulwarkTestSupport
import Foundation
import Testing

@Suite(.serialized) struct LogsEndToEndTests {
    /// Posts `count` events in NDJSON batches of 100, with request ids `prefix-N`.
    static func post(_ serve: ServeHarness, count: Int, prefix: String) throws {
        var index = 0
        while index < count {
            let batch = (index..<min(count, index + 100)).map {
                SampleEvents.json(index: $0).replacingOccurrences(of: "\"request_id\":\"r-\($0)\"", with: "\"request_id\":\"\(prefix)-\($0)\"")
            }
            let response = try serve.post(body: batch.joined(separator: "\n"), contentType: "application/x-ndjson")
            #expect(response.status == 202, "\(response.text)")
            index += batch.count
        }
    }

    static func catLines(_ directory: String) throws -> [String] {
        let result = try runCommand(try Tools.bulwark(), ["logs", "cat", directory])
        #expect(result.status == 0, "\(result.output)")
        return result.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("{") }
    }

    static func requestIDs(_ lines: [String]) throws -> [String] {
        try lines.map { try APICallMetric(jsonBytes: Array($0.utf8)).requestID }
    }

    @Test func sigtermFlushesEveryPostedEventToTheLog() throws {
        let serve = try ServeHarness()
        try Self.post(serve, count: 1_000, prefix: "term")
        serve.process.signal(SIGTERM)
        #expect(serve.process.wait() == 0, "\(serve.process.outputText)")
        let ids = try Self.requestIDs(Self.catLines(serve.logDirectory))
        #expect(ids == (0..<1_000).map { "term-\($0)" })
    }

    @Test(.enabled(if: Tools.canRun(.gzip), "needs gzip"))
    func sealedSegmentsAreGzipAndTogetherHoldEveryEvent() throws {
        let serve = try ServeHarness(extraArguments: ["--log-segment-bytes", "16384"])
        try Self.post(serve, count: 600, prefix: "seal")
        serve.process.signal(SIGTERM)
        #expect(serve.process.wait() == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: serve.logDirectory).sorted()
        let sealed = files.filter { $0.hasPrefix("api-calls-") && $0.hasSuffix(".jsonl.gz") }
        #expect(sealed.count >= 3, "expected several sealed segments, got \(files)")
        let gzip = try Tools.executable("gzip")
        var lines: [String] = []
        for name in sealed {
            let path = "\(serve.logDirectory)/\(name)"
            #expect(try runCommand(gzip, ["-t", path]).status == 0, "\(name) is not valid gzip")
            lines += try runCommand(gzip, ["-dc", path]).output.split(separator: "\n").map(String.init)
        }
        if let active = try? String(contentsOfFile: "\(serve.logDirectory)/api-calls.jsonl", encoding: .utf8) {
            lines += active.split(separator: "\n").map(String.init)
        }
        #expect(try Self.requestIDs(lines) == (0..<600).map { "seal-\($0)" })
        #expect(try Self.requestIDs(Self.catLines(serve.logDirectory)) == (0..<600).map { "seal-\($0)" })
    }

    @Test func killNineLosesNoFlushedLineAndTheDirectoryStaysReadable() throws {
        let directory = try makeTemporaryDirectory("bulwark-kill9")
        let serve = try ServeHarness(logDirectory: directory)
        try Self.post(serve, count: 500, prefix: "kept")
        // Wait until the writer reports every accepted event written to the file.
        let deadline = Date().addingTimeInterval(30)
        while try serve.sum("llm_api_log_events_written_total") < 500, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try serve.sum("llm_api_log_events_written_total") == 500)
        // Keep writing while the process is killed, so the kill can land mid-write.
        let port = serve.port
        let writer = Thread {
            for batch in 0..<200 {
                let body = (0..<50).map { SampleEvents.json(index: batch * 50 + $0) }.joined(separator: "\n")
                guard (try? RawHTTPClient.request(
                    port: port, method: "POST", path: "/v1/events", headers: [("Content-Type", "application/x-ndjson")],
                    body: Array(body.utf8), timeoutSeconds: 2)) != nil else { return }
            }
        }
        writer.start()
        Thread.sleep(forTimeInterval: 0.3)
        serve.process.signal(SIGKILL)
        serve.process.wait()

        let lines = try Self.catLines(directory)
        let ids = try Self.requestIDs(lines)
        #expect(Array(ids.prefix(500)) == (0..<500).map { "kept-\($0)" }, "flushed lines were lost")

        // A new process appends after whatever the killed one left, and everything stays readable.
        let restarted = try ServeHarness(logDirectory: directory)
        try Self.post(restarted, count: 100, prefix: "after")
        restarted.process.signal(SIGTERM)
        #expect(restarted.process.wait() == 0)
        let idsAfter = try Self.requestIDs(Self.catLines(directory))
        #expect(Array(idsAfter.suffix(100)) == (0..<100).map { "after-\($0)" })
        #expect(idsAfter.count >= ids.count + 100)
    }
}

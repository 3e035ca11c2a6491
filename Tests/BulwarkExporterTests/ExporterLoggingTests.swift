import BulwarkTestSupport
import Foundation
import Logging
import Synchronization
import Testing
@testable import BulwarkExporter

/// The exporter reports through the `Logger` it is given, never to standard error itself.
@Suite struct ExporterLoggingTests {
    @Test func logsTheStartUpReplayThroughTheInjectedLogger() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-exporter-logging-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ExporterConfiguration(port: 0, logDirectory: directory)
        configuration.replayLogsOnStart = true
        let captured = CapturedLog()
        let exporter = try Exporter(
            configuration: configuration, logger: Logger(label: "bulwark.exporter", factory: { captured.handler(label: $0) }))
        try exporter.start()
        // The replay runs on a thread of its own and logs when it is over.
        let giveUp = Date().addingTimeInterval(30)
        while captured.entries.isEmpty, Date() < giveUp { try await Task.sleep(for: .milliseconds(10)) }
        await exporter.stop()
        let entry = try #require(captured.entries.first)
        #expect(entry.label == "bulwark.exporter")
        #expect(entry.level == .info)
        #expect(entry.message.hasPrefix("alert windows replayed: 0 logged events"), "\(entry.message)")
    }
}

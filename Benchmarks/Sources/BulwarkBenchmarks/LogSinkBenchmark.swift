import BenchmarkSupport
import BulwarkCore
import BulwarkLogs
import Foundation

/// The log sink end to end (encode, queue, write, seal, gzip) against raw zlib deflate of the same
/// bytes at the same level, as lines per second.
enum LogSinkBenchmark {
    static func run(into table: inout ResultTable) throws {
        let count = 400_000
        let events = Workload.events(providers: 8, models: 8, count: 4_096)
        var lines: [UInt8] = []
        lines.reserveCapacity(count * 420)
        for index in 0..<count {
            events[index & 4_095].appendJSON(to: &lines)
            lines.append(0x0A)
        }
        let level = Gzip.defaultLevel
        let clock = ContinuousClock()
        var rawBest = Double.infinity
        for _ in 0..<3 {
            let elapsed = clock.measure { _ = Gzip.compress(lines, level: level) }
            rawBest = min(rawBest, elapsed.seconds)
        }
        var sinkBest = Double.infinity
        for _ in 0..<3 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-sink-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Segments of 8 MiB: nearly every byte is sealed and compressed before close() returns.
            let sink = try JSONLinesLogSink(configuration: LogSinkConfiguration(
                directory: directory, maxSegmentBytes: 8 << 20, queueCapacity: count + 1, compressionLevel: level,
                fsyncOnSeal: false))
            let elapsed = clock.measure {
                for index in 0..<count { sink.record(events[index & 4_095]) }
                sink.close()
            }
            precondition(sink.eventsDropped == 0 && sink.eventsWritten == count, "sink lost events")
            sinkBest = min(sinkBest, elapsed.seconds)
        }
        let rawRate = Double(count) / rawBest
        let sinkRate = Double(count) / sinkBest
        table.add(
            "log sink lines/s (encode + queue + write + seal + gzip level \(level)) vs raw zlib deflate of the same \(lines.count >> 20) MiB",
            String(format: "%.0f lines/s", sinkRate), String(format: "%.0f lines/s", rawRate),
            String(format: "%.0f %% of raw zlib", 100 * sinkRate / rawRate))
    }
}

import BenchmarkSupport
import BulwarkCore
import BulwarkLogs
import BulwarkPrometheus
import Foundation

/// The record paths alone, without peers or timing batches, for `perf` and `valgrind --tool=callgrind`:
/// `BulwarkBenchmarks profile-record` (full path) or `profile-registry` / `profile-sink`.
enum ProfileRecord {
    static func run(_ phase: String, events count: Int = 300_000) throws {
        let events = Workload.events(providers: 8, models: 8, count: 1_024)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-profile-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: directory, queueCapacity: 1 << 21))
        let registry = MetricsRegistry(configuration: .init(maxSeries: 100_000))
        let recorder: any MetricsRecorder = switch phase {
        case "profile-registry": registry
        case "profile-sink": sink
        default: MultiplexRecorder([registry, sink])
        }
        let cpuStart = threadCPUSeconds()
        let start = ContinuousClock.now
        for index in 0..<count { recorder.record(events[index & 1_023]) }
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = threadCPUSeconds() - cpuStart
        sink.close()
        print(String(format: "%@: %.1f ns/event wall, %.1f ns/event recording-thread CPU, %d dropped",
                     phase, elapsed / Double(count) * 1e9, cpu / Double(count) * 1e9, sink.eventsDropped))
    }
}

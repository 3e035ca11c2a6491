import BenchmarkSupport
import BulwarkCore
import BulwarkPrometheus
import BulwarkLogs
import Foundation
import Prometheus

/// Recording one event: Bulwark's full path (registry + log sink) against swift-prometheus doing
/// the equivalent counter and histogram updates for the same label values.
enum RecordBenchmark {
    static func run(into table: inout ResultTable, go: Result<GoPeer.Result, BenchmarkError>) throws {
        let events = Workload.events(providers: 8, models: 8, count: 1_024)
        let operations = 1_000
        let batches = 300
        let buckets = MetricCatalog.durationBuckets

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: directory, queueCapacity: 1 << 21))
        let registry = MetricsRegistry(configuration: .init(maxSeries: 100_000))
        let full = MultiplexRecorder([registry, sink])
        var cursor = 0
        let bulwarkFull = Timing.of(batches: batches, operationsPerBatch: operations) {
            for _ in 0..<operations {
                full.record(events[cursor & 1_023])
                cursor &+= 1
            }
        }
        sink.close()
        precondition(sink.eventsDropped == 0, "the log queue overflowed; the timing would flatter the sink")

        let registryOnly = MetricsRegistry()
        let bulwarkRegistry = Timing.of(batches: batches, operationsPerBatch: operations) {
            for _ in 0..<operations {
                registryOnly.record(events[cursor & 1_023])
                cursor &+= 1
            }
        }

        let peer = PrometheusCollectorRegistry()
        let labelSets = events.map { event in
            (counter: [("provider", event.provider), ("model", event.model), ("status_code", String(event.statusCode)),
                       ("error_type", event.errorType?.rawValue ?? "none")],
             histogram: [("provider", event.provider), ("model", event.model)])
        }
        let peerDynamic = Timing.of(batches: batches, operationsPerBatch: operations) {
            for _ in 0..<operations {
                let index = cursor & 1_023
                let labels = labelSets[index]
                peer.makeCounter(descriptor: peerName("llm_api_calls_total"), labels: labels.counter).increment()
                peer.makeValueHistogram(descriptor: peerName("llm_api_call_duration_seconds"), labels: labels.histogram, buckets: buckets)
                    .record(events[index].latencyMs / 1000)
                cursor &+= 1
            }
        }
        let counters = labelSets.map { peer.makeCounter(descriptor: peerName("llm_api_calls_total"), labels: $0.counter) }
        let histograms = labelSets.map {
            peer.makeValueHistogram(descriptor: peerName("llm_api_call_duration_seconds"), labels: $0.histogram, buckets: buckets)
        }
        let peerHandles = Timing.of(batches: batches, operationsPerBatch: operations) {
            for _ in 0..<operations {
                let index = cursor & 1_023
                counters[index].increment()
                histograms[index].record(events[index].latencyMs / 1000)
                cursor &+= 1
            }
        }

        table.add(
            "record one event, full path (registry + log line) vs swift-prometheus counter+histogram by label values",
            "\(formatTime(bulwarkFull.median)) (p90 \(formatTime(bulwarkFull.p90)))",
            "\(formatTime(peerDynamic.median)) (p90 \(formatTime(peerDynamic.p90)))",
            String(format: "%.2f× the peer's time", bulwarkFull.median / peerDynamic.median))
        switch go {
        case .success(let go):
            table.add(
                "record one event, full path (registry + log line) vs Go client_golang counter+histogram WithLabelValues (goal ≤ 1×)",
                "\(formatTime(bulwarkFull.median)) (p90 \(formatTime(bulwarkFull.p90)))", formatTime(go.record_seconds),
                String(format: "%.2f× the peer's time", bulwarkFull.median / go.record_seconds))
        case .failure(let error):
            table.add("record one event vs Go client_golang", formatTime(bulwarkFull.median), "unavailable: \(error)", "—")
        }
        table.add(
            "record one event, registry only vs swift-prometheus by label values",
            formatTime(bulwarkRegistry.median), formatTime(peerDynamic.median),
            String(format: "%.2f× the peer's time", bulwarkRegistry.median / peerDynamic.median))
        table.add(
            "record one event, registry only vs swift-prometheus with pre-resolved handles (no label lookup)",
            formatTime(bulwarkRegistry.median), formatTime(peerHandles.median),
            String(format: "%.2f× the peer's time", bulwarkRegistry.median / peerHandles.median))
    }
}

import Benchmark
import BenchmarkSupport
import BulwarkCore
import BulwarkLogs
import BulwarkPrometheus
import Foundation
import Prometheus

// The hot paths under package-benchmark (`swift package benchmark --target HotPaths`, or `make
// bench-package`): wall clock, CPU, mallocs and throughput per operation, with swift-prometheus doing
// the same work in the same suite. `make bench` keeps the ratio report against client_golang and
// prometheus_client, which package-benchmark cannot host.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], timeUnits: .nanoseconds,
        warmupIterations: 3, maxDuration: .seconds(3), maxIterations: 300)
    let perEvent = Benchmark.Configuration(scalingFactor: .kilo)
    let events = Workload.events(providers: 8, models: 8, count: 1_024)
    let buckets = MetricCatalog.durationBuckets

    // Record: 1,000 events per iteration, reported per event (scaling factor 1,000).
    let fullRegistry = MetricsRegistry(configuration: .init(maxSeries: 100_000))
    let fullSink = LogSinkHolder()
    Benchmark("record full path (registry + log line)", configuration: perEvent, closure: { benchmark in
        let full = MultiplexRecorder([fullRegistry, fullSink.sink])
        for index in benchmark.scaledIterations { full.record(events[index & 1_023]) }
    }, setup: { try fullSink.open() }, teardown: { try fullSink.close() })

    let registry = MetricsRegistry(configuration: .init(maxSeries: 100_000))
    Benchmark("record registry only", configuration: perEvent) { benchmark in
        for index in benchmark.scaledIterations { registry.record(events[index & 1_023]) }
    }

    let appendSink = LogSinkHolder()
    Benchmark("log sink append (queue one event)", configuration: perEvent, closure: { benchmark in
        let sink = appendSink.sink
        for index in benchmark.scaledIterations { sink.record(events[index & 1_023]) }
    }, setup: { try appendSink.open() }, teardown: { try appendSink.close() })

    let peer = PrometheusCollectorRegistry()
    let labelSets = events.map { event in
        (counter: [("provider", event.provider), ("model", event.model), ("status_code", String(event.statusCode)),
                   ("error_type", event.errorType?.rawValue ?? "none")],
         histogram: [("provider", event.provider), ("model", event.model)])
    }
    Benchmark("swift-prometheus record counter+histogram by label values", configuration: perEvent) { benchmark in
        for index in benchmark.scaledIterations {
            let labels = labelSets[index & 1_023]
            peer.makeCounter(descriptor: peerName("llm_api_calls_total"), labels: labels.counter).increment()
            peer.makeValueHistogram(descriptor: peerName("llm_api_call_duration_seconds"), labels: labels.histogram, buckets: buckets)
                .record(events[index & 1_023].latencyMs / 1000)
        }
    }

    // Render: the 10,000 llm_api_calls_total series and the 2,500 pairs' histograms and counters.
    let renderEvents = Workload.events(providers: 25, models: 100, count: 25 * 100 * Workload.statuses.count)
    let rendered = MetricsRegistry(configuration: .init(maxSeries: 100_000))
    for event in renderEvents { rendered.record(event) }
    let renderPeer = PrometheusCollectorRegistry()
    for event in renderEvents {
        renderPeer.makeCounter(descriptor: peerName("llm_api_calls_total"), labels: [
            ("provider", event.provider), ("model", event.model), ("status_code", String(event.statusCode)),
            ("error_type", event.errorType?.rawValue ?? "none"),
        ]).increment()
        let pair = [("provider", event.provider), ("model", event.model)]
        renderPeer.makeValueHistogram(descriptor: peerName("llm_api_call_duration_seconds"), labels: pair, buckets: buckets)
            .record(event.latencyMs / 1000)
        renderPeer.makeCounter(descriptor: peerName("llm_api_tokens_total"), labels: pair + [("direction", "input")])
            .increment(by: Int64(event.inputTokens))
        renderPeer.makeCounter(descriptor: peerName("llm_api_tokens_total"), labels: pair + [("direction", "output")])
            .increment(by: Int64(event.outputTokens))
        renderPeer.makeCounter(descriptor: peerName("llm_api_retries_total"), labels: pair).increment(by: Int64(event.isRetry ? 1 : 0))
        renderPeer.makeCounter(descriptor: peerName("llm_api_cost_usd_total"), labels: pair).increment(by: event.costUSD)
    }
    let perRender = Benchmark.Configuration(timeUnits: .microseconds, maxIterations: 60)
    Benchmark("render text, 10,000-series workload", configuration: perRender) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(rendered.render(format: .prometheusText)) }
    }
    Benchmark("render OpenMetrics, 10,000-series workload", configuration: perRender) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(rendered.render(format: .openMetrics)) }
    }
    Benchmark("swift-prometheus emit, 10,000-series workload", configuration: perRender) { benchmark in
        for _ in benchmark.scaledIterations {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(8 << 20)
            renderPeer.emit(into: &buffer)
            blackHole(buffer)
        }
    }
}

/// A log sink opened in a fresh directory before a benchmark and closed (and removed) after it.
/// Its queue holds every event a run records, so that none is dropped and the timing is honest.
final class LogSinkHolder: @unchecked Sendable {
    private var current: JSONLinesLogSink?
    private var directory = ""

    var sink: JSONLinesLogSink { current! }

    func open() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-hotpaths-\(UUID())").path
        current = try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: directory, queueCapacity: 1 << 22))
    }

    func close() throws {
        guard let sink = current else { return }
        sink.close()
        current = nil
        try? FileManager.default.removeItem(atPath: directory)
        precondition(sink.eventsDropped == 0, "the log queue overflowed; the timing would flatter the sink")
    }
}

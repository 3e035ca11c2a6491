import BenchmarkSupport
import BulwarkCore
import BulwarkPrometheus
import BulwarkLogs
import Foundation
import Prometheus

/// Rendering `/metrics` for 10,000 `llm_api_calls_total` series and the 2,500 histograms and token,
/// retry and cost series the same events produce, against swift-prometheus `emit` and Python's
/// `prometheus_client.generate_latest` holding the identical series.
enum RenderBenchmark {
    static let providers = 25
    static let models = 100

    static func run(into table: inout ResultTable, python: String?, go: Result<GoPeer.Result, BenchmarkError>) throws {
        let events = Workload.events(providers: providers, models: models, count: providers * models * Workload.statuses.count)
        let registry = MetricsRegistry(configuration: .init(maxSeries: 100_000))
        for event in events { registry.record(event) }
        let output = registry.render(format: .prometheusText)
        let lines = output.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let bulwark = Timing.ofCPU(batches: 60, operationsPerBatch: 1) { _ = registry.render(format: .prometheusText) }
        let bulwarkOpenMetrics = Timing.ofCPU(batches: 60, operationsPerBatch: 1) { _ = registry.render(format: .openMetrics) }

        let peer = PrometheusCollectorRegistry()
        for event in events {
            peer.makeCounter(descriptor: peerName("llm_api_calls_total"), labels: [
                ("provider", event.provider), ("model", event.model), ("status_code", String(event.statusCode)),
                ("error_type", event.errorType?.rawValue ?? "none"),
            ]).increment()
            let pair = [("provider", event.provider), ("model", event.model)]
            peer.makeValueHistogram(descriptor: peerName("llm_api_call_duration_seconds"), labels: pair, buckets: MetricCatalog.durationBuckets)
                .record(event.latencyMs / 1000)
            peer.makeCounter(descriptor: peerName("llm_api_tokens_total"), labels: pair + [("direction", "input")]).increment(by: Int64(event.inputTokens))
            peer.makeCounter(descriptor: peerName("llm_api_tokens_total"), labels: pair + [("direction", "output")]).increment(by: Int64(event.outputTokens))
            peer.makeCounter(descriptor: peerName("llm_api_retries_total"), labels: pair).increment(by: Int64(event.isRetry ? 1 : 0))
            peer.makeCounter(descriptor: peerName("llm_api_cost_usd_total"), labels: pair).increment(by: event.costUSD)
        }
        var buffer: [UInt8] = []
        peer.emit(into: &buffer)
        let peerLines = buffer.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let swiftPrometheus = Timing.ofCPU(batches: 30, operationsPerBatch: 1) {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(8 << 20)
            peer.emit(into: &buffer)
        }
        let openLines = registry.render(format: .openMetrics).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        var streamedBytes = 0
        let streamed = Timing.of(batches: 30, operationsPerBatch: 1) {
            let deflater = GzipStream(level: 1)
            registry.render(format: .prometheusText, chunkSize: 65_536) { deflater.write($0) }
            streamedBytes = deflater.finish().count
        }
        let whole = Timing.of(batches: 30, operationsPerBatch: 1) {
            _ = Gzip.compress(registry.render(format: .prometheusText), level: 1)
        }
        print("  render: bulwark \(lines) lines (\(output.count) bytes), swift-prometheus \(peerLines) lines (\(buffer.count) bytes)")
        let perLine = bulwark.median / Double(lines)
        let openPerLine = bulwarkOpenMetrics.median / Double(openLines)
        let peerPerLine = swiftPrometheus.median / Double(peerLines)
        table.add(
            "render /metrics text, 10,000 call series + derived (\(lines) lines), CPU time: ns/line (goal ≤ 50) vs swift-prometheus emit (goal ≥ 3×)",
            "\(formatTime(perLine))/line (\(formatTime(bulwark.median)); best \(formatTime(bulwark.best / Double(lines)))/line)", "\(formatTime(peerPerLine))/line (\(formatTime(swiftPrometheus.median)))",
            String(format: "%.1f× faster", peerPerLine / perLine))
        table.add(
            "render OpenMetrics (with _created, \(openLines) lines): ns/line vs swift-prometheus emit (text)",
            "\(formatTime(openPerLine))/line (\(formatTime(bulwarkOpenMetrics.median)); best \(formatTime(bulwarkOpenMetrics.best / Double(openLines)))/line)", "\(formatTime(peerPerLine))/line",
            String(format: "%.1f× faster", peerPerLine / openPerLine))
        switch go {
        case .success(let go):
            let goPerLine = go.render_cpu_seconds / go.render_lines
            table.add(
                "render text ns/line vs Go client_golang Gather + expfmt text (\(Int(go.render_lines)) lines; goal ≥ 10×)",
                "\(formatTime(perLine))/line", "\(formatTime(goPerLine))/line (\(formatTime(go.render_cpu_seconds)))",
                String(format: "%.1f× faster", goPerLine / perLine))
            table.add(
                "render OpenMetrics ns/line vs Go client_golang text",
                "\(formatTime(openPerLine))/line", "\(formatTime(goPerLine))/line",
                String(format: "%.1f× faster", goPerLine / openPerLine))
        case .failure(let error):
            table.add("render vs Go client_golang", formatTime(perLine), "unavailable: \(error)", "—")
        }
        table.add(
            "render streamed in 64 KiB chunks into gzip level 1 (\(streamedBytes) bytes out) vs render then compress",
            formatTime(streamed.median), formatTime(whole.median),
            String(format: "%.2f× the time", streamed.median / whole.median))

        guard let python else {
            table.add("render vs prometheus_client.generate_latest", formatTime(bulwark.median), "python venv missing", "—")
            return
        }
        let seconds = try pythonGenerateLatest(python: python)
        table.add(
            "render /metrics vs Python prometheus_client.generate_latest (same series), CPU time",
            formatTime(bulwark.median), formatTime(seconds), String(format: "%.1f× faster", seconds / bulwark.median))
    }

    /// Builds the same series in prometheus_client and returns the median time of generate_latest.
    static func pythonGenerateLatest(python: String) throws -> Double {
        let script = """
            import time, statistics
            from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
            r = CollectorRegistry()
            calls = Counter("llm_api_calls", "calls", ["provider", "model", "status_code", "error_type"], registry=r)
            dur = Histogram("llm_api_call_duration_seconds", "latency", ["provider", "model"], registry=r,
                            buckets=[0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60, 120, 300])
            tokens = Counter("llm_api_tokens", "tokens", ["provider", "model", "direction"], registry=r)
            retries = Counter("llm_api_retries", "retries", ["provider", "model"], registry=r)
            cost = Counter("llm_api_cost_usd", "cost", ["provider", "model"], registry=r)
            statuses = [("200", "none"), ("429", "rate_limited"), ("500", "server_error"), ("529", "overloaded")]
            providers, models = \(providers), \(models)
            for i in range(providers * models * len(statuses)):
                status, error = statuses[i % 4]
                p = "provider-%d" % (i // 4 % providers)
                m = "model-%d" % (i // (4 * providers) % models)
                calls.labels(p, m, status, error).inc()
                dur.labels(p, m).observe((50 + (i * 37) % 20000) / 1000)
                tokens.labels(p, m, "input").inc(100 + i % 900)
                tokens.labels(p, m, "output").inc(i % 400)
                retries.labels(p, m).inc(1 if i % 10 == 0 else 0)
                cost.labels(p, m).inc(0.0001)
            generate_latest(r)
            samples = []
            for _ in range(10):
                t = time.process_time(); generate_latest(r); samples.append(time.process_time() - t)
            print(statistics.median(samples))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let seconds = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchmarkError("python peer printed \(String(decoding: data, as: UTF8.self))")
        }
        return seconds
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

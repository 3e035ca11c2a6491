import BenchmarkSupport
import BulwarkCore
import BulwarkPrometheus
import Foundation
import Synchronization

/// `record` latency on two threads while a third thread scrapes 10,000 call series continuously,
/// against the same two threads with no scrape: the p99 of single `record` calls.
enum ScrapeContentionBenchmark {
    struct Percentiles {
        var p50: Double
        var p99: Double
        var scrapes: Int
        var records: Int
    }

    static func run(into table: inout ResultTable) {
        let events = Workload.events(providers: RenderBenchmark.providers, models: RenderBenchmark.models,
                                     count: RenderBenchmark.providers * RenderBenchmark.models * Workload.statuses.count)
        let registry = MetricsRegistry(configuration: .init(maxSeries: 100_000))
        for event in events { registry.record(event) }
        _ = measure(registry, events, scraping: false, perThread: 20_000)
        let idle = measure(registry, events, scraping: false, perThread: 300_000)
        let busy = measure(registry, events, scraping: true, perThread: 300_000)
        let busyWhole = measure(registry, events, scraping: true, streaming: false, perThread: 300_000)
        table.add(
            "record p99, 2 threads, while a 3rd scrapes 10,000 series continuously, streamed in 64 KiB chunks as /metrics does (\(busy.scrapes) scrapes during \(busy.records) records) vs no scrape (\(idle.records) records; goal ≤ 2×)",
            "\(formatTime(busy.p99)) (p50 \(formatTime(busy.p50)))", "\(formatTime(idle.p99)) (p50 \(formatTime(idle.p50)))",
            String(format: "%.2f× the p99 without scrapes", busy.p99 / idle.p99))
        table.add(
            "record p99, same, the scrapes rendering the whole exposition into one buffer (\(busyWhole.scrapes) scrapes)",
            "\(formatTime(busyWhole.p99)) (p50 \(formatTime(busyWhole.p50)))", "\(formatTime(idle.p99)) (p50 \(formatTime(idle.p50)))",
            String(format: "%.2f× the p99 without scrapes", busyWhole.p99 / idle.p99))
    }

    static func measure(
        _ registry: MetricsRegistry, _ events: [APICallMetric], scraping: Bool, streaming: Bool = true, perThread: Int
    ) -> Percentiles {
        let stop = Atomic<Bool>(false)
        let scrapes = Atomic<Int>(0)
        let done = DispatchGroup()
        let results = Mutex<[[UInt64]]>([])
        if scraping {
            done.enter()
            Thread.detachNewThread {
                while !stop.load(ordering: .relaxed) {
                    if streaming {
                        // As `/metrics` renders: 64 KiB chunks handed on (here counted) as they are written.
                        var bytes = 0
                        registry.render(format: .prometheusText, chunkSize: 64 << 10) { bytes &+= $0.count }
                        precondition(bytes > 0)
                    } else {
                        _ = registry.render(format: .prometheusText)
                    }
                    scrapes.add(1, ordering: .relaxed)
                }
                done.leave()
            }
        }
        if scraping {
            // Recording starts once scrapes are running, and goes on until at least `minimumScrapes` completed.
            while scrapes.load(ordering: .relaxed) == 0 { usleep(100) }
        }
        let minimumScrapes = 50
        let recorders = DispatchGroup()
        for thread in 0..<2 {
            recorders.enter()
            Thread.detachNewThread {
                let limit = perThread * 20
                var samples = [UInt64](repeating: 0, count: limit)
                var cursor = thread * 5_003
                var index = 0
                while index < limit && (index < perThread || (scraping && scrapes.load(ordering: .relaxed) < minimumScrapes)) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    registry.record(events[cursor % events.count])
                    samples[index] = DispatchTime.now().uptimeNanoseconds &- start
                    cursor &+= 1
                    index &+= 1
                }
                samples.removeLast(limit - index)
                results.withLock { $0.append(samples) }
                recorders.leave()
            }
        }
        recorders.wait()
        stop.store(true, ordering: .relaxed)
        done.wait()
        var all = results.withLock { $0 }.flatMap { $0 }
        all.sort()
        return Percentiles(
            p50: Double(all[all.count / 2]) / 1e9, p99: Double(all[all.count * 99 / 100]) / 1e9,
            scrapes: scrapes.load(ordering: .relaxed), records: all.count)
    }
}

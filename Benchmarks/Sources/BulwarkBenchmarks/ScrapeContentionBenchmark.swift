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
    }

    static func run(into table: inout ResultTable) {
        let events = Workload.events(providers: RenderBenchmark.providers, models: RenderBenchmark.models,
                                     count: RenderBenchmark.providers * RenderBenchmark.models * Workload.statuses.count)
        let registry = MetricsRegistry(configuration: .init(maxSeries: 100_000))
        for event in events { registry.record(event) }
        _ = measure(registry, events, scraping: false, perThread: 20_000)
        let idle = measure(registry, events, scraping: false, perThread: 300_000)
        let busy = measure(registry, events, scraping: true, perThread: 300_000)
        table.add(
            "record p99, 2 threads, while a 3rd scrapes 10,000 series continuously (\(busy.scrapes) scrapes) vs no scrape (goal ≤ 2×)",
            "\(formatTime(busy.p99)) (p50 \(formatTime(busy.p50)))", "\(formatTime(idle.p99)) (p50 \(formatTime(idle.p50)))",
            String(format: "%.2f× the p99 without scrapes", busy.p99 / idle.p99))
    }

    static func measure(_ registry: MetricsRegistry, _ events: [APICallMetric], scraping: Bool, perThread: Int) -> Percentiles {
        let stop = Atomic<Bool>(false)
        let scrapes = Atomic<Int>(0)
        let done = DispatchGroup()
        let results = Mutex<[[UInt64]]>([])
        if scraping {
            done.enter()
            Thread.detachNewThread {
                while !stop.load(ordering: .relaxed) {
                    _ = registry.render(format: .prometheusText)
                    scrapes.add(1, ordering: .relaxed)
                }
                done.leave()
            }
        }
        let recorders = DispatchGroup()
        for thread in 0..<2 {
            recorders.enter()
            Thread.detachNewThread {
                var samples = [UInt64](repeating: 0, count: perThread)
                var cursor = thread * 5_003
                for index in 0..<perThread {
                    let start = DispatchTime.now().uptimeNanoseconds
                    registry.record(events[cursor % events.count])
                    samples[index] = DispatchTime.now().uptimeNanoseconds &- start
                    cursor &+= 1
                }
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
            scrapes: scrapes.load(ordering: .relaxed))
    }
}

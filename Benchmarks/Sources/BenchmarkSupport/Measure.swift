import Foundation

/// Per-operation timings from repeated batches: the median, 90th percentile and best of batch means.
public struct Timing: Sendable {
    public var median: Double
    public var p90: Double
    /// The fastest batch: on a shared, loaded machine the closest to the code's own cost.
    public var best: Double = 0

    public static func of(batches: Int, operationsPerBatch: Int, warmup: Int = 3, _ body: () -> Void) -> Timing {
        let clock = ContinuousClock()
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        for _ in 0..<batches {
            let elapsed = clock.measure(body)
            samples.append(elapsed.seconds / Double(operationsPerBatch))
        }
        samples.sort()
        return Timing(median: samples[samples.count / 2], p90: samples[samples.count * 9 / 10], best: samples[0])
    }
}

extension Timing {
    /// Like ``of(batches:operationsPerBatch:warmup:_:)`` but in process CPU time
    /// (`CLOCK_PROCESS_CPUTIME_ID`): on a shared machine, time spent preempted by other processes
    /// is not counted, while every thread of the measured code (a peer's GC or workers too) is.
    public static func ofCPU(batches: Int, operationsPerBatch: Int, warmup: Int = 3, _ body: () -> Void) -> Timing {
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        for _ in 0..<batches {
            let start = processCPUSeconds()
            body()
            samples.append((processCPUSeconds() - start) / Double(operationsPerBatch))
        }
        samples.sort()
        return Timing(median: samples[samples.count / 2], p90: samples[samples.count * 9 / 10], best: samples[0])
    }
}

/// CPU time used by the whole process so far, in seconds.
public func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// CPU time used by the calling thread so far, in seconds.
public func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

extension Duration {
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

public func formatTime(_ seconds: Double) -> String {
    if seconds < 1e-6 { return String(format: "%.0f ns", seconds * 1e9) }
    if seconds < 1e-3 { return String(format: "%.2f µs", seconds * 1e6) }
    if seconds < 1 { return String(format: "%.2f ms", seconds * 1e3) }
    return String(format: "%.2f s", seconds)
}

/// A Markdown table printed at the end, so the README can quote the run.
public struct ResultTable {
    public init() {}
    var rows: [(String, String, String, String)] = []

    public mutating func add(_ benchmark: String, _ bulwark: String, _ peer: String, _ ratio: String) {
        rows.append((benchmark, bulwark, peer, ratio))
        print("  \(benchmark): bulwark \(bulwark) | peer \(peer) | \(ratio)")
    }

    public func printMarkdown() {
        print("\n| benchmark | Bulwark | peer | ratio |")
        print("|---|---|---|---|")
        for row in rows { print("| \(row.0) | \(row.1) | \(row.2) | \(row.3) |") }
    }
}

import BulwarkCore
public import BulwarkPrometheus
import Foundation

/// The standard `process_*` families (as client_golang and prometheus_client expose them), read
/// from `/proc/self` on Linux.
public struct ProcessMetrics: Sendable {
    private let startTime: Double
    private let ticksPerSecond: Double
    private let pageSize: Double

    /// Creates a collector for the current process.
    public init() {
        ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        startTime = Self.processStartTime(ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
            ?? Date().timeIntervalSince1970
    }

    /// The families, or none where `/proc` cannot be read.
    public func collect() -> [CollectedFamily] {
        var families = [
            gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", startTime, unit: "seconds"),
        ]
        if let stat = Self.stat() {
            let cpu = (stat.utime + stat.stime) / ticksPerSecond
            families.append(CollectedFamily(
                descriptor: MetricDescriptor(
                    name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.",
                    type: .counter, unit: "seconds"),
                samples: [.init(value: cpu)], created: startTime))
            families.append(gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", stat.vsize, unit: "bytes"))
            families.append(gauge(
                "process_resident_memory_bytes", "Resident memory size in bytes.", stat.rss * pageSize, unit: "bytes"))
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            families.append(gauge("process_open_fds", "Number of open file descriptors.", Double(fds.count)))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            families.append(gauge("process_max_fds", "Maximum number of open file descriptors.", Double(limit.rlim_cur)))
        }
        return families
    }

    private func gauge(_ name: String, _ help: String, _ value: Double, unit: String? = nil) -> CollectedFamily {
        CollectedFamily(descriptor: MetricDescriptor(name: name, help: help, type: .gauge, unit: unit), samples: [.init(value: value)])
    }

    private struct Stat {
        var utime: Double
        var stime: Double
        var startTicks: Double
        var vsize: Double
        var rss: Double
    }

    /// Fields of `/proc/self/stat` after the parenthesised command name (which may contain spaces).
    private static func stat() -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
        guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
            let start = Double(fields[19]), let vsize = Double(fields[20]), let rss = Double(fields[21])
        else { return nil }
        return Stat(utime: utime, stime: stime, startTicks: start, vsize: vsize, rss: rss)
    }

    private static func processStartTime(ticksPerSecond: Double) -> Double? {
        guard let stat = stat(), let uptime = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let bootLine = uptime.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(bootLine.dropFirst(6).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return boot + stat.startTicks / ticksPerSecond
    }
}

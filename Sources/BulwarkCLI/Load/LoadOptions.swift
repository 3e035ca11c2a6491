import BulwarkExporter

/// The checked values of `bulwark load`'s flags. Every flag is read as text and checked here, so that
/// a command line with several mistakes is answered with one error naming all of them.
struct LoadOptions: Sendable, Equatable {
    /// Logical requests started per second.
    var rate: Double
    /// Seconds to start requests for.
    var duration: Double
    /// Most requests in flight; the next one waits for a slot (its wait counts in its latency).
    var concurrency: Int
    /// Share of the requests that stream, 0...1.
    var streamShare: Double
    /// The caller gives up on a request after this long.
    var callerTimeout: Duration?
    /// Where to serve `/metrics` during the run.
    var listen: (host: String, port: Int)?

    static let maxRate = 10_000.0
    static let defaultConcurrency = 256

    static func == (lhs: LoadOptions, rhs: LoadOptions) -> Bool {
        lhs.rate == rhs.rate && lhs.duration == rhs.duration && lhs.concurrency == rhs.concurrency
            && lhs.streamShare == rhs.streamShare && lhs.callerTimeout == rhs.callerTimeout
            && lhs.listen?.host == rhs.listen?.host && lhs.listen?.port == rhs.listen?.port
    }

    /// Parses the flags' texts; throws one ``LoadOptionsError`` naming every problem.
    static func parse(
        rate: String?, duration: String?, concurrency: String?, streamShare: String?, callerTimeoutMs: String?,
        listen: String?
    ) throws(LoadOptionsError) -> LoadOptions {
        var problems: [String] = []
        func number(_ text: String?, _ flag: String, required: Bool, _ check: (Double) -> String?) -> Double? {
            guard let text else {
                if required { problems.append("\(flag) is required") }
                return nil
            }
            guard let value = Double(text), value.isFinite else {
                problems.append("\(flag) must be a number, got \(quoted(text))")
                return nil
            }
            if let problem = check(value) {
                problems.append("\(flag) \(problem), got \(quoted(text))")
                return nil
            }
            return value
        }
        let rate = number(rate, "--rate", required: true) { value in
            value > 0 && value <= maxRate ? nil : "must be above 0 and at most \(Int(maxRate)) requests per second"
        }
        let duration = number(duration, "--duration", required: true) { value in
            value > 0 && value <= 86_400 ? nil : "must be above 0 and at most 86400 seconds"
        }
        let concurrency = number(concurrency, "--concurrency", required: false) { value in
            value >= 1 && value <= 100_000 && value.rounded() == value ? nil : "must be a whole number from 1 to 100000"
        }
        let streamShare = number(streamShare, "--stream-share", required: false) { value in
            (0...1).contains(value) ? nil : "must be between 0 and 1"
        }
        let timeout = number(callerTimeoutMs, "--caller-timeout-ms", required: false) { value in
            value > 0 && value <= 86_400_000 ? nil : "must be above 0 milliseconds and at most a day"
        }
        var address: (host: String, port: Int)?
        if let listen {
            do {
                address = try ExporterConfiguration.parseListen(listen)
            } catch {
                problems.append("--listen: \(error)")
            }
        }
        guard problems.isEmpty, let rate, let duration else { throw LoadOptionsError(problems: problems) }
        return LoadOptions(
            rate: rate, duration: duration, concurrency: concurrency.map { Int($0) } ?? defaultConcurrency,
            streamShare: streamShare ?? 0, callerTimeout: timeout.map { .microseconds(Int64(($0 * 1_000).rounded())) },
            listen: address)
    }

    /// Requests the run starts: one every `1 / rate` seconds over `duration` seconds.
    var plannedRequests: Int { max(1, Int((rate * duration).rounded(.down))) }

    /// At most 40 characters of a value the user typed, quoted.
    private static func quoted(_ text: String) -> String {
        text.count > 40 ? "\"\(text.prefix(40))…\"" : "\"\(text)\""
    }
}

/// Every problem of a `bulwark load` command line.
struct LoadOptionsError: Error, CustomStringConvertible {
    var problems: [String]
    var description: String { problems.joined(separator: "\n") }
}

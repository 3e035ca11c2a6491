import BulwarkCore
import BulwarkPrometheus
/// The windowed counters of one sample: per provider a fixed vector (calls, errors, 429s, then the
/// cumulative duration buckets ending with `+Inf`), and the request outcomes.
struct WindowCounters {
    static let calls = 0
    static let errors = 1
    static let rateLimited = 2
    static let firstBucket = 3
    static let width = firstBucket + MetricCatalog.durationBuckets.count + 1

    var providers: [String: [Double]] = [:]
    /// `llm_api_requests_total` in ``RequestOutcome/allCases`` order.
    var requests = [Double](repeating: 0, count: RequestOutcome.allCases.count)

    init() {}

    init(_ snapshot: AlertSnapshot) {
        for (provider, totals) in snapshot.providers {
            providers[provider] = [totals.calls, totals.errors, totals.rateLimited] + totals.durationBuckets
        }
        for (index, outcome) in RequestOutcome.allCases.enumerated() { requests[index] = snapshot.requests[outcome] ?? 0 }
    }

    static func zeroVector() -> [Double] { [Double](repeating: 0, count: width) }

    /// `self + other`, provider by provider (a provider missing on one side counts as zero).
    func adding(_ other: WindowCounters, scale: Double = 1) -> WindowCounters {
        var result = self
        for (provider, vector) in other.providers {
            var sum = result.providers[provider] ?? Self.zeroVector()
            for index in sum.indices { sum[index] += scale * vector[index] }
            result.providers[provider] = sum
        }
        for index in result.requests.indices { result.requests[index] += scale * other.requests[index] }
        return result
    }

    /// The linear interpolation `self + (other - self) * fraction`.
    func interpolated(toward other: WindowCounters, fraction: Double) -> WindowCounters {
        guard fraction > 0 else { return self }
        return adding(other, scale: fraction).adding(self, scale: -fraction)
    }

    /// The number of doubles held, for the memory statistics.
    var footprint: Int { providers.count * Self.width + requests.count }
}

/// A fixed-capacity ring of time-ordered samples; appending to a full ring drops the oldest.
struct SampleRing<Value> {
    let capacity: Int
    private var times: [Double] = []
    private var values: [Value] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(2, capacity)
        times.reserveCapacity(self.capacity)
        values.reserveCapacity(self.capacity)
    }

    var count: Int { times.count }
    var isEmpty: Bool { times.isEmpty }

    /// The sample at logical position `index` (0 is the oldest).
    func sample(_ index: Int) -> (time: Double, value: Value) {
        let position = (head + index) % times.count
        return (times[position], values[position])
    }

    var newest: (time: Double, value: Value)? { isEmpty ? nil : sample(count - 1) }
    var oldest: (time: Double, value: Value)? { isEmpty ? nil : sample(0) }

    mutating func append(time: Double, value: Value) {
        if times.count < capacity {
            times.append(time)
            values.append(value)
        } else {
            times[head] = time
            values[head] = value
            head = (head + 1) % capacity
        }
    }

    mutating func removeAll() {
        times.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        head = 0
    }

    /// The logical index of the newest sample at or before `time`, by binary search.
    func lastIndex(atOrBefore time: Double) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if sample(middle).time <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    /// The value at `time`, interpolated linearly between the samples around it, as Prometheus extrapolates
    /// a range to its edges. `latest` stands in for a sample newer than the ring's (the current reading).
    /// Before the oldest sample the oldest value is used: the history does not reach further back.
    func value(
        at time: Double, latest: (time: Double, value: Value)?,
        interpolate: (Value, Value, Double) -> Value
    ) -> Value? {
        guard let index = lastIndex(atOrBefore: time) else { return oldest?.value ?? latest?.value }
        let before = sample(index)
        if before.time == time { return before.value }
        let after = index + 1 < count ? sample(index + 1) : latest
        guard let after, after.time > before.time, after.time >= time else { return before.value }
        return interpolate(before.value, after.value, (time - before.time) / (after.time - before.time))
    }
}

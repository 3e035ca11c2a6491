/// What one request asks of the rate limits.
struct RateLimitDemand: Sendable, Equatable {
    var requests = 1
    var inputTokens: Int
    var outputTokens: Int

    var tokens: Int { inputTokens + outputTokens }
}

/// A limited resource, in the order the simulator checks them.
enum RateLimitResource: String, Sendable, CaseIterable {
    case requests
    case tokens
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"

    func limit(in limits: ResolvedRateLimits) -> Int {
        switch self {
        case .requests: limits.requests
        case .tokens: limits.tokens
        case .inputTokens: limits.inputTokens
        case .outputTokens: limits.outputTokens
        }
    }

    func amount(of demand: RateLimitDemand) -> Int {
        switch self {
        case .requests: demand.requests
        case .tokens: demand.tokens
        case .inputTokens: demand.inputTokens
        case .outputTokens: demand.outputTokens
        }
    }
}

/// The state of one resource at the moment of a response, for the rate-limit headers.
struct RateLimitReading: Sendable, Equatable {
    var resource: RateLimitResource
    var limit: Int
    var remaining: Int
    /// Seconds until the window is fully replenished (every counted use has left it).
    var resetSeconds: Double
}

/// A request the limits turned away.
struct RateLimitRejection: Sendable, Equatable {
    /// The first resource that was exceeded.
    var resource: RateLimitResource
    var limit: Int
    var used: Int
    var requested: Int
    /// Seconds until the request would fit.
    var retryAfterSeconds: Double
    /// Every limited resource as it stands (nothing consumed).
    var readings: [RateLimitReading]
}

/// Use of a provider's limits over a rolling window, kept in at most ~600 buckets so memory stays
/// bounded however fast requests come.
struct RateLimitWindow: Sendable {
    private struct Bucket: Sendable {
        var time: Double
        var demand: RateLimitDemand
    }

    let limits: ResolvedRateLimits
    private var buckets: [Bucket] = []
    private var first = 0

    init(limits: ResolvedRateLimits) {
        self.limits = limits
    }

    private var bucketWidth: Double { limits.windowSeconds / 600 }

    private mutating func prune(now: Double) {
        while first < buckets.count, buckets[first].time + limits.windowSeconds <= now {
            first += 1
        }
        if first > 256, first * 2 > buckets.count {
            buckets.removeFirst(first)
            first = 0
        }
    }

    private func used(_ resource: RateLimitResource) -> Int {
        buckets[first...].reduce(0) { $0 + resource.amount(of: $1.demand) }
    }

    private func resetSeconds(now: Double) -> Double {
        guard first < buckets.count else { return 0 }
        return max(0, buckets[buckets.count - 1].time + limits.windowSeconds - now)
    }

    /// Seconds until `needed` of `resource` fits under its limit; the whole window when it never fits.
    private func secondsUntilFits(_ resource: RateLimitResource, needed: Int, limit: Int, now: Double) -> Double {
        guard needed <= limit else { return limits.windowSeconds }
        var used = used(resource)
        for bucket in buckets[first...] {
            if used + needed <= limit { break }
            used -= resource.amount(of: bucket.demand)
            if used + needed <= limit {
                return max(0, bucket.time + limits.windowSeconds - now)
            }
        }
        return 0
    }

    /// The limited resources as they stand.
    mutating func readings(now: Double) -> [RateLimitReading] {
        prune(now: now)
        let reset = resetSeconds(now: now)
        return RateLimitResource.allCases.compactMap { resource in
            let limit = resource.limit(in: limits)
            guard limit > 0 else { return nil }
            return RateLimitReading(
                resource: resource,
                limit: limit,
                remaining: max(0, limit - used(resource)),
                resetSeconds: reset
            )
        }
    }

    /// The rejection `demand` would get now, or `nil` when it fits.
    mutating func check(_ demand: RateLimitDemand, now: Double) -> RateLimitRejection? {
        prune(now: now)
        for resource in RateLimitResource.allCases {
            let limit = resource.limit(in: limits)
            guard limit > 0 else { continue }
            let used = used(resource)
            let needed = resource.amount(of: demand)
            guard used + needed > limit else { continue }
            let wait = RateLimitResource.allCases.reduce(0.0) { longest, other in
                let otherLimit = other.limit(in: limits)
                guard otherLimit > 0 else { return longest }
                let seconds = secondsUntilFits(other, needed: other.amount(of: demand), limit: otherLimit, now: now)
                return max(longest, seconds)
            }
            return RateLimitRejection(
                resource: resource,
                limit: limit,
                used: used,
                requested: needed,
                retryAfterSeconds: wait,
                readings: readings(now: now)
            )
        }
        return nil
    }

    /// Counts `demand` as used now.
    mutating func consume(_ demand: RateLimitDemand, now: Double) {
        prune(now: now)
        if first < buckets.count, now - buckets[buckets.count - 1].time < bucketWidth {
            buckets[buckets.count - 1].demand.requests += demand.requests
            buckets[buckets.count - 1].demand.inputTokens += demand.inputTokens
            buckets[buckets.count - 1].demand.outputTokens += demand.outputTokens
        } else {
            buckets.append(Bucket(time: now, demand: demand))
        }
    }
}

import BulwarkCore
import Synchronization

/// What identifies a request's answer for the degraded-mode cache: the conversation, the model asked
/// for, the token limit and the temperature. Streaming, metadata and the provider do not enter it, so
/// a request answered by any provider, streamed or not, is found again.
///
/// Equality compares the full contents (no hash collision can serve a wrong answer); ``digest`` is a
/// short FNV-1a hash for logs.
public struct RequestFingerprint: Sendable, Hashable, CustomStringConvertible {
    private let parts: [String]

    /// The fingerprint of `request`.
    public init(_ request: ChatRequest) {
        var parts = [
            "model=\(request.model ?? "")",
            "max_tokens=\(request.maxTokens.map(String.init) ?? "")",
            "temperature=\(request.temperature.map { "\($0)" } ?? "")",
        ]
        for message in request.messages {
            parts.append("\(message.role.rawValue):\(message.content)")
        }
        self.parts = parts
    }

    /// A fingerprint from a caller-chosen key (for requests the caller identifies itself).
    public init(key: String) {
        self.parts = ["key=\(key)"]
    }

    /// A 64-bit FNV-1a hash of the contents, 16 hexadecimal digits.
    public var digest: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            hash = (hash ^ 0x1F) &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public var description: String { "request \(digest)" }
}

/// A bounded, thread-safe least-recently-used cache.
///
/// Reads and writes are O(1); inserting into a full cache evicts the entry used least recently. An
/// entry older than `maxAge` seconds (when set) is not returned and is dropped.
public final class ResponseCache<Value: Sendable>: Sendable {
    /// A cached value with its age.
    public struct Entry: Sendable {
        /// The value.
        public var value: Value
        /// Unix time when it was stored.
        public var storedAt: Double
        /// Seconds since it was stored.
        public var age: Double
    }

    private struct Node {
        var key: RequestFingerprint
        var value: Value
        var storedAt: Double
        var previous: Int
        var next: Int
    }

    private struct State {
        var nodes: [Node] = []
        var index: [RequestFingerprint: Int] = [:]
        var free: [Int] = []
        var head = -1
        var tail = -1

        mutating func unlink(_ position: Int) {
            let node = nodes[position]
            if node.previous >= 0 { nodes[node.previous].next = node.next } else { head = node.next }
            if node.next >= 0 { nodes[node.next].previous = node.previous } else { tail = node.previous }
        }

        mutating func pushFront(_ position: Int) {
            nodes[position].previous = -1
            nodes[position].next = head
            if head >= 0 { nodes[head].previous = position }
            head = position
            if tail < 0 { tail = position }
        }

        mutating func remove(_ position: Int) {
            unlink(position)
            index.removeValue(forKey: nodes[position].key)
            free.append(position)
        }
    }

    /// The most entries kept.
    public let capacity: Int
    /// Entries older than this many seconds are not served; `nil`: any age.
    public let maxAge: Double?
    private let clock: any ResilienceClock
    private let state = Mutex(State())

    /// Creates an empty cache.
    public init(capacity: Int, maxAge: Double? = nil, clock: any ResilienceClock = SystemClock()) {
        self.capacity = max(0, capacity)
        self.maxAge = maxAge
        self.clock = clock
    }

    /// Number of entries.
    public var count: Int { state.withLock { $0.index.count } }

    /// The entry for `key`, which becomes the most recently used.
    public func value(for key: RequestFingerprint) -> Entry? {
        let now = clock.now
        let found = state.withLock { state -> (Value, Double)? in
            guard let position = state.index[key] else { return nil }
            let node = state.nodes[position]
            if let maxAge, now - node.storedAt > maxAge {
                state.remove(position)
                return nil
            }
            state.unlink(position)
            state.pushFront(position)
            return (node.value, node.storedAt)
        }
        guard let (value, storedAt) = found else { return nil }
        return Entry(value: value, storedAt: clock.wallTime(at: storedAt), age: now - storedAt)
    }

    /// Stores `value` for `key` as the most recently used entry, evicting the least recently used one
    /// when the cache is full.
    public func store(_ value: Value, for key: RequestFingerprint) {
        guard capacity > 0 else { return }
        let now = clock.now
        state.withLock { state in
            if let position = state.index[key] {
                state.nodes[position].value = value
                state.nodes[position].storedAt = now
                state.unlink(position)
                state.pushFront(position)
                return
            }
            if state.index.count >= capacity, state.tail >= 0 {
                state.remove(state.tail)
            }
            let node = Node(key: key, value: value, storedAt: now, previous: -1, next: -1)
            let position: Int
            if let reused = state.free.popLast() {
                state.nodes[reused] = node
                position = reused
            } else {
                state.nodes.append(node)
                position = state.nodes.count - 1
            }
            state.index[key] = position
            state.pushFront(position)
        }
    }

    /// Removes the entry for `key`.
    public func removeValue(for key: RequestFingerprint) {
        state.withLock { state in
            if let position = state.index[key] { state.remove(position) }
        }
    }

    /// The keys from most to least recently used.
    public var keysByRecency: [RequestFingerprint] {
        state.withLock { state in
            var keys: [RequestFingerprint] = []
            var position = state.head
            while position >= 0 {
                keys.append(state.nodes[position].key)
                position = state.nodes[position].next
            }
            return keys
        }
    }
}

/// How a request is treated when every provider is down.
public enum RequestPriority: Int, Sendable, Hashable, Comparable, CaseIterable {
    /// May wait in degraded mode's queue until a provider recovers or its deadline passes.
    case low
    /// Fails fast in degraded mode (unless a cached answer serves it).
    case normal
    /// Fails fast in degraded mode (unless a cached answer serves it).
    case high

    public static func < (lhs: RequestPriority, rhs: RequestPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A request's options that matter in degraded mode.
public struct DegradedRequestOptions: Sendable, Hashable {
    /// Whether the last good answer to the same request may be served from the cache.
    public var cacheable: Bool
    /// Only `low` requests wait in the queue.
    public var priority: RequestPriority
    /// The latest ``ResilienceClock/now`` at which the request is still wanted; `nil`: only
    /// ``DegradedMode/Configuration/maxQueueWait`` bounds the wait.
    public var deadline: Double?

    /// Creates options.
    public init(cacheable: Bool = false, priority: RequestPriority = .normal, deadline: Double? = nil) {
        self.cacheable = cacheable
        self.priority = priority
        self.deadline = deadline
    }
}

/// A cached answer served in degraded mode.
public struct CachedResponse: Sendable, Hashable {
    /// The answer.
    public var result: ChatResult
    /// The provider that gave it, when known.
    public var provider: String?
    /// Unix time when it was cached.
    public var storedAt: Double
    /// Seconds since it was cached.
    public var age: Double

    /// Creates a value.
    public init(result: ChatResult, provider: String?, storedAt: Double, age: Double) {
        self.result = result
        self.provider = provider
        self.storedAt = storedAt
        self.age = age
    }
}

/// The answer of ``DegradedMode/admit(_:options:)``.
public enum DegradedAdmission: Sendable, Hashable {
    /// Call the providers: degraded mode is off, or a provider recovered after `waited` seconds in the
    /// queue (0 when the request did not wait).
    case proceed(waited: Double)
    /// Serve this cached answer instead of calling anyone.
    case cached(CachedResponse)
}

/// Why degraded mode refused a request. The message lists the providers that are down and since when.
public struct DegradedModeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal.
    public enum Code: String, Sendable, Hashable {
        /// Every provider is down and the request can neither be served from the cache nor wait.
        case allProvidersDown = "all_providers_down"
        /// The request could wait, but the waiting queue is full.
        case queueFull = "degraded_queue_full"
        /// The request waited (or would have had to wait) past its deadline.
        case deadlineExceeded = "degraded_deadline_exceeded"
    }

    /// The kind of refusal.
    public var code: Code
    /// The providers' outage statuses, in configuration order.
    public var downProviders: [OutageStatus]
    /// Seconds the request waited in the queue.
    public var waited: Double

    /// Creates an error.
    public init(code: Code, downProviders: [OutageStatus], waited: Double = 0) {
        self.code = code
        self.downProviders = downProviders
        self.waited = waited
    }

    public var description: String {
        let providers = downProviders.map(\.description).joined(separator: "; ")
        let prefix: String
        switch code {
        case .allProvidersDown:
            prefix = "all providers are down"
        case .queueFull:
            prefix = "all providers are down and the degraded-mode queue is full"
        case .deadlineExceeded:
            let waitedText = (waited * 1000).rounded() / 1000
            prefix = "all providers are down and none recovered before the request's deadline (waited \(waitedText) s)"
        }
        return "\(prefix): \(providers)"
    }
}

/// Degraded mode was entered or left.
public struct DegradedModeEvent: Sendable, Hashable, CustomStringConvertible {
    /// Whether degraded mode is now on.
    public var active: Bool
    /// The providers' statuses at the change.
    public var providers: [OutageStatus]
    /// Unix time of the change.
    public var timestamp: Double

    public var description: String {
        active
            ? "degraded mode on: \(providers.map(\.description).joined(separator: "; "))"
            : "degraded mode off"
    }
}

/// What the client does when every provider is in a prolonged outage (the guide's degraded mode).
///
/// Feed it every provider's ``OutageStatus`` (``update(_:)``, from ``OutageDetector`` events); it is
/// active while each configured provider is at ``OutageSeverity/prolonged``. Remember good answers
/// with ``remember(_:for:provider:)``. Then ask ``admit(_:options:)`` before calling the providers:
///
/// 1. not active: proceed;
/// 2. a cacheable request with a cached answer: the answer (the least recently used of
///    `cacheCapacity` answers is evicted first);
/// 3. a `low`-priority request: waits in a queue of at most `queueCapacity` until any provider recovers
///    (proceed) or its deadline passes (``DegradedModeError/Code/deadlineExceeded``); a full queue
///    refuses at once (``DegradedModeError/Code/queueFull``);
/// 4. anything else fails fast with ``DegradedModeError/Code/allProvidersDown``, whose message lists
///    the providers that are down and since when.
public final class DegradedMode: Sendable {
    /// Bounds of the cache and the queue.
    public struct Configuration: Sendable, Hashable {
        /// Answers kept for cacheable requests.
        public var cacheCapacity: Int
        /// Cached answers older than this many seconds are not served; `nil`: any age.
        public var cacheMaxAge: Double?
        /// Low-priority requests that may wait at once.
        public var queueCapacity: Int
        /// The longest a queued request waits when its own deadline is later or absent, in seconds.
        public var maxQueueWait: Double

        /// Creates a configuration.
        public init(
            cacheCapacity: Int = 256, cacheMaxAge: Double? = nil, queueCapacity: Int = 64, maxQueueWait: Double = 300
        ) {
            self.cacheCapacity = cacheCapacity
            self.cacheMaxAge = cacheMaxAge
            self.queueCapacity = queueCapacity
            self.maxQueueWait = maxQueueWait
        }
    }

    private struct Cached: Sendable {
        var result: ChatResult
        var provider: String?
    }

    private struct State {
        var providers: [String]
        var statuses: [String: OutageStatus] = [:]
        var active = false
        var queued = 0
    }

    /// The bounds.
    public let configuration: Configuration
    private let clock: any ResilienceClock
    private let cache: ResponseCache<Cached>
    private let state: Mutex<State>
    /// `state.active`, readable without the lock: every request asks, and degraded mode is rarely on.
    private let activeNow = Atomic<Bool>(false)
    private let recovery = ChangeSignal()
    private let broadcaster: EventBroadcaster<DegradedModeEvent>

    /// Creates degraded mode for `providers` (all healthy until ``update(_:)`` says otherwise);
    /// `onChange` is told when it turns on or off.
    public init(
        providers: [String], configuration: Configuration = Configuration(), clock: any ResilienceClock = SystemClock(),
        onChange: (@Sendable (DegradedModeEvent) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.clock = clock
        self.cache = ResponseCache(
            capacity: configuration.cacheCapacity, maxAge: configuration.cacheMaxAge, clock: clock)
        self.state = Mutex(State(providers: providers))
        self.broadcaster = EventBroadcaster(handler: onChange)
    }

    /// A stream of the on/off changes from now on.
    public func events() -> AsyncStream<DegradedModeEvent> {
        broadcaster.stream()
    }

    /// Records a provider's outage status (a provider not given at creation is added); turns degraded
    /// mode on when every provider is prolonged, and off, waking the queue, when one is no longer.
    public func update(_ status: OutageStatus) {
        let now = clock.now
        let recovered = state.withLock { state -> Bool in
            if !state.providers.contains(status.provider) { state.providers.append(status.provider) }
            state.statuses[status.provider] = status
            let active =
                !state.providers.isEmpty
                && state.providers.allSatisfy { state.statuses[$0]?.severity == .prolonged }
            guard active != state.active else { return false }
            state.active = active
            activeNow.store(active, ordering: .releasing)
            broadcaster.enqueue(
                CollectionOfOne(
                    DegradedModeEvent(active: active, providers: statuses(state), timestamp: clock.wallTime(at: now))))
            return !active
        }
        if recovered { recovery.fire() }
        broadcaster.deliver()
    }

    /// Whether degraded mode is on.
    public var isActive: Bool { activeNow.load(ordering: .acquiring) }

    /// The providers' last reported statuses, in configuration order.
    public func providerStatuses() -> [OutageStatus] {
        state.withLock { statuses($0) }
    }

    /// Low-priority requests waiting now.
    public var queuedCount: Int { state.withLock { $0.queued } }

    /// Answers in the cache.
    public var cachedCount: Int { cache.count }

    /// Caches a good answer for the request with this fingerprint (call on every success of a
    /// cacheable request).
    public func remember(_ result: ChatResult, for fingerprint: RequestFingerprint, provider: String? = nil) {
        cache.store(Cached(result: result, provider: provider), for: fingerprint)
    }

    /// The cached answer for the fingerprint, if any.
    public func cachedResponse(for fingerprint: RequestFingerprint) -> CachedResponse? {
        cache.value(for: fingerprint).map {
            CachedResponse(result: $0.value.result, provider: $0.value.provider, storedAt: $0.storedAt, age: $0.age)
        }
    }

    /// Decides how a request goes on; see the type's documentation.
    ///
    /// - Throws: ``DegradedModeError`` when the request is refused or its wait ends without recovery;
    ///   `CancellationError` when the task is cancelled while queued.
    public func admit(_ fingerprint: RequestFingerprint?, options: DegradedRequestOptions) async throws
        -> DegradedAdmission
    {
        enum Step {
            case proceed
            case cached(CachedResponse)
            case wait(epoch: UInt64, deadline: Double)
            case refuse(DegradedModeError)
        }
        // Off, the usual case: no lock (a request racing the switch proceeds, as it would a moment earlier).
        guard activeNow.load(ordering: .acquiring) else { return .proceed(waited: 0) }
        let start = clock.now
        let step = state.withLock { state -> Step in
            guard state.active else { return .proceed }
            if options.cacheable, let fingerprint, let cached = cachedResponse(for: fingerprint) {
                return .cached(cached)
            }
            guard options.priority == .low else {
                return .refuse(DegradedModeError(code: .allProvidersDown, downProviders: statuses(state), waited: 0))
            }
            let deadline = min(options.deadline ?? .infinity, start + max(0, configuration.maxQueueWait))
            guard deadline > start else {
                return .refuse(DegradedModeError(code: .deadlineExceeded, downProviders: statuses(state), waited: 0))
            }
            guard state.queued < configuration.queueCapacity else {
                return .refuse(DegradedModeError(code: .queueFull, downProviders: statuses(state), waited: 0))
            }
            state.queued += 1
            return .wait(epoch: recovery.epoch, deadline: deadline)
        }
        switch step {
        case .proceed:
            return .proceed(waited: 0)
        case .cached(let cached):
            return .cached(cached)
        case .refuse(let error):
            throw error
        case .wait(let epoch, let deadline):
            defer { state.withLock { $0.queued -= 1 } }
            let recovered = try await recovery.wait(observedEpoch: epoch, timeout: deadline - clock.now, clock: clock)
            let waited = clock.now - start
            guard recovered else {
                throw DegradedModeError(code: .deadlineExceeded, downProviders: providerStatuses(), waited: waited)
            }
            return .proceed(waited: waited)
        }
    }

    private func statuses(_ state: State) -> [OutageStatus] {
        state.providers.map {
            state.statuses[$0]
                ?? OutageStatus(
                    provider: $0, severity: .none, failures: 0, since: nil, duration: nil, windowSeconds: 0)
        }
    }
}

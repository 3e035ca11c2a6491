/// The ground truth: every provider request the simulator received, by provider, the status it sent
/// and the fault it applied. A client's own metrics are checked against these counts.
///
/// The status is what went on the wire: `200` for a stream that later stalled, failed mid-way, was
/// truncated or reset; `0` for a connection closed before any response. Requests the router could not
/// attribute to a provider (unknown paths) are not counted.
public struct SimulatorStats: Sendable, Equatable {
    /// One combination of provider, status and fault.
    public struct Key: Sendable, Hashable, Comparable {
        /// The provider.
        public var provider: SimulatedProvider
        /// The status sent (`0` when none).
        public var status: Int
        /// The fault applied.
        public var fault: SimulatedFault

        /// Creates a key.
        public init(provider: SimulatedProvider, status: Int, fault: SimulatedFault) {
            self.provider = provider
            self.status = status
            self.fault = fault
        }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.provider.rawValue, lhs.status, lhs.fault.rawValue) < (
                rhs.provider.rawValue, rhs.status, rhs.fault.rawValue
            )
        }
    }

    /// Totals of one provider.
    public struct ProviderTotals: Sendable, Equatable {
        /// Requests received.
        public var requests = 0
        /// Of those, streaming requests.
        public var streams = 0
        /// Input tokens of requests answered completely (fault `none` or `stall`).
        public var inputTokens = 0
        /// Output tokens of requests answered completely (fault `none` or `stall`).
        public var outputTokens = 0

        /// Creates totals.
        public init(requests: Int = 0, streams: Int = 0, inputTokens: Int = 0, outputTokens: Int = 0) {
            self.requests = requests
            self.streams = streams
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
        }
    }

    /// Requests per key.
    public var counts: [Key: Int]
    /// Totals per provider (every provider present).
    public var providers: [SimulatedProvider: ProviderTotals]
    /// Seconds since the simulator started or was last reset.
    public var elapsedSeconds: Double
    /// The seed in use.
    public var seed: UInt64
    /// The scenario's name.
    public var scenarioName: String?
    /// Connections the client closed while the simulator still worked on its request (a slow answer
    /// or a stream the client gave up on): the client cancelled its in-flight HTTP request. On Linux the
    /// connection's socket is watched with `poll(2)`; elsewhere only streams are counted (their producer's
    /// write fails).
    public var clientAborts = 0
    /// When each of the first 4,096 of those closes was seen (as the kernel reported it, when the
    /// watching thread got the CPU).
    public var clientAbortTimes: [ContinuousClock.Instant] = []

    /// Empty stats.
    public init(seed: UInt64 = 0, scenarioName: String? = nil) {
        counts = [:]
        providers = Dictionary(uniqueKeysWithValues: SimulatedProvider.allCases.map { ($0, ProviderTotals()) })
        elapsedSeconds = 0
        self.seed = seed
        self.scenarioName = scenarioName
    }

    /// Every request received.
    public var total: Int { counts.values.reduce(0, +) }

    /// Requests matching every given filter (`nil` matches anything).
    public func count(provider: SimulatedProvider? = nil, status: Int? = nil, fault: SimulatedFault? = nil) -> Int {
        counts.reduce(0) { sum, entry in
            let key = entry.key
            if let provider, key.provider != provider { return sum }
            if let status, key.status != status { return sum }
            if let fault, key.fault != fault { return sum }
            return sum + entry.value
        }
    }

    mutating func record(
        _ provider: SimulatedProvider,
        status: Int,
        fault: SimulatedFault,
        isStream: Bool,
        tokens: (input: Int, output: Int)? = nil
    ) {
        counts[Key(provider: provider, status: status, fault: fault), default: 0] += 1
        var totals = providers[provider] ?? ProviderTotals()
        totals.requests += 1
        if isStream { totals.streams += 1 }
        if let tokens, fault == .none || fault == .stall {
            totals.inputTokens += tokens.input
            totals.outputTokens += tokens.output
        }
        providers[provider] = totals
    }

    /// The stats as served by `GET /simulator/stats`:
    ///
    /// ```json
    /// {"scenario": "demo", "seed": 42, "elapsed_seconds": 12.5, "total": 7,
    ///  "providers": {"openai": {"requests": 5, "streams": 2, "input_tokens": 50, "output_tokens": 61,
    ///                           "by_status": {"200": 3, "429": 2}, "by_fault": {"none": 3, "status": 2}}, …},
    ///  "counts": [{"provider": "openai", "status": 200, "fault": "none", "count": 3}, …]}
    /// ```
    public var json: String {
        var providerParts: [String] = []
        for provider in SimulatedProvider.allCases {
            let totals = providers[provider] ?? ProviderTotals()
            let mine = counts.filter { $0.key.provider == provider }
            var byStatus: [Int: Int] = [:]
            var byFault: [String: Int] = [:]
            for (key, value) in mine {
                byStatus[key.status, default: 0] += value
                byFault[key.fault.rawValue, default: 0] += value
            }
            let statusText = byStatus.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(
                separator: ", ")
            let faultText = byFault.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(
                separator: ", ")
            providerParts.append(
                "    \"\(provider.rawValue)\": {\"requests\": \(totals.requests), \"streams\": \(totals.streams), "
                    + "\"input_tokens\": \(totals.inputTokens), \"output_tokens\": \(totals.outputTokens), "
                    + "\"by_status\": {\(statusText)}, \"by_fault\": {\(faultText)}}"
            )
        }
        let countParts = counts.sorted { $0.key < $1.key }.map { key, value in
            "    {\"provider\": \"\(key.provider.rawValue)\", \"status\": \(key.status), \"fault\": \"\(key.fault.rawValue)\", \"count\": \(value)}"
        }
        let name = scenarioName.map(JSONText.quoted) ?? "null"
        let elapsed = (elapsedSeconds * 1000).rounded() / 1000
        return """
            {
              "scenario": \(name),
              "seed": \(seed),
              "elapsed_seconds": \(elapsed),
              "total": \(total),
              "client_aborts": \(clientAborts),
              "providers": {
            \(providerParts.joined(separator: ",\n"))
              },
              "counts": [\(countParts.isEmpty ? "" : "\n" + countParts.joined(separator: ",\n") + "\n  ")]
            }

            """
    }
}

import Foundation
import Yams

extension Scenario: Decodable {
    /// Reads a scenario from YAML or JSON (through `Decoder`); see ``Scenario`` for the keys.
    public init(from decoder: any Decoder) throws {
        let map = try ScenarioMapping(decoder, allowed: ["name", "seed", "cycle_seconds", "providers"])
        self.init()
        name = try map.value(String.self, "name")
        seed = try map.value(UInt64.self, "seed")
        cycleSeconds = try map.value(Double.self, "cycle_seconds")
        if let cycleSeconds, cycleSeconds <= 0 {
            throw map.fail("cycle_seconds", "must be positive")
        }
        if map.has("providers") {
            let providersDecoder = try map.container.superDecoder(forKey: AnyCodingKey("providers"))
            let providerMap = try ScenarioMapping(providersDecoder, allowed: SimulatedProvider.allCases.map(\.rawValue))
            for provider in SimulatedProvider.allCases {
                if let script = try providerMap.value(ProviderScenario.self, provider.rawValue) {
                    providers[provider] = script
                }
            }
        }
    }

    /// Reads a YAML scenario (JSON is accepted too, being YAML).
    public init(yaml: String) throws(ScenarioError) {
        try self.init(yaml: yaml, file: nil)
    }

    /// Checks what decoding alone cannot: that every status variant names a fixture of its provider
    /// (e.g. `429-insufficient_quota` exists for OpenAI only).
    public func validate() throws(ScenarioError) {
        for provider in SimulatedProvider.allCases {
            let script = self[provider]
            var rules = script.faults.enumerated().map {
                ("providers.\(provider.rawValue).faults[\($0.offset)]", $0.element)
            }
            for (phaseIndex, phase) in script.phases.enumerated() {
                rules += phase.faults.enumerated().map {
                    ("providers.\(provider.rawValue).phases[\(phaseIndex)].faults[\($0.offset)]", $0.element)
                }
            }
            for (path, rule) in rules {
                var statuses: [ErrorStatus] = []
                switch rule.effect {
                case .status(let status): statuses = [status]
                case .sequence(let steps):
                    statuses = steps.compactMap { if case .error(let status) = $0 { status } else { nil } }
                default: break
                }
                for status in statuses where !ErrorReplies.isServable(provider, status) {
                    let variants = WireFixtures.errors.filter { $0.provider == provider && $0.status == status.code }
                        .map { String($0.file.prefix { $0 != "." }) }
                    throw ScenarioError(
                        path: path,
                        message:
                            "\(provider.rawValue) has no fixture \(status); known: \(variants.isEmpty ? "none" : variants.joined(separator: ", ")), or \(status.code)-html"
                    )
                }
                if let probability = rule.probability, !(0...1).contains(probability) {
                    throw ScenarioError(path: path, message: "probability must be between 0 and 1")
                }
            }
        }
    }

    /// Reads a JSON scenario.
    public init(json: String) throws(ScenarioError) {
        do {
            self = try JSONDecoder().decode(Scenario.self, from: Data(json.utf8))
            try validate()
        } catch let error as ScenarioError {
            throw error
        } catch let error as DecodingError {
            throw ScenarioError(decoding: error, file: nil)
        } catch {
            throw ScenarioError(path: "", message: "\(error)")
        }
    }

    /// Reads a scenario file: JSON when the name ends in `.json`, YAML otherwise.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, path: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        if path.lowercased().hasSuffix(".json") {
            do {
                return try Scenario(json: text)
            } catch {
                var error = error
                error.file = path
                throw error
            }
        }
        return try Scenario(yaml: text, file: path)
    }

    private init(yaml: String, file: String?) throws(ScenarioError) {
        do {
            if yaml.allSatisfy({ $0.isWhitespace }) {
                self.init()
                return
            }
            self = try YAMLDecoder().decode(Scenario.self, from: yaml)
            try validate()
        } catch var error as ScenarioError {
            error.file = file
            throw error
        } catch let error as DecodingError {
            throw ScenarioError(decoding: error, file: file)
        } catch {
            throw ScenarioError(file: file, path: "", message: "\(error)")
        }
    }
}

extension ProviderScenario: Decodable {
    private static let keys = [
        "latency", "time_to_first_token_ms", "inter_chunk_ms", "rate_limits", "faults", "phases", "reply",
        "reply_words", "words_per_chunk", "ping", "line_ending", "invalid_key_marker", "valid_keys",
        "known_models", "thinking_tokens",
    ]

    /// Reads a provider script; see ``Scenario`` for the keys.
    public init(from decoder: any Decoder) throws {
        let map = try ScenarioMapping(decoder, allowed: Self.keys)
        self.init()
        latency = try map.value(LatencyDistribution.self, "latency")
        timeToFirstToken = try map.value(LatencyDistribution.self, "time_to_first_token_ms")
        interChunk = try map.value(LatencyDistribution.self, "inter_chunk_ms")
        rateLimits = try map.value(RateLimits.self, "rate_limits")
        faults = try map.value([FaultRule].self, "faults") ?? []
        phases = try map.value([Phase].self, "phases") ?? []
        reply = try map.value(String.self, "reply")
        if map.has("reply_words") {
            if let count = try? map.value(Int.self, "reply_words") {
                replyWords = count...count
            } else if let range = try map.value([Int].self, "reply_words"), range.count == 2, range[0] <= range[1] {
                replyWords = range[0]...range[1]
            } else {
                throw map.fail("reply_words", "expected a number or [min, max]")
            }
            guard replyWords.lowerBound >= 1 else { throw map.fail("reply_words", "must be at least 1") }
        }
        wordsPerChunk = try map.value(Int.self, "words_per_chunk") ?? wordsPerChunk
        guard wordsPerChunk >= 1 else { throw map.fail("words_per_chunk", "must be at least 1") }
        ping = try map.value(Bool.self, "ping") ?? ping
        lineEnding = try map.value(LineEnding.self, "line_ending") ?? lineEnding
        invalidKeyMarker = try map.value(String.self, "invalid_key_marker") ?? invalidKeyMarker
        validKeys = try map.value([String].self, "valid_keys")
        knownModels = try map.value([String].self, "known_models")
        thinkingTokens = try map.value(Int.self, "thinking_tokens") ?? thinkingTokens
        guard thinkingTokens >= 0 else { throw map.fail("thinking_tokens", "must not be negative") }
    }
}

extension Phase: Decodable {
    /// Reads a phase: `name`, `from_seconds` (or `from`), `until_seconds` (or `until`), `faults`,
    /// `latency`, `time_to_first_token_ms`, `inter_chunk_ms`, `status` (the status page's indicator).
    public init(from decoder: any Decoder) throws {
        let map = try ScenarioMapping(
            decoder,
            allowed: [
                "name", "from_seconds", "from", "until_seconds", "until", "faults", "latency",
                "time_to_first_token_ms", "inter_chunk_ms", "status",
            ]
        )
        self.init(fromSeconds: try map.value(Double.self, ["from_seconds", "from"]) ?? 0)
        name = try map.value(String.self, "name")
        untilSeconds = try map.value(Double.self, ["until_seconds", "until"])
        if let untilSeconds, untilSeconds <= fromSeconds {
            throw map.fail(map.has("until") ? "until" : "until_seconds", "must be after from_seconds")
        }
        faults = try map.value([FaultRule].self, "faults") ?? []
        latency = try map.value(LatencyDistribution.self, "latency")
        timeToFirstToken = try map.value(LatencyDistribution.self, "time_to_first_token_ms")
        interChunk = try map.value(LatencyDistribution.self, "inter_chunk_ms")
        if let text = try map.value(String.self, "status") {
            guard let indicator = StatusPageIndicator(rawValue: text) else {
                throw map.fail(
                    "status", "'\(text)' is not a status page indicator; expected \(StatusPageIndicator.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = indicator
        }
    }
}

extension RateLimits: Decodable {
    /// Reads limits: `rpm`, `tpm`, `input_tpm`, `output_tpm`, `window_seconds`.
    public init(from decoder: any Decoder) throws {
        let map = try ScenarioMapping(decoder, allowed: ["rpm", "tpm", "input_tpm", "output_tpm", "window_seconds"])
        self.init(
            rpm: try map.value(Int.self, "rpm"),
            tpm: try map.value(Int.self, "tpm"),
            inputTPM: try map.value(Int.self, "input_tpm"),
            outputTPM: try map.value(Int.self, "output_tpm"),
            windowSeconds: try map.value(Double.self, "window_seconds") ?? 60
        )
        for (key, value) in [("rpm", rpm), ("tpm", tpm), ("input_tpm", inputTPM), ("output_tpm", outputTPM)] {
            if let value, value < 0 { throw map.fail(key, "must not be negative (0 is unlimited)") }
        }
        guard windowSeconds > 0 else { throw map.fail("window_seconds", "must be positive") }
    }
}

extension LatencyDistribution: Decodable {
    /// Reads a number of milliseconds (fixed) or a mapping with `distribution` and its parameters.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let ms = try? single.decode(Double.self) {
            guard ms >= 0 else {
                throw DecodingError.dataCorruptedError(in: single, debugDescription: "a delay must not be negative")
            }
            self = .fixed(ms)
            return
        }
        let map = try ScenarioMapping(
            decoder,
            allowed: ["distribution", "ms", "min_ms", "max_ms", "mean_ms", "stddev_ms", "median_ms", "sigma"]
        )
        let kind: Kind
        if let name = try map.value(String.self, "distribution") {
            guard let parsed = Kind(rawValue: name.lowercased()) else {
                throw map.fail("distribution", "expected fixed, uniform, normal or lognormal, not '\(name)'")
            }
            kind = parsed
        } else {
            kind = map.has("mean_ms") ? .normal : map.has("median_ms") ? .lognormal : map.has("ms") ? .fixed : .uniform
        }
        self.init(
            kind: kind,
            ms: try map.value(Double.self, "ms"),
            minMs: try map.value(Double.self, "min_ms"),
            maxMs: try map.value(Double.self, "max_ms"),
            meanMs: try map.value(Double.self, "mean_ms"),
            stddevMs: try map.value(Double.self, "stddev_ms"),
            medianMs: try map.value(Double.self, "median_ms"),
            sigma: try map.value(Double.self, "sigma")
        )
        let required: [String] =
            switch kind {
            case .fixed: ["ms"]
            case .uniform: ["min_ms", "max_ms"]
            case .normal: ["mean_ms", "stddev_ms"]
            case .lognormal: ["median_ms", "sigma"]
            }
        for key in required where !map.has(key) {
            throw map.fail(
                "distribution", "a \(kind.rawValue) distribution needs \(required.joined(separator: " and "))")
        }
        if let minMs, let maxMs, minMs > maxMs { throw map.fail("max_ms", "must not be below min_ms") }
    }
}

extension FaultRule: Decodable {
    private static let effectKeys = [
        "status", "statuses", "sequence", "html_error", "reset", "stall_after_chunks", "error_after_chunks",
        "truncate_after_chunks", "reset_after_chunks", "slow", "safety_block",
    ]
    private static let modifierKeys = [
        "name", "probability", "times", "repeat", "model", "stream", "retry_after", "retry_after_ms", "should_retry",
        "latency", "stall_seconds", "safety_probability", "safety_stage",
    ]

    /// Reads a rule: exactly one effect key and any modifiers; see ``Scenario``.
    public init(from decoder: any Decoder) throws {
        let map = try ScenarioMapping(decoder, allowed: Self.effectKeys + Self.modifierKeys)
        let present = Self.effectKeys.filter { map.has($0) }
        guard present.count == 1, let key = present.first else {
            let message =
                present.isEmpty
                ? "a fault needs one effect: \(Self.effectKeys.joined(separator: ", "))"
                : "a fault has one effect, not \(present.joined(separator: " and ")); write two rules"
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
        }
        let effect: Effect
        switch key {
        case "status":
            let status = try Self.status(map, key)
            guard status.code >= 400 else {
                throw map.fail(key, "an error status is 400 or more; use statuses for ok steps")
            }
            effect = .status(status)
        case "html_error":
            guard let code = try map.value(Int.self, key), (400...599).contains(code) else {
                throw map.fail(key, "expected an error status such as 502")
            }
            effect = .status(.html(code))
        case "statuses", "sequence":
            let steps = try map.value([SequenceStep].self, key) ?? []
            guard !steps.isEmpty else { throw map.fail(key, "a sequence needs at least one step") }
            effect = .sequence(steps)
        case "reset":
            guard try map.value(Bool.self, key) == true else { throw map.fail(key, "write reset: true") }
            effect = .reset
        case "slow":
            guard try map.value(Bool.self, key) == true, map.has("latency") else {
                throw map.fail(key, "write slow: true with a latency")
            }
            effect = .slow
        case "stall_after_chunks":
            effect = .stall(
                afterChunks: try Self.chunks(map, key),
                seconds: try map.value(Double.self, "stall_seconds") ?? 30
            )
        case "error_after_chunks":
            effect = .midStreamError(afterChunks: try Self.chunks(map, key))
        case "truncate_after_chunks":
            effect = .truncate(afterChunks: try Self.chunks(map, key))
        case "safety_block":
            effect = .safetyBlock(try Self.safetyBlock(map, key))
        default:
            effect = .resetAfterChunks(try Self.chunks(map, key))
        }
        if map.has("stall_seconds"), key != "stall_after_chunks" {
            throw map.fail("stall_seconds", "only with stall_after_chunks")
        }
        for modifier in ["safety_probability", "safety_stage"] where map.has(modifier) && key != "safety_block" {
            throw map.fail(modifier, "only with safety_block")
        }
        self.init(
            effect: effect,
            name: try map.value(String.self, "name"),
            probability: try map.value(Double.self, "probability"),
            times: try map.value(Int.self, "times"),
            repeats: try map.value(Bool.self, "repeat") ?? false,
            model: try map.value(String.self, "model"),
            stream: try map.value(Bool.self, "stream"),
            retryAfter: try map.value(Double.self, "retry_after"),
            retryAfterMs: try map.value(Double.self, "retry_after_ms"),
            shouldRetry: try map.value(Bool.self, "should_retry"),
            latency: try map.value(LatencyDistribution.self, "latency")
        )
        if let probability, !(0...1).contains(probability) { throw map.fail("probability", "must be between 0 and 1") }
        if probability != nil, case .sequence = effect {
            throw map.fail("probability", "a sequence is consumed one step per request; it takes no probability")
        }
        if let times, times < 1 { throw map.fail("times", "must be at least 1") }
        if case .stall(_, let seconds) = effect, seconds < 0 { throw map.fail("stall_seconds", "must not be negative") }
        if let retryAfter, retryAfter < 0 { throw map.fail("retry_after", "must not be negative") }
        if let retryAfterMs, retryAfterMs < 0 { throw map.fail("retry_after_ms", "must not be negative") }
    }

    private static func status(_ map: ScenarioMapping, _ key: String) throws -> ErrorStatus {
        if let code = try? map.value(Int.self, key) { return ErrorStatus(code) }
        guard let text = try map.value(String.self, key), let status = ErrorStatus(parsing: text) else {
            throw map.fail(key, "expected a status such as 503, \"429-insufficient_quota\" or \"502-html\"")
        }
        return status
    }

    private static func safetyBlock(_ map: ScenarioMapping, _ key: String) throws -> SafetyBlock {
        guard let category = try map.value(String.self, key), SafetyBlock.knownCategories.contains(category) else {
            throw map.fail(key, "expected a harm category: \(SafetyBlock.knownCategories.sorted().joined(separator: ", "))")
        }
        var block = SafetyBlock(category: category)
        if let probability = try map.value(String.self, "safety_probability") {
            guard SafetyBlock.probabilities.contains(probability) else {
                throw map.fail("safety_probability", "expected \(SafetyBlock.probabilities.joined(separator: ", "))")
            }
            block.probability = probability
        }
        if let stage = try map.value(String.self, "safety_stage") {
            guard let value = SafetyBlock.Stage(rawValue: stage) else {
                throw map.fail("safety_stage", "expected prompt or response")
            }
            block.stage = value
        }
        return block
    }

    private static func chunks(_ map: ScenarioMapping, _ key: String) throws -> Int {
        guard let count = try map.value(Int.self, key), count >= 0 else {
            throw map.fail(key, "expected a number of chunks, 0 or more")
        }
        return count
    }
}

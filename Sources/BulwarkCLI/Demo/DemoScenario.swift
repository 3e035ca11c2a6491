import BulwarkSimulator

/// The built-in scenario of `bulwark demo`, and the helpers that read and stretch a scenario's timeline.
///
/// The scenario is kept as YAML, in the format `--scenario` reads, so `bulwark demo --print-scenario`
/// gives users a file to copy and edit.
enum DemoScenario {
    /// The length of the built-in timeline, in seconds (it repeats).
    static let cycleSeconds = 240.0

    /// The built-in scenario, as a scenario file.
    static let yaml = """
        # The built-in scenario of `bulwark demo`: a 240-second timeline that repeats.
        # Copy it (bulwark demo --print-scenario > my.yaml), edit it, run `bulwark demo --scenario my.yaml`.
        #
        #     0-30 s   steady traffic; openai is the primary, anthropic and google the fallbacks
        #    30-60 s   429 storm on openai with Retry-After: 1 (retries, then fallbacks once the retry budget is spent)
        #   70-115 s   openai outage: 503, 500 and Cloudflare 502 pages; its breaker opens, traffic falls back to
        #              anthropic, half-open trials fail until the outage ends, then close the breaker again
        #  135-175 s   latency spike on openai (P95 well above 10 s)
        #  190-220 s   openai streams that stall, carry an error event, are cut or end without a terminator
        #  all along   spend climbs; at the default --rate it passes the demo's $0.50 daily budget in the first cycle
        #  all along   a slow tail: 5 % of openai's answers take 2.3-6 s; the client's hedging (2 s delay, at most
        #              10 % of requests) sends those a hedge to anthropic: it wins when openai is slower still,
        #              and loses (and is cancelled) when openai answers first; during the latency spike the
        #              hedge budget runs out, so most spike requests wait. (The tail starts 0.3 s after the
        #              delay, so a hedge has reached the simulator before it can lose.)
        #  all along   callers who give up (not part of this file: the demo's traffic): 3 % go away early (a
        #              unary caller after 0.1-1 s, a stream reader after a few pieces of text) and 10 % have an
        #              8 s deadline, which passes during the latency spike; those requests end `cancelled`,
        #              which is not an error (no retry, fallback, breaker count or error-rate alert)
        #
        # Each provider's status page (/status/{provider}/api/v2/summary.json, polled by the exporter) follows the
        # phases: minor during the 429 storm, the latency spike and the broken streams, major during the outage
        # (a rule that fails every request); a phase's `status: none|minor|major|critical` says it explicitly.
        name: bulwark-demo
        seed: 42
        cycle_seconds: 240
        providers:
          openai:
            latency: {distribution: normal, mean_ms: 350, stddev_ms: 120, min_ms: 60}
            time_to_first_token_ms: {distribution: uniform, min_ms: 150, max_ms: 600}
            inter_chunk_ms: {distribution: uniform, min_ms: 5, max_ms: 25}
            reply_words: [30, 90]
            words_per_chunk: 2
            rate_limits: {rpm: 900, tpm: 400000}
            faults:
              - {slow: true, probability: 0.05, latency: {distribution: uniform, min_ms: 2300, max_ms: 6000}}
            phases:
              - name: 429 storm
                from_seconds: 30
                until_seconds: 60
                faults:
                  - {status: 429, probability: 0.5, retry_after: 1}
              - name: 5xx outage
                from_seconds: 70
                until_seconds: 115
                faults:
                  - {status: 503, probability: 0.6}
                  - {status: 500, probability: 0.5}
                  - {html_error: 502}
              - name: latency spike
                from_seconds: 135
                until_seconds: 175
                latency: {distribution: lognormal, median_ms: 11000, sigma: 0.3, min_ms: 3000, max_ms: 20000}
              - name: streams stall and break
                from_seconds: 190
                until_seconds: 220
                faults:
                  - {stall_after_chunks: 3, stall_seconds: 8, probability: 0.08}
                  - {error_after_chunks: 4, probability: 0.06}
                  - {reset_after_chunks: 2, probability: 0.04}
                  - {truncate_after_chunks: 5, probability: 0.04}
          anthropic:
            latency: {distribution: normal, mean_ms: 600, stddev_ms: 150, min_ms: 100}
            time_to_first_token_ms: {distribution: uniform, min_ms: 250, max_ms: 900}
            inter_chunk_ms: {distribution: uniform, min_ms: 8, max_ms: 30}
            reply_words: [30, 90]
            words_per_chunk: 2
            rate_limits: {rpm: 400, input_tpm: 100000, output_tpm: 40000}
            faults:
              - {status: 529, probability: 0.015}
          google:
            latency: {distribution: normal, mean_ms: 500, stddev_ms: 150, min_ms: 80}
            time_to_first_token_ms: {distribution: uniform, min_ms: 200, max_ms: 700}
            inter_chunk_ms: {distribution: uniform, min_ms: 5, max_ms: 20}
            reply_words: [30, 90]
            words_per_chunk: 2

        """

    /// The built-in scenario, parsed.
    static func builtIn() throws(ScenarioError) -> Scenario {
        try Scenario(yaml: yaml)
    }

    /// `scenario` with its phase boundaries and cycle multiplied by `factor` (durations of faults such as
    /// stalls and latencies are left alone: they are what the client sees, not when).
    static func scaled(_ scenario: Scenario, by factor: Double) -> Scenario {
        guard factor != 1 else { return scenario }
        var result = scenario
        result.cycleSeconds = scenario.cycleSeconds.map { $0 * factor }
        for (provider, script) in scenario.providers {
            var stretched = script
            stretched.phases = script.phases.map { phase in
                var phase = phase
                phase.fromSeconds *= factor
                phase.untilSeconds = phase.untilSeconds.map { $0 * factor }
                return phase
            }
            result.providers[provider] = stretched
        }
        return result
    }

    /// Where `elapsed` seconds fall on the scenario's (possibly repeating) timeline: the cycle number
    /// (1-based) and the seconds into it.
    static func position(of elapsed: Double, in scenario: Scenario) -> (cycle: Int, seconds: Double) {
        guard let cycle = scenario.cycleSeconds, cycle > 0 else { return (1, elapsed) }
        return (Int(elapsed / cycle) + 1, elapsed.truncatingRemainder(dividingBy: cycle))
    }

    /// The phases active at `elapsed` seconds, as `provider: name`, in provider order.
    static func activePhases(_ scenario: Scenario, at elapsed: Double) -> [String] {
        let time = position(of: elapsed, in: scenario).seconds
        var names: [String] = []
        for provider in SimulatedProvider.allCases {
            for (index, phase) in scenario[provider].phases.enumerated() where phase.isActive(at: time) {
                names.append("\(provider.rawValue): \(phase.name ?? "phase \(index + 1)")")
            }
        }
        return names
    }
}

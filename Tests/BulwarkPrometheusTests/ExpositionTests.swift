import BulwarkCore
import BulwarkPrometheus
import Foundation
import Testing

@Suite struct ExpositionTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func checkGolden(_ bytes: [UInt8], _ name: String) throws {
        let url = goldenDirectory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["BULWARK_UPDATE_GOLDEN"] == "1" {
            try Data(bytes).write(to: url)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let actual = String(decoding: bytes, as: UTF8.self)
        #expect(actual == expected, "\(name) differs; rerun with BULWARK_UPDATE_GOLDEN=1 after checking the diff")
    }

    @Test func matchesPrometheusTextGoldenFile() throws {
        try Self.checkGolden(makeSampleRegistry().render(format: .prometheusText), "registry.prom")
    }

    @Test func matchesOpenMetricsGoldenFile() throws {
        try Self.checkGolden(makeSampleRegistry().render(format: .openMetrics), "registry.openmetrics")
    }

    @Test func escapesLabelValuesAndHelp() {
        let text = String(decoding: makeSampleRegistry().render(format: .prometheusText), as: UTF8.self)
        #expect(text.contains(#"model="claude \"sonnet\"\\4\nß""#))
        let family = CollectedFamily(
            descriptor: MetricDescriptor(name: "x_total", help: "back\\slash \"quoted\"\nnext", type: .counter),
            samples: [.init(value: 1)], created: 10)
        let plain = String(decoding: MetricsRegistry().render(format: .prometheusText, extra: [family]), as: UTF8.self)
        #expect(plain.contains(#"# HELP x_total back\\slash "quoted"\nnext"#))
        let open = String(decoding: MetricsRegistry().render(format: .openMetrics, extra: [family]), as: UTF8.self)
        #expect(open.contains(#"# HELP x back\\slash \"quoted\"\nnext"#))
        #expect(open.contains("x_total 1\nx_created 10\n"))
    }

    @Test func spellsSpecialNumbersAsTheFormatsRequire() {
        let family = CollectedFamily(
            descriptor: MetricDescriptor(name: "g", help: "h", type: .gauge),
            samples: [.init(labels: [("k", "a")], value: .infinity), .init(labels: [("k", "b")], value: -.infinity),
                      .init(labels: [("k", "c")], value: .nan), .init(labels: [("k", "d")], value: 0.1),
                      .init(labels: [("k", "e")], value: -3), .init(labels: [("k", "f")], value: 1e20)])
        let text = String(decoding: MetricsRegistry().render(format: .prometheusText, extra: [family]), as: UTF8.self)
        for line in [#"g{k="a"} +Inf"#, #"g{k="b"} -Inf"#, #"g{k="c"} NaN"#, #"g{k="d"} 0.1"#, #"g{k="e"} -3"#, #"g{k="f"} 1e+20"#] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
    }

    @Test func endsOpenMetricsWithEOFAndNamesCounterFamiliesWithoutTotal() {
        let open = String(decoding: makeSampleRegistry().render(format: .openMetrics), as: UTF8.self)
        #expect(open.hasSuffix("# EOF\n"))
        #expect(open.contains("# TYPE llm_api_calls counter\n"))
        #expect(open.contains("# UNIT llm_api_call_duration_seconds seconds\n"))
        #expect(!open.contains("# TYPE llm_api_calls_total"))
        let text = String(decoding: makeSampleRegistry().render(format: .prometheusText), as: UTF8.self)
        #expect(text.contains("# TYPE llm_api_calls_total counter\n"))
        #expect(!text.contains("# EOF"))
        #expect(!text.contains("_created"))
    }

    @Test func writesCumulativeHistogramBuckets() {
        let text = String(decoding: makeSampleRegistry().render(format: .prometheusText), as: UTF8.self)
        #expect(text.contains(#"llm_api_call_duration_seconds_bucket{provider="openai",model="gpt-4o",le="0.05"} 1"#))
        #expect(text.contains(#"llm_api_call_duration_seconds_bucket{provider="openai",model="gpt-4o",le="0.5"} 3"#))
        #expect(text.contains(#"llm_api_call_duration_seconds_bucket{provider="openai",model="gpt-4o",le="15"} 4"#))
        #expect(text.contains(#"llm_api_call_duration_seconds_bucket{provider="openai",model="gpt-4o",le="+Inf"} 4"#))
        #expect(text.contains(#"llm_api_call_duration_seconds_sum{provider="openai",model="gpt-4o"} 12.87"#))
        #expect(text.contains(#"llm_api_call_duration_seconds_bucket{provider="anthropic",model="claude \"sonnet\"\\4\nß",le="300"} 0"#))
    }

    @Test(arguments: [
        (nil, ExpositionFormat.prometheusText),
        ("text/plain", .prometheusText),
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", .openMetrics),
        ("application/openmetrics-text; version=0.0.1", .prometheusText),
        ("application/openmetrics-text", .openMetrics),
        ("text/plain;q=1, application/openmetrics-text;q=0.5", .prometheusText),
        ("application/openmetrics-text;q=0", .prometheusText),
    ] as [(String?, ExpositionFormat)])
    func negotiatesTheFormatFromAccept(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }
}

@Suite struct StreamingRenderTests {
    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func streamsTheSameBytesInChunks(format: ExpositionFormat) {
        let registry = makeSampleRegistry()
        for index in 0..<2_000 {
            registry.record(APICallMetric(timestamp: 1_764_000_010, provider: "p\(index % 7)", model: "m\(index % 50)",
                                          statusCode: [200, 429, 500][index % 3], latencyMs: Double(index)))
        }
        var streamed: [UInt8] = []
        var chunks = 0
        registry.render(format: format, chunkSize: 4_096) { chunk in
            streamed.append(contentsOf: chunk)
            chunks += 1
        }
        #expect(streamed == registry.render(format: format))
        #expect(chunks > 10)
    }

    @Test func rendersWhileOtherThreadsRecordWithoutLosingEvents() async {
        let registry = MetricsRegistry()
        let perThread = 20_000
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<2 {
                group.addTask {
                    for index in 0..<perThread {
                        registry.record(APICallMetric(timestamp: 1, provider: "p\(thread)", model: "m\(index % 100)",
                                                      statusCode: 200, latencyMs: 1))
                    }
                }
            }
            group.addTask {
                // Scrapes until every event is in: the counts seen never go down and end complete.
                var seen = 0.0
                repeat {
                    let text = String(decoding: registry.render(format: .openMetrics), as: UTF8.self)
                    #expect(text.hasSuffix("# EOF\n"))
                    let now = registry.value(MetricCatalog.calls) ?? 0
                    #expect(now >= seen)
                    seen = now
                } while seen < Double(2 * perThread)
            }
        }
        #expect(registry.value(MetricCatalog.calls) == Double(2 * perThread))
        #expect(registry.value(MetricCatalog.callDuration) == Double(2 * perThread))
    }
}

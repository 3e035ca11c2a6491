import BulwarkCore
import BulwarkPrometheus
import Testing

/// The total series cap (`exporter.max_series`) and the folding of status codes.
@Suite struct SeriesCapTests {
    /// Distinct series in an exposition: sample lines by family and labels, histogram lines of one
    /// series (`_bucket`, `_sum`, `_count`, any `le`) counted once.
    static func distinctSeries(_ exposition: [UInt8]) -> Set<String> {
        var series = Set<String>()
        for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            var name = String(line.prefix { $0 != "{" && $0 != " " })
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && name.hasPrefix("llm_api_") && name.contains("_seconds") {
                name = String(name.dropLast(suffix.count))
            }
            var labels = ""
            if let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
                labels = line[line.index(after: open)..<close].split(separator: ",").filter { !$0.hasPrefix("le=") }.joined(separator: ",")
            }
            series.insert(name + "{" + labels + "}")
        }
        return series
    }

    @Test func threeMillionHostileInputsKeepTheExpositionBounded() {
        let maxSeries = 20_000
        // Label value caps far above the series cap, so the series cap is what holds.
        let registry = MetricsRegistry(
            configuration: .init(maxProviders: 1_000, maxModels: 1_000_000, maxSeries: maxSeries), wallClock: { 1_764_000_000 })
        let errors: [ErrorType?] = [nil] + ErrorType.allCases
        let total = 3_000_001
        for index in 0..<total {
            // Every event a new label combination: provider, model, status code and error type all vary.
            registry.record(APICallMetric(
                timestamp: 1_764_000_000, provider: "p\(index % 1_000)", model: "model-\(index)",
                statusCode: index % 1_000, latencyMs: Double(index % 5_000), inputTokens: 1,
                errorType: errors[index % errors.count]))
        }
        #expect(registry.seriesCount <= maxSeries)
        #expect(registry.value(MetricCatalog.calls) == Double(total), "no event is lost, only folded")
        #expect(registry.value(MetricCatalog.tokens, labels: ["direction": "input"]) == Double(total))
        let text = registry.render(format: .prometheusText)
        let open = registry.render(format: .openMetrics)
        let series = Self.distinctSeries(text)
        #expect(series.count <= maxSeries + 64, "series in /metrics: \(series.count)")
        #expect(Self.distinctSeries(open).count <= 2 * (maxSeries + 64), "series and their _created in OpenMetrics")
        // A sample line is at most ~200 bytes and a histogram series 17 lines: a hard size bound.
        #expect(text.count < maxSeries * 17 * 200 / 6 + 1_000_000, "text exposition is \(text.count) bytes")
        let exposition = String(decoding: text, as: UTF8.self)
        #expect(exposition.contains(#"llm_api_series_dropped_total{family="llm_api_calls_total"} "#))
        #expect(registry.value(MetricCatalog.seriesDropped, labels: ["family": "llm_api_calls_total"])! > 0)
        #expect(exposition.contains(#"llm_api_calls_total{provider="other",model="other",status_code="other",error_type="other"} "#))
    }

    @Test func foldsUnknownStatusCodesIntoTheirClass() {
        let registry = MetricsRegistry(wallClock: { 1 })
        for code in [0, 200, 404, 418, 429, 460, 499, 520, 527, 528, 529, 530, 599, 600, 99, 1_000_000, -5] {
            registry.record(APICallMetric(timestamp: 1, provider: "openai", model: "gpt", statusCode: code, latencyMs: 1))
        }
        let text = String(decoding: registry.render(format: .prometheusText), as: UTF8.self)
        func count(_ status: String) -> Double? { registry.value(MetricCatalog.calls, labels: ["status_code": status]) }
        for kept in ["0", "200", "404", "418", "429", "499", "520", "527", "529"] { #expect(count(kept) == 1, "\(kept) kept") }
        #expect(count("4xx") == 1)
        #expect(count("5xx") == 3)
        #expect(count("other") == 4)
        #expect(count("460") == nil)
        #expect(text.contains(#"status_code="5xx""#))
    }

    @Test func foldsClientEventFamiliesPastTheCapAndCountsThem() {
        let registry = MetricsRegistry(configuration: .init(maxProviders: 10_000, maxSeries: 100), wallClock: { 1 })
        for index in 0..<500 { registry.recordRejected(reason: "reason-\(index)") }
        #expect(registry.seriesCount <= 100)
        #expect(registry.value(MetricCatalog.eventsRejected) == 500)
        #expect(registry.value(MetricCatalog.eventsRejected, labels: ["reason": "other"])! > 0)
        let dropped = registry.value(MetricCatalog.seriesDropped, labels: ["family": "llm_api_events_rejected_total"])
        #expect(dropped == registry.value(MetricCatalog.eventsRejected, labels: ["reason": "other"]))
    }
}

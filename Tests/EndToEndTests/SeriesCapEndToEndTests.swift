import BulwarkTestSupport
import Foundation
import Testing

/// `bulwark serve --max-series`: hostile posted label values leave `/metrics` bounded, lose no event,
/// and count what they folded.
@Suite(.serialized) struct SeriesCapEndToEndTests {
    @Test func hostileLabelValuesKeepMetricsBounded() throws {
        let maxSeries = 200
        let serve = try ServeHarness(extraArguments: ["--max-series", String(maxSeries), "--no-logs"])
        var posted = 0
        for batch in 0..<5 {
            let events = (0..<2_000).map { offset -> String in
                let index = batch * 2_000 + offset
                return SampleEvents.json(index: index, provider: "p\(index % 40)", model: "model-\(index)", status: 100 + index % 500)
            }
            let response = try serve.post(body: events.joined(separator: "\n") + "\n", contentType: "application/x-ndjson")
            #expect(response.status == 202, "\(response.text)")
            posted += events.count
        }
        let text = try serve.get("/metrics").text
        #expect(MetricsText.sum("llm_api_calls_total", in: text) == Double(posted), "no event is lost, only folded")
        #expect(MetricsText.sum("llm_api_series_dropped_total", in: text) > 0)
        #expect(MetricsText.sum("llm_api_calls_total", matching: ["provider": "other", "status_code": "other"], in: text) > 0)
        var series = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("llm_api_") {
            var name = String(line.prefix { $0 != "{" && $0 != " " })
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && name.contains("_seconds") {
                name = String(name.dropLast(suffix.count))
            }
            var labels = ""
            if let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
                labels = line[line.index(after: open)..<close].split(separator: ",").filter { !$0.hasPrefix("le=") }.joined(separator: ",")
            }
            series.insert(name + "{" + labels)
        }
        // The cap, the `other` series set aside for folding, and the log and dropped-series counters.
        #expect(series.count <= maxSeries + 40, "\(series.count) series in /metrics")
    }
}

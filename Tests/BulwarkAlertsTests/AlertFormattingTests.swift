import BulwarkCore
import BulwarkPrometheus
import BulwarkAlerts
import Foundation
import Testing

/// histogram_quantile, Go's number spellings and the annotation templates, checked against values
/// worked out by hand from Prometheus' sources.
@Suite struct AlertFormattingTests {
    static let bounds = MetricCatalog.durationBuckets  // 0.05 0.1 0.25 0.5 1 2.5 5 10 15 20 30 60 120 300

    /// Cumulative counts for the design's buckets from (upper bound, observations) pairs; `.infinity` is above 300 s.
    static func cumulative(_ observations: [(Double, Double)]) -> [Double] {
        (bounds + [.infinity]).map { bound in observations.filter { $0.0 <= bound }.reduce(0) { $0 + $1.1 } }
    }

    @Test func p95InterpolatesLinearlyWithinTheBucketLikePrometheus() {
        // 90 observations in (2.5, 5], 10 in (10, 15]: rank 95 falls in (10, 15] at 5/10 of its count.
        let counts = Self.cumulative([(5, 90), (15, 10)])
        #expect(HistogramQuantile.quantile(0.95, upperBounds: Self.bounds, cumulativeCounts: counts) == 12.5)
        // The median falls in (2.5, 5]: 2.5 + 2.5 * 50/90.
        #expect(abs(HistogramQuantile.quantile(0.5, upperBounds: Self.bounds, cumulativeCounts: counts) - (2.5 + 2.5 * 50 / 90)) < 1e-12)
        // In the first bucket the lower bound is 0.
        let fast = Self.cumulative([(0.05, 10)])
        #expect(abs(HistogramQuantile.quantile(0.95, upperBounds: Self.bounds, cumulativeCounts: fast) - 0.0475) < 1e-12)
        // Rates (fractions) work the same as counts: the quantile does not depend on the scale.
        let rates = counts.map { $0 / 300 }
        #expect(abs(HistogramQuantile.quantile(0.95, upperBounds: Self.bounds, cumulativeCounts: rates) - 12.5) < 1e-9)
    }

    @Test func quantileInTheInfBucketIsTheHighestFiniteBound() {
        let counts = Self.cumulative([(1, 10), (.infinity, 90)])
        #expect(HistogramQuantile.quantile(0.95, upperBounds: Self.bounds, cumulativeCounts: counts) == 300)
    }

    @Test func quantileOfNoObservationsIsNaNAndOutOfRangeQuantilesAreInfinite() {
        let empty = Self.cumulative([])
        #expect(HistogramQuantile.quantile(0.95, upperBounds: Self.bounds, cumulativeCounts: empty).isNaN)
        let counts = Self.cumulative([(1, 1)])
        #expect(HistogramQuantile.quantile(1.5, upperBounds: Self.bounds, cumulativeCounts: counts) == .infinity)
        #expect(HistogramQuantile.quantile(-0.5, upperBounds: Self.bounds, cumulativeCounts: counts) == -.infinity)
    }

    @Test func nonMonotonicBucketsAreRepairedAsPrometheusDoes() {
        var counts = Self.cumulative([(5, 90), (15, 10)])
        counts[8] = 80  // le=15 below le=10: Prometheus raises it to the previous bucket's count.
        #expect(HistogramQuantile.quantile(0.5, upperBounds: Self.bounds, cumulativeCounts: counts)
            == HistogramQuantile.quantile(0.5, upperBounds: Self.bounds, cumulativeCounts: Self.cumulative([(5, 90), (15, 10)])))
    }

    @Test func valuesAreSpelledLikeGoFormatFloatE() {
        #expect(PrometheusFormat.exponent(0.15) == "1.5e-01")
        #expect(PrometheusFormat.exponent(2) == "2e+00")
        #expect(PrometheusFormat.exponent(12.5) == "1.25e+01")
        #expect(PrometheusFormat.exponent(0.000_012_34) == "1.234e-05")
        #expect(PrometheusFormat.exponent(123_456_789) == "1.23456789e+08")
        #expect(PrometheusFormat.exponent(1e300) == "1e+300")
        #expect(PrometheusFormat.exponent(-0.5) == "-5e-01")
        #expect(PrometheusFormat.exponent(0) == "0e+00")
        #expect(PrometheusFormat.exponent(0.1 + 0.2) == "3.0000000000000004e-01")
        #expect(PrometheusFormat.exponent(.nan) == "NaN")
        #expect(PrometheusFormat.exponent(.infinity) == "+Inf")
        #expect(PrometheusFormat.exponent(-.infinity) == "-Inf")
    }

    @Test func timesAreRFC3339InUTCWithTrimmedMilliseconds() {
        #expect(PrometheusFormat.rfc3339(1_764_011_674.123) == "2025-11-24T19:14:34.123Z")
        #expect(PrometheusFormat.rfc3339(1_764_011_674.5) == "2025-11-24T19:14:34.5Z")
        #expect(PrometheusFormat.rfc3339(1_764_011_674) == "2025-11-24T19:14:34Z")
        #expect(PrometheusFormat.rfc3339(0) == "1970-01-01T00:00:00Z")
        #expect(PrometheusFormat.rfc3339(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(PrometheusFormat.rfc3339(-1) == "1969-12-31T23:59:59Z")
    }

    @Test func durationsAndLiteralsAreSpelledForPromQL() {
        #expect(PrometheusFormat.duration(300) == "5m")
        #expect(PrometheusFormat.duration(86_400) == "24h")
        #expect(PrometheusFormat.duration(90) == "1m30s")
        #expect(PrometheusFormat.duration(0.5) == "500ms")
        #expect(PrometheusFormat.duration(0) == "0s")
        #expect(PrometheusFormat.literal(10) == "10")
        #expect(PrometheusFormat.literal(0.02) == "0.02")
        #expect(PrometheusFormat.literal(1.2) == "1.2")
    }

    @Test func humanizeFunctionsMatchPrometheusTemplates() {
        #expect(PrometheusFormat.humanizePercentage(0.0523) == "5.23%")
        #expect(PrometheusFormat.humanizePercentage(0.06) == "6%")
        #expect(PrometheusFormat.humanizePercentage(1.728) == "172.8%")
        #expect(PrometheusFormat.humanizePercentage(1 / 3) == "33.33%")
        #expect(PrometheusFormat.humanizeDuration(12.5) == "12.5s")
        #expect(PrometheusFormat.humanizeDuration(12.499999999999996) == "12.5s")
        #expect(PrometheusFormat.humanizeDuration(300) == "5m 0s")
        #expect(PrometheusFormat.humanizeDuration(90_061) == "1d 1h 1m 1s")
        #expect(PrometheusFormat.humanizeDuration(3_725) == "1h 2m 5s")
        #expect(PrometheusFormat.humanizeDuration(0.25) == "250ms")
        #expect(PrometheusFormat.humanizeDuration(0) == "0s")
        #expect(PrometheusFormat.humanize(1234) == "1.234k")
        #expect(PrometheusFormat.humanize(0.05) == "50m")
        #expect(PrometheusFormat.humanize(2_500_000) == "2.5M")
        #expect(PrometheusFormat.humanize(0) == "0")
    }

    @Test func templatesRenderLabelsAndPipedValues() {
        let labels = ["provider": "openai"]
        #expect(AlertTemplate.render("{{ $value | humanizePercentage }} of {{ $labels.provider }}", labels: labels, value: 0.25)
            == "25% of openai")
        #expect(AlertTemplate.render(#"{{ $value | printf "%.1f" }}/min"#, labels: labels, value: 8) == "8.0/min")
        #expect(AlertTemplate.render(#"{{ $value | printf "%.0f" }} open"#, labels: labels, value: 2) == "2 open")
        #expect(AlertTemplate.render("{{ $value }} and {{$value|humanizeDuration}}", labels: [:], value: 300) == "300 and 5m 0s")
        #expect(AlertTemplate.render("{{ $labels.missing }}|", labels: labels, value: 1) == "|")
        #expect(AlertTemplate.render("{{ .Unknown }} stays", labels: labels, value: 1) == "{{ .Unknown }} stays")
        #expect(AlertTemplate.unsupportedActions(in: "{{ .Unknown }} {{ $value }}") == ["{{ .Unknown }}"])
    }

    @Test func everyRuleTemplateIsInTheRenderableSubset() {
        for rule in AlertRuleCatalog.definitions() {
            for (name, template) in rule.annotations {
                #expect(AlertTemplate.unsupportedActions(in: template).isEmpty, "\(rule.name.rawValue) \(name)")
            }
        }
        #expect(AlertRuleCatalog.definitions().count == 16)
    }
}

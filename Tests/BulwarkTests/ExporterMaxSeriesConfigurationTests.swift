import Bulwark
import Testing

/// `exporter.max_series`: the registry's total series cap, read from `bulwark.yaml`.
@Suite struct ExporterMaxSeriesConfigurationTests {
    @Test func defaultsToTwentyThousandAndReadsTheKey() throws {
        #expect(try BulwarkConfiguration.parse(yaml: "").exporter.maxSeries == 20_000)
        let configuration = try BulwarkConfiguration.parse(yaml: "exporter: {max_series: 50000}\n")
        #expect(configuration.exporter.maxSeries == 50_000)
    }

    @Test func refusesACapTooSmallToHoldTheFixedSeries() {
        do {
            _ = try BulwarkConfiguration.parse(yaml: "exporter:\n  max_series: 10\n", source: "bulwark.yaml")
            Issue.record("max_series: 10 was accepted")
        } catch {
            #expect("\(error)".contains("exporter.max_series"))
        }
    }
}

import Bulwark
import Testing

/// `exporter.status_pages` and `exporter.status_poll_seconds`, read from `bulwark.yaml`.
@Suite struct ExporterStatusPagesConfigurationTests {
    @Test func defaultsToNoPageEveryMinute() throws {
        let exporter = try BulwarkConfiguration.parse(yaml: "").exporter
        #expect(exporter.statusPages.isEmpty)
        #expect(exporter.statusPollSeconds == 60)
    }

    @Test func readsThePagesAndTheInterval() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
            exporter:
              status_pages:
                openai: "https://status.openai.com/api/v2/summary.json"
                anthropic: https://status.anthropic.com/api/v2/summary.json
              status_poll_seconds: 30
            """)
        #expect(configuration.exporter.statusPages == [
            "openai": "https://status.openai.com/api/v2/summary.json",
            "anthropic": "https://status.anthropic.com/api/v2/summary.json",
        ])
        #expect(configuration.exporter.statusPollSeconds == 30)
    }

    @Test func namesEveryBadPageAndInterval() {
        do {
            _ = try BulwarkConfiguration.parse(yaml: """
                exporter:
                  status_pages:
                    openai: status.openai.com/api/v2/summary.json
                    anthropic: "ftp://status.anthropic.com/summary.json"
                    google: [1, 2]
                  status_poll_seconds: 0.5
                """, source: "bulwark.yaml")
            Issue.record("accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("exporter.status_pages.openai"), "\(text)")
            #expect(text.contains("exporter.status_pages.anthropic"), "\(text)")
            #expect(text.contains("exporter.status_pages.google"), "\(text)")
            #expect(text.contains("exporter.status_poll_seconds"), "\(text)")
            #expect(text.contains("expected an http(s) URL"), "\(text)")
        }
    }

    @Test func refusesAListInsteadOfAMapping() {
        do {
            _ = try BulwarkConfiguration.parse(yaml: "exporter: {status_pages: [https://status.openai.com/api/v2/summary.json]}")
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("exporter.status_pages"), "\(error)")
            #expect("\(error)".contains("expected a mapping of provider name"), "\(error)")
        }
    }
}

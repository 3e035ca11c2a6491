import BulwarkPrometheus
import Foundation

extension Exporter {
    /// The poller of `configuration.statusPages`, or `nil` when none is configured; throws an
    /// ``ExporterSetupError`` naming the provider whose URL or interval cannot work.
    static func statusPagePoller(
        _ configuration: ExporterConfiguration, registry: MetricsRegistry, log: @escaping @Sendable (String) -> Void
    ) throws(ExporterSetupError) -> StatusPagePoller? {
        guard !configuration.statusPages.isEmpty else { return nil }
        let interval = configuration.statusPollSeconds
        guard interval >= 1, interval.isFinite else {
            throw ExporterSetupError(message: "exporter.status_poll_seconds must be at least 1 second, got \(interval)")
        }
        var pages: [StatusPagePoller.Page] = []
        for (provider, text) in configuration.statusPages.sorted(by: { $0.key < $1.key }) {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host?.isEmpty == false
            else {
                throw ExporterSetupError(message: "exporter.status_pages.\(provider): expected an http(s) URL of a Statuspage summary.json, got \"\(text.prefix(200))\"")
            }
            pages.append(StatusPagePoller.Page(provider: provider, url: url))
        }
        return StatusPagePoller(pages: pages, registry: registry, interval: interval, log: log)
    }
}

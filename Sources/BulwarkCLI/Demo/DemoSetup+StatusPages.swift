import Bulwark
import BulwarkExporter
import Logging

extension DemoSetup {
    /// Each configured provider's status page on the simulator (`/status/{api}/api/v2/summary.json`),
    /// under the provider's name, so `llm_api_provider_status` joins the call metrics on `provider`.
    static func statusPages(_ settings: BulwarkConfiguration, simulatorURL: String) -> [String: String] {
        var pages: [String: String] = [:]
        for provider in settings.providers {
            pages[provider.name] = simulatorURL + "/status/\(simulated(provider.kind).rawValue)/api/v2/summary.json"
        }
        return pages
    }

    /// The exporter's logger: standard error, without the status-page lines (the progress display shows the
    /// incidents, and a stray line would break the terminal table).
    static func exporterLogger() -> Logger {
        Logger(label: "bulwark.exporter") { label in
            WithoutStatusPageLines(inner: StreamLogHandler.standardError(label: label))
        }
    }
}

/// Forwards every log record but the status poller's.
private struct WithoutStatusPageLines: LogHandler {
    var inner: StreamLogHandler

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        guard !event.message.description.hasPrefix("status page ") else { return }
        inner.log(event: event)
    }
}

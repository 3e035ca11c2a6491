import Bulwark
import BulwarkExporter

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

    /// The exporter's diagnostics on standard error, without the status-page lines: the progress display
    /// shows the incidents, and a stray line would break the terminal table.
    @Sendable static func exporterDiagnostics(_ message: String) {
        guard !message.hasPrefix("status page ") else { return }
        Exporter.writeToStandardError(message)
    }
}

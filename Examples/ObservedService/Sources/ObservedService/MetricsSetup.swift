import Bulwark
import BulwarkCore
import BulwarkMetrics
import Foundation
import Metrics
import Prometheus

/// Bootstraps swift-metrics with swift-prometheus, with the histogram boundaries of both namings, and builds
/// the recorder the client reports to: BulwarkMetrics under the OpenTelemetry GenAI names and under
/// Bulwark's `llm_api_*` names (so the repository's dashboards and alert rules work on this service too).
enum MetricsSetup {
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        for naming in MetricNaming.allCases {
            factory.durationHistogramBuckets.merge(naming.timerBuckets) { $1 }
            factory.valueHistogramBuckets.merge(naming.recorderBuckets) { $1 }
        }
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// The recorders for `configuration`'s providers: their kinds name `gen_ai.provider.name`, their base
    /// URLs `server.address` and `server.port`.
    static func recorders(for configuration: BulwarkConfiguration) -> [any MetricsRecorder] {
        var kinds: [String: String] = [:]
        var addresses: [String: ServerAddress] = [:]
        for provider in configuration.providers {
            kinds[provider.name] = provider.kind.rawValue
            if let url = URL(string: provider.baseURL), let host = url.host {
                addresses[provider.name] = ServerAddress(host: host, port: url.port ?? (url.scheme == "http" ? 80 : 443))
            }
        }
        return [
            SwiftMetricsRecorder(
                naming: .openTelemetryGenAI, providerNames: GenAIProviderNames(kinds), serverAddresses: addresses),
            SwiftMetricsRecorder(naming: .bulwark),
        ]
    }
}

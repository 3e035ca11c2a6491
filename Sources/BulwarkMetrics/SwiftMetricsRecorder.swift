public import BulwarkCore
public import CoreMetrics
import Synchronization

/// A ``MetricsRecorder`` that emits every ``APICallMetric`` and ``ClientEvent`` through apple/swift-metrics,
/// so a service that already bootstrapped swift-metrics (with swift-prometheus, swift-otel, StatsD…) sees
/// Bulwark's measurements in its own backend.
///
/// The recorder never bootstraps anything: it uses the factory it is given, or `MetricsSystem.factory` as it
/// is when the recorder is created. The names are a choice at init (``MetricNaming``):
///
/// ```swift
/// let recorder = SwiftMetricsRecorder(naming: .openTelemetryGenAI)
/// let client = try ResilientClient(configuration: configuration, recorder: recorder)
/// ```
///
/// Handlers are made once per series and cached, so the hot path takes one lock and allocates no handler;
/// the cache and the provider and model label values are bounded (``Limits``), and what they shed is counted
/// (``uncachedSeriesCount``, ``foldedLabelValueCount``). Histogram boundaries are the backend's business:
/// ``MetricNaming/timerBuckets`` and ``MetricNaming/recorderBuckets`` give the ones Bulwark's design and the
/// OpenTelemetry conventions recommend, with how to set them for swift-prometheus.
public final class SwiftMetricsRecorder: MetricsRecorder, Sendable {
    /// Bounds on what the recorder keeps.
    public struct Limits: Sendable, Hashable {
        /// Handlers kept; a series past the limit gets a handler for the one event (counted, not cached).
        public var maxSeries: Int
        /// Distinct provider names before new ones are emitted as `other`.
        public var maxProviders: Int
        /// Distinct model names before new ones are emitted as `other`.
        public var maxModels: Int

        /// Creates limits; the defaults suit a few providers and their models.
        public init(maxSeries: Int = 4_096, maxProviders: Int = 32, maxModels: Int = 256) {
            self.maxSeries = maxSeries
            self.maxProviders = maxProviders
            self.maxModels = maxModels
        }
    }

    /// The label value that stands for provider or model names past their caps.
    public static let overflowLabelValue = "other"

    /// The names the recorder emits under.
    public let naming: MetricNaming
    /// How configured provider names become `gen_ai.provider.name` values.
    public let providerNames: GenAIProviderNames
    /// `server.address` / `server.port` per configured provider name, where known.
    public let serverAddresses: [String: ServerAddress]

    let cache: Mutex<SeriesCacheState>

    /// Creates a recorder.
    ///
    /// - Parameters:
    ///   - naming: `llm_api_*` names (``MetricNaming/bulwark``) or the OpenTelemetry GenAI names.
    ///   - factory: the swift-metrics factory to emit through; `MetricsSystem.factory` by default.
    ///   - providerNames: configured provider name → `gen_ai.provider.name` (OTel naming only).
    ///   - serverAddresses: configured provider name → `server.address`/`server.port` (OTel naming only).
    ///   - limits: bounds on cached handlers and label values.
    public init(
        naming: MetricNaming = .bulwark,
        factory: any MetricsFactory = MetricsSystem.factory,
        providerNames: GenAIProviderNames = GenAIProviderNames(),
        serverAddresses: [String: ServerAddress] = [:],
        limits: Limits = Limits()
    ) {
        self.naming = naming
        self.providerNames = providerNames
        self.serverAddresses = serverAddresses
        cache = Mutex(SeriesCacheState(limits: limits, factory: factory))
    }

    /// Emits one attempt.
    public func record(_ metric: APICallMetric) {
        switch naming {
        case .bulwark: emitBulwark(metric)
        case .openTelemetryGenAI: emitGenAI(metric)
        }
    }

    /// Emits one request outcome, fallback or change of provider state.
    public func record(_ event: ClientEvent) {
        switch naming {
        case .bulwark: emitBulwark(event)
        case .openTelemetryGenAI: emitGenAI(event)
        }
    }

    /// Series whose handler was made for one event only, because ``Limits/maxSeries`` handlers were cached.
    public var uncachedSeriesCount: UInt64 { cache.withLock { $0.uncachedSeries } }

    /// Provider or model values emitted as `other` because their cap was reached.
    public var foldedLabelValueCount: UInt64 { cache.withLock { $0.foldedLabelValues } }

    /// The number of handlers cached.
    public var cachedSeriesCount: Int { cache.withLock { $0.handlers.count } }
}

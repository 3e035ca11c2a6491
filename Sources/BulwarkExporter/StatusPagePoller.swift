public import BulwarkPrometheus
public import Foundation
import Synchronization

/// Watches the providers' status pages (`exporter.status_pages`) and publishes each page's
/// `status.indicator` as `llm_api_provider_status{provider}` (0 none, 1 minor, 2 major, 3 critical), which
/// `LLMAPIProviderIncident` alerts on.
///
/// Each page is polled every ``interval`` seconds, each poll bounded in time and body size
/// (``StatusPageFetcher``). A failed poll — unreachable, too slow, not 2xx, too large, or a body that
/// is not a Statuspage summary — counts in `llm_api_status_page_errors_total{provider}`, is logged with
/// the URL and what was wrong, and leaves the gauge at its last good value: a status page that cannot be
/// read says nothing new about the provider, and the error counter tells the reader the value is stale.
/// Until a page has answered once, its gauge does not exist. After `k` failures in a row the next poll
/// waits `interval × 2^(k−1)`, at most ``maxBackoffFactor`` × `interval`, with equal jitter (between half
/// and all of it), so a struggling page is not hammered and many exporters do not poll in step.
///
/// Nothing is fetched but the configured URLs; with no page configured the exporter makes no request.
public final class StatusPagePoller: Sendable {
    /// One provider's page.
    public struct Page: Sendable, Equatable {
        /// The `provider` label.
        public var provider: String
        /// Its `summary.json` URL.
        public var url: URL

        /// Creates a page.
        public init(provider: String, url: URL) {
            self.provider = provider
            self.url = url
        }
    }

    /// The pages watched, sorted by provider.
    public let pages: [Page]
    /// Seconds between polls of one page while they succeed.
    public let interval: Double
    /// The longest wait after failures, as a multiple of ``interval``.
    public static let maxBackoffFactor = 10.0
    private let fetcher: StatusPageFetcher
    private let registry: MetricsRegistry
    private let log: @Sendable (String) -> Void
    private let latest = Mutex<[String: StatusPageSummary]>([:])

    /// Creates a poller; nothing is fetched before ``run()`` or ``poll(_:)``.
    ///
    /// - Parameters:
    ///   - pages: provider name → `summary.json` URL.
    ///   - timeoutSeconds: time limit of one poll, connection to last byte.
    ///   - maxBodyBytes: largest body read (a real summary is 5–100 KB).
    ///   - log: receives one line per failed poll and per change of a page's status.
    public init(
        pages: [Page], registry: MetricsRegistry, interval: Double = 60, timeoutSeconds: Double = 10,
        maxBodyBytes: Int = 1 << 20, log: @escaping @Sendable (String) -> Void
    ) {
        self.pages = pages.sorted { $0.provider < $1.provider }
        self.registry = registry
        self.interval = interval
        fetcher = StatusPageFetcher(timeoutSeconds: timeoutSeconds, maxBodyBytes: maxBodyBytes)
        self.log = log
    }

    /// Polls every page until the task is cancelled.
    public func run() async {
        for page in pages { registry.recordStatusPageErrors(provider: page.provider, count: 0) }
        await withDiscardingTaskGroup { group in
            for page in pages {
                group.addTask { await self.watch(page) }
            }
        }
    }

    /// The last summary each page answered, by provider.
    public var summaries: [String: StatusPageSummary] { latest.withLock { $0 } }

    /// Polls `page` once: fetches and parses it, then publishes the indicator, or counts and logs the failure.
    @discardableResult
    public func poll(_ page: Page) async -> Result<StatusPageSummary, StatusPageError> {
        let result: Result<StatusPageSummary, StatusPageError>
        do throws(StatusPageError) {
            let body = try await fetcher.fetch(page.url)
            result = .success(try StatusPageSummary(json: body))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let summary):
            registry.setProviderStatus(summary.indicator.gaugeValue, provider: page.provider)
            let previous = latest.withLock { $0.updateValue(summary, forKey: page.provider) }
            if previous?.indicator != summary.indicator || previous?.incidents != summary.incidents {
                log("status page \(page.provider): \(summary.logDescription)")
            }
        case .failure(let error):
            // A poll cut short by shutdown is not the page's fault.
            guard !Task.isCancelled else { return result }
            registry.recordStatusPageErrors(provider: page.provider)
            log("status page \(page.provider) (\(page.url.absoluteString)): \(error.kind.rawValue): \(error.message); llm_api_provider_status keeps its last value")
        }
        return result
    }

    /// Seconds to wait after a poll, given the failures in a row so far (0 after a success) and a
    /// uniform random number in [0, 1).
    public static func delay(afterFailures failures: Int, interval: Double, random: Double) -> Double {
        guard failures > 0 else { return interval }
        let backoff = interval * min(pow(2, Double(min(failures, 32) - 1)), maxBackoffFactor)
        return backoff / 2 + backoff / 2 * random
    }

    private func watch(_ page: Page) async {
        var failures = 0
        while !Task.isCancelled {
            if case .failure = await poll(page) { failures += 1 } else { failures = 0 }
            let wait = Self.delay(afterFailures: failures, interval: interval, random: Double.random(in: 0..<1))
            do {
                try await Task.sleep(for: .seconds(wait))
            } catch {
                return
            }
        }
    }
}

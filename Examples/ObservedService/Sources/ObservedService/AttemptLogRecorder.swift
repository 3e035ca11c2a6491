import BulwarkCore
import Logging

/// Logs what the client observes through swift-log: failed attempts at `warning` (`request_id`, `provider`,
/// `attempt`, `error_type`, `status_code`), fallbacks, breaker openings and outages at `notice` (their end at `debug`).
/// Error messages are already redacted of keys by the client; they are logged as they are.
struct AttemptLogRecorder: MetricsRecorder {
    let logger: Logger

    func record(_ metric: APICallMetric) {
        guard let error = metric.errorType else { return }
        logger.warning("attempt failed", metadata: [
            "request_id": "\(metric.requestID)", "provider": "\(metric.provider)", "attempt": "\(metric.attempt)",
            "error_type": "\(error.rawValue)", "status_code": "\(metric.statusCode)",
            "retry_after_ms": "\(metric.retryAfterMs.map { String($0) } ?? "none")",
        ])
    }

    func record(_ event: ClientEvent) {
        switch event {
        case .fallback(let from, let to):
            logger.notice("fallback", metadata: ["from_provider": "\(from)", "to_provider": "\(to)"])
        case .circuitOpened(let provider):
            logger.notice("circuit opened", metadata: ["provider": "\(provider)"])
        case .outageSeverityChanged(let provider, let severity):
            logger.log(
                level: severity == .none ? .debug : .notice, "outage severity changed",
                metadata: ["provider": "\(provider)", "severity": "\(severity.name)"])
        case .hedge(let provider, let won):
            logger.info("hedge ended", metadata: ["provider": "\(provider)", "result": "\(won ? "won" : "lost")"])
        case .sharedStateAvailability(let up):
            logger.log(level: up ? .info : .warning, "shared state \(up ? "reachable" : "unreachable")")
        case .apiKeyReloaded(let provider, let file, let problem):
            logger.log(
                level: problem == nil ? .notice : .warning, "API key re-read",
                metadata: ["provider": "\(provider)", "file": "\(file)", "problem": "\(problem ?? "none")"])
        case .requestFinished, .circuitStateChanged, .rateLimit, .sharedStateError:
            break
        }
    }
}

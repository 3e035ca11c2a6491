import BulwarkCore
import Logging
import Tracing

/// What one logical request reports through swift-log and swift-distributed-tracing: its span (one per
/// request, with a client span per attempt as its children), the span events of its retries and fallbacks,
/// and the log lines of each step, with DESIGN.md's log field names as metadata.
///
/// Without a tracer `span` is `nil` and only the logger's level checks are paid; the logger's metadata
/// is built only for a level that is logged (swift-log's autoclosures).
struct RequestTelemetry: Sendable {
    let logger: Logger
    let requestID: String
    /// `nil` when tracing is off.
    let tracer: (any Tracer)?
    /// The request's span; `nil` when tracing is off.
    let span: (any Span)?

    /// For attempts made outside a request (tests of the attempt runner).
    static let disabled = RequestTelemetry(
        logger: Logger(label: "bulwark.client", factory: { _ in SwiftLogNoOpLogHandler() }), requestID: "", tracer: nil,
        span: nil)

    // MARK: - Attempts

    /// Starts the client span of an attempt, a child of the request's span; `nil` when tracing is off.
    func attemptStarted(_ context: AttemptContext, model: String) -> (any Span)? {
        guard let tracer, let span else { return nil }
        let attempt = tracer.startSpan("chat \(model)", context: span.context, ofKind: .client)
        let identity = context.slot.spanIdentity
        attempt.updateAttributes { attributes in
            attributes[SpanNames.operationName] = "chat"
            attributes[SpanNames.providerName] = identity.providerName
            attributes[SpanNames.requestModel] = model
            if let address = identity.serverAddress { attributes[SpanNames.serverAddress] = address }
            if let port = identity.serverPort { attributes[SpanNames.serverPort] = port }
            attributes[SpanNames.provider] = context.slot.name
            attributes[SpanNames.requestID] = requestID
            attributes[SpanNames.attempt] = context.attempt
            if context.hedge { attributes[SpanNames.hedge] = true }
        }
        return attempt
    }

    /// Runs an attempt's exchange with `ServiceContext.current` bound to the attempt's span, so that an
    /// instrumented transport (AsyncHTTPClient with a tracer) makes its HTTP span a child of the attempt and
    /// propagates the attempt's trace context (`traceparent`) to the provider. Without a span, `body` runs
    /// as it is.
    static func within<T>(_ attemptSpan: (any Span)?, _ body: () async -> T) async -> T {
        guard let attemptSpan else { return await body() }
        return await ServiceContext.withValue(attemptSpan.context) { await body() }
    }

    /// Ends an attempt's span with its answer or error, and logs the attempt (debug).
    func attemptEnded(_ attemptSpan: (any Span)?, outcome: AttemptOutcome) {
        let metric = outcome.metric
        logger.debug(
            metric.errorType == nil ? "attempt succeeded" : "attempt failed",
            metadata: Self.metadata(of: metric).merging(["latency_ms": "\(Int(metric.latencyMs.rounded()))"]) { $1 })
        guard let attemptSpan else { return }
        Self.annotate(attemptSpan, metric: metric, result: outcome.result)
        if case .failure(let error) = outcome.result, error.errorType != .cancelled {
            attemptSpan.recordError(error)
            attemptSpan.setStatus(SpanStatus(code: .error, message: error.errorType.rawValue))
        }
        attemptSpan.end()
    }

    // MARK: - The chain's decisions

    /// A retry on the same provider after `delay` seconds (the provider's Retry-After or the backoff's).
    func retrying(
        after error: ProviderError, provider: String, attempt: Int, retryCount: Int, delay: Double,
        source: RetryDecision.RetryDelaySource
    ) {
        let sourceName = source == .retryAfter ? "retry_after" : "backoff"
        logger.debug(
            source == .retryAfter ? "waiting for the provider's Retry-After, then retrying" : "retrying after backoff",
            metadata: [
                "request_id": "\(requestID)", "provider": "\(provider)", "attempt": "\(attempt)",
                "retry_count": "\(retryCount + 1)", "error_type": "\(error.errorType.rawValue)",
                "status_code": "\(error.statusCode)", "delay_ms": "\(Int((delay * 1000).rounded()))",
                "delay_source": "\(sourceName)",
            ])
        span?.addEvent(SpanEvent(name: SpanNames.retryEvent, attributes: [
            SpanNames.provider: .string(provider), SpanNames.attempt: .int64(Int64(attempt)),
            SpanNames.errorType: .string(error.errorType.rawValue), SpanNames.retryDelay: .double(delay),
            SpanNames.retrySource: .string(sourceName),
        ]))
    }

    /// A wait for the provider's own rate limiter before an attempt.
    func waitingForRateLimit(provider: String, seconds: Double) {
        logger.debug(
            "waiting for the rate limit",
            metadata: ["request_id": "\(requestID)", "provider": "\(provider)", "delay_ms": "\(Int((seconds * 1000).rounded()))"])
    }

    /// The chain moves from `from` to `to`, after `failure` (an error, or the reason `from` was skipped).
    func fallingBack(from: String, to: String, after failure: ResilientClientError.ProviderFailure?) {
        let reason = failure.map { $0.error?.errorType.rawValue ?? $0.skippedBecause ?? "" } ?? ""
        logger.info("falling back to the next provider", metadata: {
            var metadata: Logger.Metadata = [
                "request_id": "\(requestID)", "provider": "\(to)", "fallback_from": "\(from)", "reason": "\(reason)",
            ]
            if let error = failure?.error {
                metadata["error_type"] = "\(error.errorType.rawValue)"
                metadata["status_code"] = "\(error.statusCode)"
            }
            return metadata
        }())
        span?.addEvent(SpanEvent(name: SpanNames.fallbackEvent, attributes: [
            SpanNames.fallbackFrom: .string(from), SpanNames.fallbackTo: .string(to),
            SpanNames.fallbackReason: .string(reason),
        ]))
    }

    /// A hedge started on `provider` while attempt `attempt - 1` is still running.
    func hedgeLaunched(provider: String, attempt: Int) {
        logger.info(
            "hedge launched", metadata: ["request_id": "\(requestID)", "provider": "\(provider)", "attempt": "\(attempt)"])
    }

    /// A hedge ended: it answered first (`won`), or it failed or was cancelled.
    func hedgeEnded(provider: String, attempt: Int, won: Bool) {
        logger.info(
            won ? "hedge won" : "hedge lost",
            metadata: ["request_id": "\(requestID)", "provider": "\(provider)", "attempt": "\(attempt)"])
    }

    // MARK: - The request's end

    /// The request ended after `attempts` attempts; `answer` is the answering provider and its metric.
    func finished(
        _ outcome: RequestOutcome, attempts: Int, answer: (slot: ProviderSlot, metric: APICallMetric, result: ChatResult)?,
        failures: [ResilientClientError.ProviderFailure]
    ) {
        let lastFailure = failures.last
        switch outcome {
        case .failed:
            logger.error("request failed", metadata: {
                var metadata: Logger.Metadata = [
                    "request_id": "\(requestID)", "attempts": "\(attempts)", "request_outcome": "failed",
                    "providers": "\(failures.map(\.provider).joined(separator: ","))",
                ]
                if let lastFailure { metadata["provider"] = "\(lastFailure.provider)" }
                if let error = lastFailure?.error {
                    metadata["error_type"] = "\(error.errorType.rawValue)"
                    metadata["status_code"] = "\(error.statusCode)"
                    metadata["error_message"] = "\(error.message)"
                } else if let skipped = lastFailure?.skippedBecause {
                    metadata["reason"] = "\(skipped)"
                }
                return metadata
            }())
        case .cancelled:
            logger.debug(
                "request cancelled",
                metadata: ["request_id": "\(requestID)", "attempts": "\(attempts)", "request_outcome": "cancelled"])
        case .success, .fallback:
            logger.debug("request answered", metadata: [
                "request_id": "\(requestID)", "attempts": "\(attempts)", "request_outcome": "\(outcome.rawValue)",
                "provider": "\(answer?.slot.name ?? "")",
            ])
        }
        guard let span else { return }
        span.updateAttributes { attributes in
            attributes[SpanNames.requestOutcome] = outcome.rawValue
            attributes[SpanNames.attempts] = attempts
        }
        if let answer {
            let identity = answer.slot.spanIdentity
            span.updateAttributes { attributes in
                attributes[SpanNames.providerName] = identity.providerName
                attributes[SpanNames.provider] = answer.slot.name
                if let address = identity.serverAddress { attributes[SpanNames.serverAddress] = address }
                if let port = identity.serverPort { attributes[SpanNames.serverPort] = port }
            }
            Self.annotate(span, metric: answer.metric, result: .success(answer.result))
        } else {
            let errorType = outcome == .cancelled
                ? ErrorType.cancelled.rawValue
                : failures.last(where: { $0.error != nil })?.error?.errorType.rawValue ?? "_OTHER"
            span.updateAttributes { $0[SpanNames.errorType] = errorType }
            if outcome == .failed { span.setStatus(SpanStatus(code: .error, message: errorType)) }
        }
        span.end()
    }

    /// Degraded mode answered the request from the cache of earlier answers.
    func servedFromCache(_ response: ResilientResponse) {
        logger.warning(
            "degraded mode: every provider is down, answered from the cache",
            metadata: ["request_id": "\(requestID)", "request_outcome": "success", "provider": "\(response.provider)"])
        guard let span else { return }
        span.updateAttributes { attributes in
            attributes[SpanNames.requestOutcome] = RequestOutcome.success.rawValue
            attributes[SpanNames.attempts] = 0
            attributes["bulwark.from_cache"] = true
        }
        span.end()
    }

    /// Degraded mode refused the request (every provider down, nothing cached), or the caller gave up
    /// while it waited.
    func refused(_ error: ResilientClientError) {
        let outcome: RequestOutcome = error.code == .cancelled ? .cancelled : .failed
        if error.code == .degraded {
            logger.warning(
                "degraded mode: every provider is down, request refused",
                metadata: [
                    "request_id": "\(requestID)", "request_outcome": "failed",
                    "providers": "\(error.failures.map(\.provider).joined(separator: ","))",
                ])
        } else {
            finished(outcome, attempts: 0, answer: nil, failures: [])
            return
        }
        guard let span else { return }
        span.updateAttributes { attributes in
            attributes[SpanNames.requestOutcome] = outcome.rawValue
            attributes[SpanNames.attempts] = 0
            attributes[SpanNames.errorType] = ErrorType.unavailable.rawValue
        }
        span.setStatus(SpanStatus(code: .error, message: "degraded"))
        span.end()
    }

    // MARK: - Helpers

    /// The answer's attributes: response model, token usage, HTTP status, `error.type`.
    private static func annotate(_ span: any Span, metric: APICallMetric, result: Result<ChatResult, ProviderError>) {
        span.updateAttributes { attributes in
            if case .success(let answer) = result, let model = answer.model {
                attributes[SpanNames.responseModel] = model
            }
            if metric.inputTokens > 0 || metric.outputTokens > 0 {
                attributes[SpanNames.inputTokens] = metric.inputTokens
                attributes[SpanNames.outputTokens] = metric.outputTokens
            }
            if metric.statusCode > 0 { attributes[SpanNames.httpStatusCode] = metric.statusCode }
            if let errorType = metric.errorType { attributes[SpanNames.errorType] = errorType.rawValue }
        }
    }

    /// DESIGN.md's log fields of an attempt.
    private static func metadata(of metric: APICallMetric) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "request_id": "\(metric.requestID)", "provider": "\(metric.provider)", "model": "\(metric.model)",
            "attempt": "\(metric.attempt)", "status_code": "\(metric.statusCode)",
        ]
        if let errorType = metric.errorType { metadata["error_type"] = "\(errorType.rawValue)" }
        if metric.hedge { metadata["hedge"] = "true" }
        if metric.isRetry { metadata["retry_count"] = "\(metric.retryCount)" }
        return metadata
    }
}

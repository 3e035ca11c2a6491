import BulwarkCore
import Foundation

/// What one attempt is, as the event records it.
struct AttemptContext: Sendable {
    let slot: ProviderSlot
    let request: ChatRequest
    let requestID: String
    /// 1-based across all providers of the request.
    let attempt: Int
    /// Attempts before this one on the same provider.
    let retryCount: Int
    let fallback: Bool
    let circuitState: CircuitState
    /// Started as a hedge while an earlier attempt of the request was still running.
    var hedge = false
    /// The request's logger and span, the parent of the attempt's span.
    var telemetry = RequestTelemetry.disabled
}

/// How an attempt ended.
struct AttemptOutcome: Sendable {
    var result: Result<ChatResult, ProviderError>
    var metric: APICallMetric
    /// Text was passed to the caller (a stream that fails after this cannot be retried).
    var deliveredText: Bool
}

/// Makes one HTTP exchange with one provider and turns it into a result and its `APICallMetric`.
struct AttemptRunner: Sendable {
    let transport: any HTTPTransport
    /// Times the attempt: latency, request, first-token and stall timeouts.
    let clock: any ResilienceClock
    /// Stamps the event (`timestamp`), on the same clock as the client's windows.
    let wallClock: any ResilienceClock
    let streaming: StreamingConfiguration
    /// `connect_timeout_seconds`: the limit for opening a connection (never above the request timeout).
    var connectTimeout = RequestTimeout.connectSeconds
    /// Largest non-streaming response body read.
    static let maxBodyBytes = 32 << 20

    /// - Parameter onProgress: called once the response head (unary) or the first token (stream) arrived.
    func run(
        _ context: AttemptContext, deliver: (@Sendable (String) async -> Void)?,
        onProgress: (@Sendable () -> Void)? = nil
    ) async -> AttemptOutcome {
        let started = clock.now
        let wallStart = wallClock.wallTime
        let slot = context.slot
        let model = context.request.model ?? slot.configuration.model
        let timeout = RequestTimeout(for: context.request, model: model, configured: slot.configuration.timeoutSeconds)
        var firstTokenAt: Double?
        var delivered = false
        var result: Result<ChatResult, ProviderError>
        var usedKey: LoadedAPIKey?
        var tokenRequest: ProviderHTTPRequest?
        let span = context.telemetry.attemptStarted(context, model: model)
        result = await RequestTelemetry.within(span) {
            do throws(ProviderError) {
                let httpRequest: ProviderHTTPRequest
                (httpRequest, usedKey) = try await slot.makeHTTPRequest(for: context.request)
                if slot.tokenSource != nil { tokenRequest = httpRequest }
                if let deliver {
                    return try await stream(
                        httpRequest, slot: slot, timeout: timeout, started: started,
                        onText: { text in
                            if firstTokenAt == nil {
                                firstTokenAt = clock.now
                                onProgress?()
                            }
                            delivered = true
                            await deliver(text)
                        })
                } else {
                    return try await unary(httpRequest, slot: slot, timeout: timeout, onHead: onProgress)
                }
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = result {
            result = .failure(ProviderSlot.namingKey(error, usedKey))
            if error.statusCode == 401, let tokenRequest { await slot.accessTokenRefused(in: tokenRequest) }
        }
        // Whatever broke when the caller gave up (a cancelled read, a closed connection) is the caller's.
        if Task.isCancelled, case .failure(let error) = result, error.errorType != .cancelled {
            result = .failure(Self.cancelled(slot, partial: error.partial))
        }
        let latency = (clock.now - started) * 1000
        let outcome = AttemptOutcome(
            result: result,
            metric: metric(context, result: result, model: model, wallStart: wallStart, latencyMs: latency,
                           timeToFirstTokenMs: firstTokenAt.map { ($0 - started) * 1000 }, stream: deliver != nil),
            deliveredText: delivered)
        context.telemetry.attemptEnded(span, outcome: outcome)
        return outcome
    }

    private func unary(
        _ request: ProviderHTTPRequest, slot: ProviderSlot, timeout: RequestTimeout, onHead: (@Sendable () -> Void)?
    ) async throws(ProviderError) -> Result<ChatResult, ProviderError> {
        // The transport bounds the wait for the head by the request timeout; the body is read under what is
        // left of it. An attempt thus needs no task around the whole exchange, whose completion would cost
        // a thread hop on every call; a body that is already buffered (the usual case) is read without
        // one too, and one that is not resumes in place (see `ResumeInPlaceExecutor`).
        let deadline = clock.now + timeout.request
        func timedOut() -> ProviderError {
            ProviderError(
                errorType: .timeout, statusCode: 0,
                message: "no complete response from \(slot.name) within \(Self.seconds(timeout.request))")
        }
        let timeouts = TransportTimeouts(connect: .seconds(min(connectTimeout, timeout.request)), request: .seconds(timeout.request))
        let exchange: (status: Int, headers: HTTPHeaderFields, body: [UInt8], received: Date)
        do {
            let response = try await transport.send(request, timeouts: timeouts)
            onHead?()
            // The head's rate-limit headers first: work that needs doing anyway, done while the body (which
            // follows the head within microseconds) arrives, so that it is usually buffered when read.
            let received = Date()
            slot.observe(headers: response.headers, now: received)
            let body = response.body
            guard let bytes = try await withDeadline(deadline - clock.now, clock: clock, resumingInPlace: true, {
                try await body.collect(upTo: Self.maxBodyBytes)
            }) else {
                throw timedOut()
            }
            exchange = (response.status, response.headers, bytes, received)
        } catch let error as TransportError where error.kind == .timeout {
            throw timedOut()
        } catch {
            throw Self.providerError(for: error, slot: slot)
        }
        do {
            return .success(try slot.adapter.parseResponse(
                status: exchange.status, headers: exchange.headers, body: exchange.body, now: exchange.received))
        } catch {
            return .failure(error)
        }
    }

    private func stream(
        _ request: ProviderHTTPRequest, slot: ProviderSlot, timeout: RequestTimeout, started: Double,
        onText: (String) async -> Void
    ) async throws(ProviderError) -> Result<ChatResult, ProviderError> {
        let transport = self.transport
        // The stream may run long; its progress is policed by the first-token and stall timers below.
        let timeouts = TransportTimeouts(connect: .seconds(min(connectTimeout, timeout.request)), request: .seconds(3_600))
        let response: TransportResponse?
        do {
            response = try await withDeadline(streaming.firstTokenTimeout, clock: clock) {
                try await transport.send(request, timeouts: timeouts)
            }
        } catch {
            throw Self.providerError(for: error, slot: slot)
        }
        guard let response else {
            throw ProviderError(
                errorType: .timeout, statusCode: 0,
                message: "\(slot.name) sent no response head within the first-token timeout (\(Self.seconds(streaming.firstTokenTimeout)))")
        }
        let now = Date()
        slot.observe(headers: response.headers, now: now)
        guard (200..<300).contains(response.status) else {
            let body = (try? await withDeadline(timeout.request, clock: clock) {
                try await response.body.collect(upTo: Self.maxBodyBytes)
            }) ?? nil
            return .failure(slot.adapter.parseError(status: response.status, headers: response.headers, body: body ?? [], now: now))
        }
        var decoder = slot.adapter.makeStreamDecoder(responseHeaders: response.headers)
        var sawText = false
        var chunks = 0
        let body = response.body
        while true {
            let limit = sawText ? streaming.stallTimeout : max(0, started + streaming.firstTokenTimeout - clock.now)
            let chunk: [UInt8]??
            do {
                chunk = try await withDeadline(limit, clock: clock, resumingInPlace: true) { try await body.next() }
            } catch {
                var failure = Self.providerError(for: error, slot: slot)
                if failure.errorType == .connection {
                    failure = ProviderError(
                        errorType: .streamTruncated, statusCode: response.status,
                        message: "the \(slot.name) stream broke after \(chunks) chunk(s): \(failure.message)",
                        requestID: decoder.requestID, partial: decoder.partial)
                }
                return .failure(failure)
            }
            guard let chunk else {
                let phase = sawText ? "no data for \(Self.seconds(streaming.stallTimeout)) after \(chunks) chunk(s)"
                    : "no first token within \(Self.seconds(streaming.firstTokenTimeout))"
                return .failure(ProviderError(
                    errorType: .streamStalled, statusCode: response.status, message: "the \(slot.name) stream stalled: \(phase)",
                    requestID: decoder.requestID, partial: decoder.partial))
            }
            let events: [StreamEvent]
            if let bytes = chunk {
                chunks += 1
                events = decoder.feed(bytes)
            } else {
                events = decoder.finish()
            }
            for event in events {
                switch event {
                case .textDelta(let text):
                    guard !text.isEmpty else { continue }
                    sawText = true
                    await onText(text)
                case .usage:
                    continue
                case .completed(let result):
                    return .success(result)
                case .failed(let error):
                    return .failure(error)
                }
            }
            if chunk == nil {
                return .failure(ProviderError(
                    errorType: .streamTruncated, statusCode: response.status,
                    message: "the \(slot.name) stream ended without its terminator", requestID: decoder.requestID,
                    partial: decoder.partial))
            }
        }
    }

    private func metric(
        _ context: AttemptContext, result: Result<ChatResult, ProviderError>, model: String, wallStart: Double,
        latencyMs: Double, timeToFirstTokenMs: Double?, stream: Bool
    ) -> APICallMetric {
        let usage: TokenUsage?
        let error: ProviderError?
        let status: Int
        switch result {
        case .success(let answer):
            usage = answer.usage
            error = nil
            status = 200
        case .failure(let failure):
            usage = failure.partial?.usage
            error = failure
            status = failure.statusCode
        }
        return APICallMetric(
            timestamp: wallStart, provider: context.slot.name, model: model, statusCode: status, latencyMs: latencyMs,
            inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0,
            isRetry: context.retryCount > 0, retryCount: context.retryCount, errorType: error?.errorType,
            errorMessage: error?.message, circuitState: context.circuitState, requestID: context.requestID,
            attempt: context.attempt, fallback: context.fallback, stream: stream, timeToFirstTokenMs: timeToFirstTokenMs,
            costUSD: context.slot.cost(of: usage), providerErrorType: error?.providerErrorType,
            retryAfterMs: error?.retryAfterMs, hedge: context.hedge)
    }

    static func providerError(for error: any Error, slot: ProviderSlot) -> ProviderError {
        if let transport = error as? TransportError {
            switch transport.kind {
            case .timeout:
                return ProviderError(errorType: .timeout, statusCode: 0, message: "\(slot.name): \(transport.message)")
            case .responseTooLarge:
                return ProviderError(errorType: .invalidResponse, statusCode: 0, message: "\(slot.name): \(transport.message)")
            case .connection:
                return ProviderError(errorType: .connection, statusCode: 0, message: "\(slot.name): \(transport.message)")
            case .cancelled:
                return cancelled(slot)
            }
        }
        if let provider = error as? ProviderError { return provider }
        if error is CancellationError { return cancelled(slot) }
        return ProviderError(errorType: .unknown, statusCode: 0, message: "\(slot.name): \(error)")
    }

    /// The attempt in flight when the caller gave up: `cancelled`, never the provider's fault.
    static func cancelled(_ slot: ProviderSlot, partial: ChatResult? = nil) -> ProviderError {
        ProviderError(
            errorType: .cancelled, statusCode: 0, message: "\(slot.name): the caller cancelled the request",
            partial: partial)
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.3f s", value)
    }
}

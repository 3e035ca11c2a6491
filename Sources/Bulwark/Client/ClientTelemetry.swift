import BulwarkCore
import Foundation
import Logging
import Tracing

/// Where a client logs and traces: the `Logger` and `Tracer` given to its initializer.
struct ClientTelemetry: Sendable {
    let logger: Logger
    /// The tracer passed in; `nil` reads `InstrumentationSystem.tracer` at the start of each request, so a
    /// tracer bootstrapped after the client was made is used too.
    let tracer: (any Tracer)?

    /// The tracer of a new request, or `nil` when tracing is off (the `NoOpTracer`): then no span, no
    /// attribute and no event is made.
    var activeTracer: (any Tracer)? {
        let tracer = self.tracer ?? InstrumentationSystem.tracer
        return tracer is NoOpTracer ? nil : tracer
    }

    /// Starts a logical request: its span, a child of the caller's `ServiceContext.current`, named
    /// `chat {model}`.
    func startRequest(requestID: String, model: String) -> RequestTelemetry {
        guard let tracer = activeTracer else {
            return RequestTelemetry(logger: logger, requestID: requestID, tracer: nil, span: nil)
        }
        let span = tracer.startSpan("chat \(model)", ofKind: .internal)
        span.updateAttributes { attributes in
            attributes[SpanNames.operationName] = "chat"
            attributes[SpanNames.requestModel] = model
            attributes[SpanNames.requestID] = requestID
        }
        return RequestTelemetry(logger: logger, requestID: requestID, tracer: tracer, span: span)
    }
}

/// The span attribute and event names: the OpenTelemetry GenAI conventions' (DESIGN.md), and Bulwark's own
/// under `bulwark.` (the names the swift-metrics recorder uses for the same things).
enum SpanNames {
    static let operationName = "gen_ai.operation.name"
    static let providerName = "gen_ai.provider.name"
    static let requestModel = "gen_ai.request.model"
    static let responseModel = "gen_ai.response.model"
    static let inputTokens = "gen_ai.usage.input_tokens"
    static let outputTokens = "gen_ai.usage.output_tokens"
    static let errorType = "error.type"
    static let serverAddress = "server.address"
    static let serverPort = "server.port"
    static let httpStatusCode = "http.response.status_code"

    static let provider = "bulwark.provider"
    static let requestID = "bulwark.request.id"
    static let attempt = "bulwark.attempt"
    static let attempts = "bulwark.attempts"
    static let hedge = "bulwark.hedge"
    static let requestOutcome = "bulwark.request.outcome"
    static let fallbackFrom = "bulwark.fallback.from"
    static let fallbackTo = "bulwark.fallback.to"
    static let fallbackReason = "bulwark.fallback.reason"
    static let retryDelay = "bulwark.retry.delay"
    static let retrySource = "bulwark.retry.source"

    /// The events on a request's span.
    static let retryEvent = "retry"
    static let fallbackEvent = "fallback"
}

/// What a provider's spans say about it: `gen_ai.provider.name`, `server.address`, `server.port`.
struct ProviderSpanIdentity: Sendable {
    let providerName: String
    let serverAddress: String?
    let serverPort: Int?

    init(_ configuration: ProviderConfiguration) {
        providerName = GenAIProviderName.forKind(configuration.kind.rawValue)
        let url = URLComponents(string: configuration.baseURL)
        serverAddress = url?.host
        serverPort = url?.port ?? (url?.scheme == "http" ? 80 : url?.scheme == "https" ? 443 : nil)
    }
}

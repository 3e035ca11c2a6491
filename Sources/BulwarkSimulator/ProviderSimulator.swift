import Foundation
public import BulwarkHTTPServer
import Synchronization

/// Wire-faithful fake OpenAI, Anthropic and Gemini APIs with scripted, seeded faults, on one port.
///
/// ```swift
/// let simulator = ProviderSimulator(
///     scenario: Scenario(providers: [.anthropic: ProviderScenario(faults: [.status(529, probability: 0.3)])]),
///     seed: 42
/// )
/// try simulator.start()                      // 127.0.0.1, a free port
/// // point clients at simulator.baseURL: …/v1 (OpenAI), … (Anthropic), … (Gemini)
/// let stats = simulator.stats()               // the ground truth
/// await simulator.stop()
/// ```
///
/// Routes:
/// - `POST /v1/chat/completions` — OpenAI (`stream: true` → SSE, `stream_options.include_usage` → usage chunk);
/// - `POST /v1/messages` — Anthropic (`stream: true` → named SSE events);
/// - `POST /v1beta/models/{model}:generateContent`, `…:streamGenerateContent?alt=sse`, and the same under
///   `/v1/models/` — Gemini (without `alt=sse`, a JSON array of chunks);
/// - `POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
///   and `…:streamGenerateContent` (also under `/v1beta1/`) — Gemini on Vertex AI, answered like Gemini
///   under the `google` scenario, faults and stats;
/// - `POST /oauth2/token` — the OAuth2 token endpoint of Vertex AI clients (see
///   ``init(scenario:seed:vertexPublicKeyPEM:)``);
/// - `GET /simulator/stats` (``SimulatorStats/json``), `POST /simulator/reset[?seed=N]`, `GET /healthz`;
/// - `GET /status/{openai|anthropic|google}/api/v2/summary.json` — the provider's Statuspage v2 summary,
///   following the scenario's phases (``Phase/reportedStatus``);
/// - `POST /simulator/keys?provider=P` with `{"valid_keys": [...]}` (or `null`) changes the keys a provider
///   accepts mid-run (``setValidKeys(_:for:)``); `GET /simulator/headers?provider=P` lists the headers of its
///   recent requests, credentials redacted (``recentRequestHeaders(for:)``).
///
/// Auth: OpenAI `Authorization: Bearer`; Anthropic `x-api-key` or `Authorization: Bearer`, any
/// `anthropic-version`; Gemini `x-goog-api-key` or `?key=`. A missing key gets the provider's own error
/// (OpenAI and Anthropic 401, Gemini 403 `PERMISSION_DENIED`); a key containing
/// ``ProviderScenario/invalidKeyMarker`` (default `invalid`) or outside ``ProviderScenario/validKeys`` gets
/// the invalid-key error (OpenAI and Anthropic 401, Gemini 400 `API_KEY_INVALID`). Vertex AI routes take
/// only `Authorization: Bearer` tokens the token endpoint issued and that have not expired; anything
/// else gets Google's 401 `UNAUTHENTICATED`.
///
/// The same scenario, seed and per-provider request order give the same faults, latencies, ids and texts.
public final class ProviderSimulator: Sendable {
    /// The scenario being played.
    public var scenario: Scenario { engine.scenario }
    /// The routes, for serving the simulator from a server of your own.
    public let router: Router
    private let engine: SimulatorEngine
    private let server = Mutex<HTTPServer?>(nil)
    private let aborts: ClientAbortMonitor
    private let vertexTokens: VertexTokenEndpoint
    /// Keys accepted at run time and the headers of recent requests.
    let inspector = RequestInspector()

    /// Creates a simulator; nothing listens until ``start(host:port:)``.
    ///
    /// - Parameters:
    ///   - scenario: the faults to play; ``Scenario/healthy`` by default.
    ///   - seed: the seed of every random choice; the scenario's seed, else 1, when `nil`.
    public convenience init(scenario: Scenario = .healthy, seed: UInt64? = nil) {
        self.init(engine: SimulatorEngine(scenario: scenario, seed: seed ?? scenario.seed ?? 1), tokens: VertexTokenEndpoint(publicKey: nil))
    }

    /// Creates a simulator whose OAuth2 token endpoint (`POST /oauth2/token`, for `vertex` providers)
    /// accepts JWTs signed by the private half of `vertexPublicKeyPEM`.
    ///
    /// - Throws: ``VertexKeyError`` when the PEM is not an RSA public key.
    public convenience init(scenario: Scenario = .healthy, seed: UInt64? = nil, vertexPublicKeyPEM: String) throws(VertexKeyError) {
        let key = try VertexTokenEndpoint.publicKey(pem: vertexPublicKeyPEM)
        self.init(engine: SimulatorEngine(scenario: scenario, seed: seed ?? scenario.seed ?? 1), tokens: VertexTokenEndpoint(publicKey: key))
    }

    init(engine: SimulatorEngine, tokens: VertexTokenEndpoint) {
        self.engine = engine
        let aborts = ClientAbortMonitor()
        self.aborts = aborts
        vertexTokens = tokens
        router = Self.makeRouter(engine, aborts: aborts, tokens: tokens, inspector: inspector)
    }

    /// Issues an access token the Vertex AI routes accept for an hour, without the JWT exchange (for
    /// `bulwark demo` and tests that are not about the OAuth2 flow).
    public func issueVertexAccessToken() -> String { vertexTokens.issue() }

    /// Revokes every access token issued so far, as Google does when a service account's key is disabled:
    /// the Vertex AI routes answer 401 to them, and a client must exchange its JWT again.
    public func revokeVertexAccessTokens() { vertexTokens.revokeAll() }

    /// Whether `token` is an access token the token endpoint issued and that has not expired.
    public func acceptsVertexToken(_ token: String) -> Bool { vertexTokens.accepts(token) }

    /// The seed in use.
    public var seed: UInt64 { engine.seed }

    /// Binds `host:port` (port `0` picks a free one) and starts serving. A stopped simulator may be
    /// started again; its stats and state carry on (see ``reset(seed:)``).
    ///
    /// - Throws: ``HTTPServerError``, e.g. when the address is in use or the simulator already runs.
    public func start(host: String = "127.0.0.1", port: Int = 0) throws(HTTPServerError) {
        try server.withLock { (slot: inout HTTPServer?) throws(HTTPServerError) in
            if let running = slot, running.isRunning {
                throw HTTPServerError(
                    code: .alreadyRunning,
                    message: "the simulator is already running on port \(running.port)"
                )
            }
            let configuration = HTTPServer.Configuration(host: host, port: port, shutdownGracePeriod: .seconds(2))
            let newServer = HTTPServer(configuration: configuration, router: router)
            try newServer.start()
            slot = newServer
        }
    }

    /// The bound port while running (the real one when started with port `0`); otherwise the port last
    /// asked for (`0` before the first start).
    public var port: Int {
        server.withLock { $0?.port ?? 0 }
    }

    /// `http://host:port` of the running simulator (IPv6 hosts in brackets).
    public var baseURL: String {
        let host = server.withLock { $0?.configuration.host } ?? "127.0.0.1"
        return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Stops serving; streams in flight get up to 2 s, then their connections are closed.
    public func stop() async {
        await stop(gracePeriod: .seconds(2))
    }

    /// Stops serving, letting streams in flight finish for up to `gracePeriod`.
    public func stop(gracePeriod: Duration) async {
        let running = server.withLock { $0 }
        await running?.stop(gracePeriod: gracePeriod)
    }

    /// The requests received so far, by provider, status and fault.
    public func stats() -> SimulatorStats {
        Self.stats(engine, aborts)
    }

    private static func stats(_ engine: SimulatorEngine, _ aborts: ClientAbortMonitor) -> SimulatorStats {
        var stats = engine.stats()
        (stats.clientAborts, stats.clientAbortTimes) = aborts.snapshot()
        return stats
    }

    /// Starts the run over: clears the stats, the rate-limit windows and the sequence positions, reseeds
    /// the generators (with `seed`, or the current seed), and restarts the phase timeline.
    public func reset(seed: UInt64? = nil) {
        engine.reset(seed: seed)
        aborts.reset()
        inspector.reset()
    }

    /// The answer `provider` would give to a single user message `prompt` under this scenario and seed,
    /// e.g. to assert on the text a client received.
    public func expectedCompletion(for provider: SimulatedProvider, prompt: String, maxTokens: Int? = nil)
        -> SimulatedCompletion
    {
        engine.completion(provider, PromptSummary(texts: [prompt], messageCount: 1, maxTokens: maxTokens))
    }

    // MARK: Routes

    private static func makeRouter(
        _ engine: SimulatorEngine, aborts: ClientAbortMonitor, tokens: VertexTokenEndpoint, inspector: RequestInspector
    ) -> Router {
        var router = Router()
        router.post("/v1/chat/completions") { request in
            await Self.handle(.openai, request, engine: engine, aborts: aborts, inspector: inspector)
        }
        router.post("/v1/messages") { request in
            await Self.handle(.anthropic, request, engine: engine, aborts: aborts, inspector: inspector)
        }
        for prefix in ["/v1beta/models/", "/v1/models/"] {
            router.post(prefix: prefix) { request in
                await Self.handle(.google, request, engine: engine, aborts: aborts, inspector: inspector, prefix: prefix)
            }
        }
        for prefix in ["/v1/projects/", "/v1beta1/projects/"] {
            router.post(prefix: prefix) { request in
                await Self.handle(.google, request, engine: engine, aborts: aborts, inspector: inspector, vertexTokens: tokens)
            }
        }
        router.post("/simulator/keys") { request in inspector.setKeysRoute(request) }
        router.get("/simulator/headers") { request in inspector.headersRoute(request) }
        router.get("/simulator/stats") { _ in
            HTTPResponse.json(Self.stats(engine, aborts).json)
        }
        router.post("/simulator/reset") { request in
            let seedText = request.queryValue("seed")
            let seed = seedText.flatMap { UInt64($0) }
            if seedText != nil, seed == nil {
                return .json("{\"error\": \"seed must be an unsigned integer\"}\n", status: 400)
            }
            engine.reset(seed: seed)
            aborts.reset()
            inspector.reset()
            return .json("{\"reset\": true, \"seed\": \(engine.seed)}\n")
        }
        router.post("/oauth2/token") { request in
            let answer = tokens.exchange(formBody: request.body)
            return .json(answer.body, status: answer.status)
        }
        for provider in SimulatedProvider.allCases {
            router.get("/status/\(provider.rawValue)/api/v2/summary.json") { request in
                let base = request.headers["host"].map { "http://\($0)" } ?? ""
                return HTTPResponse.json(StatusPage.summary(
                    provider, scenario: engine.scenario, phaseTime: engine.phaseTime(), now: Date(), baseURL: base))
            }
        }
        router.get("/healthz") { _ in .text("ok\n") }
        return router
    }

    private static func handle(
        _ provider: SimulatedProvider,
        _ request: HTTPRequest,
        engine: SimulatorEngine,
        aborts: ClientAbortMonitor,
        inspector: RequestInspector,
        prefix: String = "",
        vertexTokens: VertexTokenEndpoint? = nil
    ) async -> HTTPResponse {
        // While the answer is prepared, a client that closes its connection is seen at once.
        let watch = aborts.begin(descriptor: request.connectionDescriptor)
        defer { aborts.end(watch) }
        let script = engine.scenario[provider]
        var model = ""
        var isStream = false
        var isSSE = true
        if provider == .google {
            let target: Substring
            if vertexTokens != nil {
                // …/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}
                guard let locations = request.path.range(of: "/locations/"),
                    let models = request.path.range(of: "/publishers/google/models/", range: locations.upperBound..<request.path.endIndex)
                else {
                    return errorResponse(engine.rejectEarly(provider, 404, fault: .notFound, isStream: false))
                }
                target = request.path[models.upperBound...]
            } else {
                target = request.path.dropFirst(prefix.count)
            }
            guard let colon = target.lastIndex(of: ":"), colon > target.startIndex else {
                return errorResponse(engine.rejectEarly(provider, 404, fault: .notFound, isStream: false))
            }
            model = String(target[..<colon])
            switch target[target.index(after: colon)...] {
            case "generateContent": break
            case "streamGenerateContent":
                isStream = true
                isSSE = request.queryValue("alt") == "sse"
            default:
                return errorResponse(engine.rejectEarly(provider, 404, fault: .notFound, isStream: false))
            }
        }

        inspector.record(provider, request.headers)
        switch vertexTokens.map({ Auth.checkVertex(request, tokens: $0) })
            ?? Auth.check(provider, request, script, validKeys: inspector.validKeys(provider) ?? script.validKeys) {
        case .ok: break
        case .missing(let status), .invalid(let status):
            return errorResponse(engine.rejectEarly(provider, status, fault: .auth, isStream: isStream))
        }

        let parsed: ParsedRequest? =
            switch provider {
            case .openai: RequestParsing.openAI(request.body)
            case .anthropic: RequestParsing.anthropic(request.body)
            case .google: RequestParsing.gemini(request.body, model: model, isStream: isStream && isSSE)
            }
        guard let parsed else {
            return errorResponse(engine.rejectEarly(provider, 400, fault: .invalidRequest, isStream: isStream))
        }
        if let known = script.knownModels, !known.contains(parsed.model) {
            return errorResponse(engine.rejectEarly(provider, 404, fault: .notFound, isStream: parsed.isStream))
        }

        switch engine.decide(provider, parsed) {
        case .error(let reply, let delayMs):
            await sleep(milliseconds: delayMs)
            return errorResponse(reply)
        case .reset(let delayMs):
            await sleep(milliseconds: delayMs)
            return HTTPResponse.stream(contentType: "application/json") { writer in
                writer.abort()
            }
        case .success(let plan):
            await sleep(milliseconds: plan.delayMs)
            var headers = HTTPHeaders(plan.headers.map { ($0.name, $0.value) })
            if !parsed.isStream {
                let body: String =
                    switch provider {
                    case .openai: OpenAIWire.completion(plan.context)
                    case .anthropic: AnthropicWire.message(plan.context)
                    case .google: isStream ? GeminiWire.streamArray(plan.context) : GeminiWire.response(plan.context)
                    }
                headers.replaceOrAdd(
                    name: "Content-Type",
                    value: provider == .google ? "application/json; charset=UTF-8" : "application/json"
                )
                return HTTPResponse(status: 200, headers: headers, body: .bytes(Array(body.utf8)))
            }
            let script: StreamScript =
                switch provider {
                case .openai: OpenAIWire.stream(plan.context)
                case .anthropic: AnthropicWire.stream(plan.context)
                case .google: GeminiWire.stream(plan.context)
                }
            // The stream's producer watches the connection on: a client that left while the answer was
            // prepared is not counted twice.
            let counted = aborts.end(watch)
            let descriptor = request.connectionDescriptor
            return HTTPResponse.eventStream(headers: headers) { writer in
                let watch = aborts.begin(descriptor: descriptor, counted: counted)
                defer { aborts.end(watch) }
                do {
                    if try await !StreamPlayer.play(script, plan: plan, provider: provider, writer: writer) {
                        aborts.streamAborted(watch)
                    }
                } catch {
                    // Cancelled while waiting between chunks: the connection closed (or the server stops).
                    aborts.streamAborted(watch)
                    throw error
                }
            }
        }
    }

    private static func errorResponse(_ reply: ErrorReply) -> HTTPResponse {
        HTTPResponse(
            status: reply.status,
            headers: HTTPHeaders(reply.headers.map { ($0.name, $0.value) }),
            body: .bytes(reply.body)
        )
    }

    static func sleep(milliseconds: Double) async {
        guard milliseconds > 0 else { return }
        try? await Task.sleep(for: .milliseconds(milliseconds))
    }
}

/// Plays a stream script with its timing and fault.
enum StreamPlayer {
    /// Plays the stream; `false` when a write found the client gone.
    @discardableResult
    static func play(
        _ script: StreamScript,
        plan: SuccessPlan,
        provider: SimulatedProvider,
        writer: ResponseBodyWriter
    ) async throws -> Bool {
        /// Set when a write found the client gone.
        var clientGone = false
        func send(_ event: String) async -> Bool {
            guard await write(event) else {
                clientGone = true
                return false
            }
            return true
        }
        func write(_ event: String) async -> Bool {
            await writer.write(plan.lineEnding == .crlf ? event.replacingOccurrences(of: "\n", with: "\r\n") : event)
        }
        /// Applies the fault; `true` when the stream goes on.
        func strike(_ fault: StreamFault) async throws -> Bool {
            switch fault.kind {
            case .stall(let seconds):
                try await Task.sleep(for: .milliseconds(seconds * 1000))
                return true
            case .error:
                _ = await send(WireFixtures.midStreamError(provider))
                return false
            case .truncate:
                return false
            case .reset:
                writer.abort()
                return false
            }
        }
        for event in script.preamble {
            guard await send(event) else { return !clientGone }
        }
        let position = plan.streamFault.map { min($0.afterChunks, script.lastFaultPosition) }
        for (index, event) in script.content.enumerated() {
            if index == position, let fault = plan.streamFault {
                guard try await strike(fault) else { return !clientGone }
            }
            let delay = index < plan.chunkDelaysMs.count ? plan.chunkDelaysMs[index] : 0
            if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            guard await send(event) else { return !clientGone }
        }
        if let position, position >= script.content.count, let fault = plan.streamFault {
            guard try await strike(fault) else { return !clientGone }
        }
        for event in script.epilogue {
            guard await send(event) else { return !clientGone }
        }
        return true
    }
}

/// API-key checks in each provider's manner.
enum Auth {
    enum Outcome: Equatable {
        case ok
        case missing(ErrorStatus)
        case invalid(ErrorStatus)
    }

    static func check(
        _ provider: SimulatedProvider, _ request: HTTPRequest, _ script: ProviderScenario, validKeys: [String]?
    ) -> Outcome {
        let bearer = request.headers["Authorization"].flatMap(bearerToken)
        let key: String?
        switch provider {
        case .openai: key = bearer
        case .anthropic: key = nonEmpty(request.headers["x-api-key"]) ?? bearer
        case .google: key = nonEmpty(request.headers["x-goog-api-key"]) ?? nonEmpty(request.queryValue("key"))
        }
        guard let key else {
            return .missing(provider == .google ? 403 : 401)
        }
        let isInvalid =
            (!script.invalidKeyMarker.isEmpty && key.contains(script.invalidKeyMarker))
            || (validKeys.map { !$0.contains(key) } ?? false)
        guard !isInvalid else {
            return .invalid(provider == .google ? ErrorStatus(400, variant: "api_key_invalid") : 401)
        }
        return .ok
    }

    /// Vertex AI: a bearer token the token endpoint issued; Google answers 401 `UNAUTHENTICATED` both
    /// to a missing and to an unknown or expired token.
    static func checkVertex(_ request: HTTPRequest, tokens: VertexTokenEndpoint) -> Outcome {
        guard let token = request.headers["Authorization"].flatMap(bearerToken) else { return .missing(401) }
        return tokens.accepts(token) ? .ok : .invalid(401)
    }

    private static func bearerToken(_ value: String) -> String? {
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return nonEmpty(parts[1].trimmingSpaces)
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}

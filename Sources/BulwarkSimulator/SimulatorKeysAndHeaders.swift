import Foundation
public import BulwarkHTTPServer
import Synchronization

/// What the simulator changes and records about authentication at run time: the keys each provider
/// accepts now (overriding ``ProviderScenario/validKeys``, so a test can rotate a key mid-run), and the
/// headers of each provider's most recent requests (so a test can check that headers arrived exactly).
final class RequestInspector: Sendable {
    /// Requests whose headers are kept per provider; older ones are dropped.
    static let keptRequests = 64
    /// Headers that carry the key: recorded with their value replaced by ``redacted``.
    static let credentialHeaders: Set<String> = ["authorization", "x-api-key", "x-goog-api-key", "proxy-authorization"]
    static let redacted = "[REDACTED]"

    private struct State {
        var validKeys: [SimulatedProvider: [String]] = [:]
        var headers: [SimulatedProvider: [[HTTPHeaders.Field]]] = [:]
    }

    private let state = Mutex(State())

    /// The keys `provider` accepts now, when set at run time; `nil`: the scenario's.
    func validKeys(_ provider: SimulatedProvider) -> [String]? {
        state.withLock { $0.validKeys[provider] }
    }

    func setValidKeys(_ keys: [String]?, for provider: SimulatedProvider) {
        state.withLock { $0.validKeys[provider] = keys }
    }

    /// Keeps the headers of a request to `provider`, credentials redacted.
    func record(_ provider: SimulatedProvider, _ headers: HTTPHeaders) {
        let fields = headers.fields.map { field in
            Self.credentialHeaders.contains(field.name.lowercased())
                ? HTTPHeaders.Field(name: field.name, value: Self.redacted) : field
        }
        state.withLock { state in
            var log = state.headers[provider, default: []]
            if log.count >= Self.keptRequests { log.removeFirst(log.count - Self.keptRequests + 1) }
            log.append(fields)
            state.headers[provider] = log
        }
    }

    func recentHeaders(_ provider: SimulatedProvider) -> [[HTTPHeaders.Field]] {
        state.withLock { $0.headers[provider] ?? [] }
    }

    func reset() {
        state.withLock { $0 = State() }
    }

    // MARK: Routes

    /// `POST /simulator/keys?provider=P` with `{"valid_keys": ["k1", "k2"]}` (or `null`: the scenario's).
    func setKeysRoute(_ request: HTTPRequest) -> HTTPResponse {
        guard let name = request.queryValue("provider"), let provider = SimulatedProvider(rawValue: name) else {
            return .json("{\"error\": \"provider must be openai, anthropic or google\"}\n", status: 400)
        }
        struct Body: Decodable {
            var validKeys: [String]?
            enum CodingKeys: String, CodingKey { case validKeys = "valid_keys" }
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(request.body)),
            body.validKeys?.isEmpty != true
        else {
            return .json("{\"error\": \"expected {\\\"valid_keys\\\": [\\\"key\\\", ...]} (a non-empty list) or {\\\"valid_keys\\\": null}\"}\n", status: 400)
        }
        setValidKeys(body.validKeys, for: provider)
        // The keys are not echoed: the answer says how many there are.
        return .json("{\"provider\": \"\(provider.rawValue)\", \"valid_keys\": \(body.validKeys.map { "\($0.count)" } ?? "null")}\n")
    }

    /// `GET /simulator/headers?provider=P`: `{"provider": P, "requests": [[[name, value], ...], ...]}`, oldest
    /// first, credentials redacted.
    func headersRoute(_ request: HTTPRequest) -> HTTPResponse {
        guard let name = request.queryValue("provider"), let provider = SimulatedProvider(rawValue: name) else {
            return .json("{\"error\": \"provider must be openai, anthropic or google\"}\n", status: 400)
        }
        let requests = recentHeaders(provider).map { $0.map { [$0.name, $0.value] } }
        let data = (try? JSONSerialization.data(withJSONObject: ["provider": provider.rawValue, "requests": requests])) ?? Data("{}".utf8)
        return .json(Array(data) + [0x0A])
    }
}

extension ProviderSimulator {
    /// Makes `provider` accept only `keys` from now on (`nil`: the scenario's ``ProviderScenario/validKeys``
    /// again), e.g. to rotate a key in the middle of a test. Also `POST /simulator/keys?provider=P`.
    public func setValidKeys(_ keys: [String]?, for provider: SimulatedProvider) {
        inspector.setValidKeys(keys, for: provider)
    }

    /// The header fields of `provider`'s most recent requests (up to 64, oldest first), as received, with
    /// the values of `Authorization`, `x-api-key` and `x-goog-api-key` replaced by `[REDACTED]`. Also
    /// `GET /simulator/headers?provider=P`.
    public func recentRequestHeaders(for provider: SimulatedProvider) -> [[HTTPHeaders.Field]] {
        inspector.recentHeaders(provider)
    }
}

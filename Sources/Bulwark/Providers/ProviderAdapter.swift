public import Foundation
import BulwarkCore

/// Builds one provider's HTTP requests and reads its responses. Adapters hold no connection and no
/// key: the engine sends ``ProviderHTTPRequest`` values with its transport and hands back what came in.
///
/// Create one with ``ProviderEndpoint/makeAdapter()`` or directly (``OpenAIAdapter``,
/// ``AnthropicAdapter``, ``GeminiAdapter``).
public protocol ProviderAdapter: Sendable {
    /// Where the adapter sends requests.
    var endpoint: ProviderEndpoint { get }

    /// Builds the HTTP request for `request`, authenticated with `apiKey`.
    ///
    /// Throws a ``ProviderError`` with status 0 when the request cannot be sent: `bad_request` for an
    /// invalid conversation (the message names the offending `messages[i]`), `authentication` for an
    /// empty key or one containing control characters.
    func makeHTTPRequest(for request: ChatRequest, apiKey: String) throws(ProviderError) -> ProviderHTTPRequest

    /// Reads a complete (non-streaming) response received at `now`.
    ///
    /// Throws the normalized error for a non-2xx status, `content_filtered` when the provider withheld
    /// the answer (the error's ``ProviderError/partial`` keeps text and usage), and `invalid_response`
    /// for a 2xx body that is not the provider's JSON.
    func parseResponse(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) throws(ProviderError)
        -> ChatResult

    /// Normalizes an error response (any status, any body) received at `now`.
    func parseError(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) -> ProviderError

    /// The provider's request id in response headers, if it sends one.
    func requestID(in headers: HTTPHeaderFields) -> String?
}

extension ProviderAdapter {
    public func parseError(status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date) -> ProviderError {
        ErrorNormalizer.normalize(kind: endpoint.kind, status: status, headers: headers, body: body, now: now)
    }

    /// A decoder for the event stream of a 200 response with these headers.
    package func makeStreamDecoder(responseHeaders: HTTPHeaderFields = [:]) -> StreamDecoder {
        StreamDecoder(kind: endpoint.kind, requestID: requestID(in: responseHeaders))
    }

    /// The model to request: the request's override, else the endpoint's.
    func model(for request: ChatRequest) -> String {
        if let model = request.model, !model.isEmpty { return model }
        return endpoint.model
    }

    /// The key without surrounding whitespace; throws when it is empty or holds control characters.
    func validatedAPIKey(_ apiKey: String) throws(ProviderError) -> String {
        let key = apiKey.trimmingASCIIWhitespace()
        if key.isEmpty {
            throw ProviderError(
                errorType: .authentication, statusCode: 0,
                message: "no API key configured for provider \(endpoint.name)")
        }
        // Control characters are single bytes in UTF-8; no byte of a longer sequence is below 0x80.
        if key.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw ProviderError(
                errorType: .authentication, statusCode: 0,
                message: "the API key of provider \(endpoint.name) contains control characters")
        }
        return key
    }

    /// Headers every adapter sends, then the endpoint's extra headers.
    func commonHeaders(auth: [HTTPHeaderField], stream: Bool) -> HTTPHeaderFields {
        var fields = auth
        fields.reserveCapacity(auth.count + 2 + endpoint.extraHeaders.fields.count)
        var headers = HTTPHeaderFields(fields)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        for field in endpoint.extraHeaders { headers.replaceOrAdd(name: field.name, value: field.value) }
        return headers
    }

    /// The JSON of a successful response; throws the normalized error for any other status or for a 2xx
    /// body holding an `error` object, and `invalid_response` for a body that is not a JSON object.
    ///
    /// Only the members in `selection` are built (it must include `error`); the rest is checked and skipped.
    func successJSON(
        status: Int, headers: HTTPHeaderFields, body: [UInt8], now: Date, selecting selection: JSONSelection = .all
    ) throws(ProviderError) -> JSONValue {
        guard (200..<300).contains(status) else {
            throw parseError(status: status, headers: headers, body: body, now: now)
        }
        guard let json = try? JSONParser.parse(body, selecting: selection), json.object != nil else {
            let prefix = String(decoding: body.prefix(200), as: UTF8.self)
            throw ProviderError(
                errorType: .invalidResponse, statusCode: status,
                message: "the \(endpoint.kind.rawValue) response body is not a JSON object: \(prefix)",
                requestID: requestID(in: headers))
        }
        if json["error"]?.object != nil {
            throw parseError(status: status, headers: headers, body: body, now: now)
        }
        return json
    }

    /// A 2xx response whose JSON lacks what the provider always sends.
    func malformed(_ what: String, status: Int, headers: HTTPHeaderFields) -> ProviderError {
        ProviderError(
            errorType: .invalidResponse, statusCode: status,
            message: "the \(endpoint.kind.rawValue) response has no \(what)", requestID: requestID(in: headers))
    }
}

/// The error of an answer the provider withheld (refusal, safety filter, blocked prompt).
func contentFilteredError(
    code: String?, message: String?, status: Int, requestID: String?, partial: ChatResult
) -> ProviderError {
    ProviderError(
        errorType: .contentFiltered,
        statusCode: status,
        providerErrorType: code,
        message: message ?? "the provider withheld the response (\(code ?? "content filter"))",
        requestID: requestID,
        partial: partial)
}

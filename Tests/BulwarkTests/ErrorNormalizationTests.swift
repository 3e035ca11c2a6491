import BulwarkCore
import Foundation
import Bulwark
import Testing

/// What one error fixture must normalize to.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var kind: ProviderKind
    var file: String
    var errorType: ErrorType
    var retryable: Bool
    var providerErrorType: String?
    var retryAfterMs: Double? = nil
    var requestID: String? = nil
    var message: String? = nil
    var contextLength = false

    var testDescription: String { "\(kind.rawValue)/errors/\(file)" }

    static let all: [ErrorCase] = [
        // OpenAI
        ErrorCase(
            kind: .openai, file: "400.json", errorType: .badRequest, retryable: false,
            providerErrorType: "invalid_value"),
        ErrorCase(
            kind: .openai, file: "400-context_length_exceeded.json", errorType: .badRequest, retryable: false,
            providerErrorType: "context_length_exceeded", contextLength: true),
        ErrorCase(
            kind: .openai, file: "401.json", errorType: .authentication, retryable: false,
            providerErrorType: "invalid_api_key"),
        ErrorCase(
            kind: .openai, file: "403.json", errorType: .permission, retryable: false,
            providerErrorType: "unsupported_country_region_territory",
            message: "Country, region, or territory not supported"),
        ErrorCase(
            kind: .openai, file: "404.json", errorType: .notFound, retryable: false,
            providerErrorType: "model_not_found"),
        ErrorCase(
            kind: .openai, file: "429.json", errorType: .rateLimited, retryable: true,
            providerErrorType: "rate_limit_exceeded",
            requestID: "req_1b2c3d4e5f60718293a4b5c6d7e8f901"),
        ErrorCase(
            kind: .openai, file: "429-requests.json", errorType: .rateLimited, retryable: true,
            providerErrorType: "rate_limit_exceeded", requestID: "req_1b2c3d4e5f60718293a4b5c6d7e8f901"),
        ErrorCase(
            kind: .openai, file: "429-insufficient_quota.json", errorType: .quotaExhausted, retryable: false,
            providerErrorType: "insufficient_quota"),
        ErrorCase(
            kind: .openai, file: "500.json", errorType: .serverError, retryable: true, providerErrorType: "server_error"
        ),
        ErrorCase(
            kind: .openai, file: "502.html", errorType: .badGateway, retryable: true, providerErrorType: nil,
            message: "502 Bad Gateway"),
        ErrorCase(
            kind: .openai, file: "502.json", errorType: .badGateway, retryable: true,
            providerErrorType: "cf_bad_gateway", message: "Bad gateway."),
        ErrorCase(
            kind: .openai, file: "503.json", errorType: .overloaded, retryable: true,
            providerErrorType: "server_is_overloaded",
            retryAfterMs: 2000),
        ErrorCase(
            kind: .openai, file: "504.html", errorType: .gatewayTimeout, retryable: true, providerErrorType: nil,
            message: "504 Gateway Time-out"),
        // Anthropic
        ErrorCase(
            kind: .anthropic, file: "400.json", errorType: .badRequest, retryable: false,
            providerErrorType: "invalid_request_error",
            requestID: "req_011CSHoEeqs5C35K2UUqR7Fy"),
        ErrorCase(
            kind: .anthropic, file: "401.json", errorType: .authentication, retryable: false,
            providerErrorType: "authentication_error", message: "invalid x-api-key"),
        ErrorCase(
            kind: .anthropic, file: "402.json", errorType: .quotaExhausted, retryable: false,
            providerErrorType: "billing_error"),
        ErrorCase(
            kind: .anthropic, file: "403.json", errorType: .permission, retryable: false,
            providerErrorType: "permission_error"),
        ErrorCase(
            kind: .anthropic, file: "404.json", errorType: .notFound, retryable: false,
            providerErrorType: "not_found_error"),
        ErrorCase(
            kind: .anthropic, file: "413.json", errorType: .requestTooLarge, retryable: false,
            providerErrorType: "request_too_large",
            message: "Request exceeds the maximum size"),
        ErrorCase(
            kind: .anthropic, file: "429.json", errorType: .rateLimited, retryable: true,
            providerErrorType: "rate_limit_error",
            retryAfterMs: 20_000, requestID: "req_011CSHoK5qUwBfA3x7X4bZsE"),
        ErrorCase(
            kind: .anthropic, file: "429-enforced_spend_limit_reached.json", errorType: .quotaExhausted,
            retryable: false,
            providerErrorType: "enforced_spend_limit_reached", requestID: "req_011CSHoL1rVxCgB4y8Y5cAtF"),
        ErrorCase(
            kind: .anthropic, file: "500.json", errorType: .serverError, retryable: true,
            providerErrorType: "api_error",
            requestID: "req_011Cb6hPqq9kGFsASTB45qyt"),
        ErrorCase(
            kind: .anthropic, file: "504.html", errorType: .gatewayTimeout, retryable: true, providerErrorType: nil,
            message: "api.anthropic.com | 504: Gateway time-out"),
        ErrorCase(
            kind: .anthropic, file: "504.json", errorType: .gatewayTimeout, retryable: true,
            providerErrorType: "timeout_error"),
        ErrorCase(
            kind: .anthropic, file: "529.json", errorType: .overloaded, retryable: true,
            providerErrorType: "overloaded_error",
            message: "Overloaded"),
        // Gemini
        ErrorCase(
            kind: .google, file: "400.json", errorType: .badRequest, retryable: false,
            providerErrorType: "INVALID_ARGUMENT"),
        ErrorCase(
            kind: .google, file: "400-api_key_invalid.json", errorType: .authentication, retryable: false,
            providerErrorType: "API_KEY_INVALID", message: "API key not valid. Please pass a valid API key."),
        ErrorCase(
            kind: .google, file: "400-failed_precondition.json", errorType: .badRequest, retryable: false,
            providerErrorType: "FAILED_PRECONDITION"),
        ErrorCase(
            kind: .google, file: "401.json", errorType: .authentication, retryable: false,
            providerErrorType: "UNAUTHENTICATED"),
        ErrorCase(
            kind: .google, file: "403.json", errorType: .permission, retryable: false,
            providerErrorType: "PERMISSION_DENIED"),
        ErrorCase(
            kind: .google, file: "404.json", errorType: .notFound, retryable: false, providerErrorType: "NOT_FOUND"),
        ErrorCase(
            kind: .google, file: "429.json", errorType: .rateLimited, retryable: true,
            providerErrorType: "RESOURCE_EXHAUSTED",
            retryAfterMs: 26_000),
        ErrorCase(
            kind: .google, file: "500.json", errorType: .serverError, retryable: true, providerErrorType: "INTERNAL"),
        ErrorCase(
            kind: .google, file: "503.json", errorType: .unavailable, retryable: true, providerErrorType: "UNAVAILABLE",
            message: "The model is overloaded. Please try again later."),
        ErrorCase(
            kind: .google, file: "504.json", errorType: .gatewayTimeout, retryable: true,
            providerErrorType: "DEADLINE_EXCEEDED"),
    ]
}

@Suite("Error normalization")
struct ErrorNormalizationTests {
    @Test(arguments: ProviderKind.withWireFixtures)
    func everyErrorFixtureHasAManifestEntryAndAnExpectation(kind: ProviderKind) throws {
        let files = Set(try Fixtures.files(kind, in: "errors")).subtracting(["manifest.json"])
        let manifested = Set(try Fixtures.manifest(kind).files.map(\.file))
        let expected = Set(ErrorCase.all.filter { $0.kind == kind }.map(\.file))
        #expect(files == manifested, "files vs manifest.json")
        #expect(files == expected, "files vs the expectations in ErrorCase.all")
    }

    @Test(arguments: ErrorCase.all)
    func errorFixtureNormalizes(_ expected: ErrorCase) throws {
        let entry = try #require(try Fixtures.manifest(expected.kind).files.first { $0.file == expected.file })
        let adapter = ProviderEndpoint(kind: expected.kind, model: "m").makeAdapter()
        let error = adapter.parseError(
            status: entry.status, headers: entry.headers,
            body: try Fixtures.bytes(expected.kind, "errors/\(expected.file)"),
            now: anyNow)

        #expect(error.statusCode == entry.status)
        #expect(error.errorType == expected.errorType)
        #expect(error.isRetryable == expected.retryable)
        #expect(error.providerErrorType == expected.providerErrorType)
        #expect(error.retryAfterMs == expected.retryAfterMs)
        #expect(error.isContextLengthExceeded == expected.contextLength)
        if let requestID = expected.requestID { #expect(error.requestID == requestID) }
        if let message = expected.message { #expect(error.message == message) }
        #expect(!error.message.isEmpty)
        #expect(!error.message.contains("<"), "HTML leaked into the message: \(error.message)")
        #expect(error.message.count <= ProviderError.maxMessageLength)
        #expect(!APIKeyRedactor.containsKey(error.message) || error.message.contains(APIKeyRedactor.placeholder))
    }

    @Test func anthropic429KeepsShouldRetryHeader() throws {
        let entry = try #require(try Fixtures.manifest(.anthropic).files.first { $0.file == "429.json" })
        let error = ErrorNormalizer.normalize(
            kind: .anthropic, status: 429, headers: entry.headers,
            body: try Fixtures.bytes(.anthropic, "errors/429.json"), now: anyNow)
        #expect(error.shouldRetryHeader == true)
        #expect(error.retryAfter == .seconds(20))
    }

    @Test func shouldRetryFalseVetoesRetry() {
        let error = ErrorNormalizer.normalize(
            kind: .openai, status: 500, headers: ["x-should-retry": "false"],
            body: Array(#"{"error":{"message":"boom","type":"server_error"}}"#.utf8), now: anyNow)
        #expect(error.errorType == .serverError)
        #expect(!error.isRetryable)
    }

    @Test func shouldRetryTrueDoesNotMakeBadRequestRetryable() {
        let error = ErrorNormalizer.normalize(
            kind: .openai, status: 400, headers: ["x-should-retry": "true"],
            body: Array(#"{"error":{"message":"bad","type":"invalid_request_error"}}"#.utf8), now: anyNow)
        #expect(!error.isRetryable)
    }

    @Test(arguments: [
        (409, ErrorType.badRequest), (418, .badRequest), (451, .badRequest), (599, .serverError), (507, .serverError),
        (302, .unknown), (408, .requestTimeout),
    ])
    func unknownStatusesGoByClass(status: Int, expected: ErrorType) {
        for kind in ProviderKind.allCases {
            #expect(
                ErrorNormalizer.normalize(kind: kind, status: status, headers: [:], body: [], now: anyNow).errorType
                    == expected)
        }
    }

    @Test func anthropicContextOverflowIsFlagged() {
        let body =
            #"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208310 tokens > 200000 maximum"}}"#
        let error = ErrorNormalizer.normalize(
            kind: .anthropic, status: 400, headers: [:], body: Array(body.utf8), now: anyNow)
        #expect(error.errorType == .badRequest)
        #expect(error.isContextLengthExceeded)
    }

    @Test func geminiContextOverflowIsFlagged() {
        let body =
            #"{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#
        let error = ErrorNormalizer.normalize(
            kind: .google, status: 400, headers: [:], body: Array(body.utf8), now: anyNow)
        #expect(error.errorType == .badRequest)
        #expect(error.isContextLengthExceeded)
    }

    @Test func htmlPageWithoutTitleFallsBackToStatusPhrase() {
        let error = ErrorNormalizer.normalize(
            kind: .openai, status: 502, headers: ["content-type": "text/html"],
            body: Array("<html><body>x</body></html>".utf8), now: anyNow)
        #expect(error.errorType == .badGateway)
        #expect(error.message == "HTTP 502 Bad Gateway")
    }

    @Test func plainTextBodyBecomesTheMessage() {
        let error = ErrorNormalizer.normalize(
            kind: .google, status: 503, headers: [:], body: Array("upstream connect error".utf8), now: anyNow)
        #expect(error.errorType == .unavailable)
        #expect(error.message == "upstream connect error")
    }

    @Test func retryAfterHeaderWinsOverGeminiRetryInfo() throws {
        let error = ErrorNormalizer.normalize(
            kind: .google, status: 429, headers: ["retry-after": "3"],
            body: try Fixtures.bytes(.google, "errors/429.json"), now: anyNow)
        #expect(error.retryAfterMs == 3000)
    }

    // MARK: Redaction

    @Test func apiKeysNeverAppearInErrorMessages() {
        let keys = [
            "sk-proj-AbCdEf0123456789AbCdEf0123456789", "sk-ant-api03-AbCdEf0123456789-xyz_0123456789",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        ]
        for key in keys {
            let bodies: [(ProviderKind, Int, String)] = [
                (
                    .openai, 401,
                    #"{"error":{"message":"Incorrect API key provided: \#(key). Check it.","type":"invalid_request_error","code":"invalid_api_key"}}"#
                ),
                (
                    .anthropic, 401,
                    #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key \#(key)"}}"#
                ),
                (
                    .google, 400,
                    #"{"error":{"code":400,"message":"API key \#(key) not valid.","status":"INVALID_ARGUMENT"}}"#
                ),
                (.openai, 502, "<html><head><title>Bad key \(key)</title></head></html>"),
                (.anthropic, 500, "Authorization: Bearer \(key)"),
            ]
            for (kind, status, body) in bodies {
                let error = ErrorNormalizer.normalize(
                    kind: kind, status: status, headers: [:], body: Array(body.utf8), now: anyNow)
                #expect(!error.message.contains(key), "\(kind) \(status): \(error.message)")
                #expect(!error.description.contains(key))
                #expect(error.message.contains(APIKeyRedactor.placeholder))
            }
            var streamed = StreamDecoder(kind: .openai)
            let events = streamed.feed(
                Array("data: {\"error\":{\"message\":\"bad key \(key)\",\"type\":\"server_error\"}}\n\n".utf8))
            #expect(events.failure.map { !$0.message.contains(key) } == true)
        }
    }

    @Test func messagesAreCutTo500Characters() {
        let long = String(repeating: "x", count: 2000)
        let error = ErrorNormalizer.normalize(
            kind: .openai, status: 500, headers: [:],
            body: Array(#"{"error":{"message":"\#(long)","type":"server_error"}}"#.utf8), now: anyNow)
        #expect(error.message.count == 500)
        var copy = error
        copy.setMessage(long + " sk-proj-AbCdEf0123456789AbCdEf")
        #expect(copy.message.count == 500)
    }

    @Test func retryAfterMsIsExposedInMilliseconds() {
        let error = ProviderError(
            errorType: .rateLimited, statusCode: 429, message: "m", retryAfter: .milliseconds(1500))
        #expect(error.retryAfterMs == 1500)
    }
}

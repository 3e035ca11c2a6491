import Bulwark
import Foundation
import Logging

/// `POST /chat` `{"prompt": "..."}` → `{"answer": "...", "provider": "...", "attempts": n}`; when every provider
/// failed, 502 with the normalized error of each.
struct ChatEndpoint: Sendable {
    let client: ResilientClient
    let logger: Logger

    private struct Body: Decodable {
        let prompt: String
    }

    private struct Answer: Encodable {
        let answer: String
        let provider: String
        let attempts: Int
    }

    private struct Failure: Encodable {
        let error: String
        let requestID: String
        let failures: [ProviderFailure]

        enum CodingKeys: String, CodingKey {
            case error
            case requestID = "request_id"
            case failures
        }
    }

    private struct ProviderFailure: Encodable {
        let provider: String
        let errorType: String?
        let statusCode: Int?
        let message: String?
        let skipped: String?

        enum CodingKeys: String, CodingKey {
            case provider
            case errorType = "error_type"
            case statusCode = "status_code"
            case message, skipped
        }
    }

    func respond(to body: [UInt8]) async -> HTTPResponse {
        guard let request = try? JSONDecoder().decode(Body.self, from: Data(body)), !request.prompt.isEmpty else {
            return .json(.badRequest, #"{"error":"expected {\"prompt\": \"...\"}"}"#)
        }
        do {
            let response = try await client.complete(ChatRequest(messages: [.user(request.prompt)], maxTokens: 256))
            logger.info("chat answered", metadata: [
                "request_id": "\(response.requestID)", "provider": "\(response.provider)",
                "attempts": "\(response.attempts)", "fallback": "\(response.usedFallback)",
            ])
            return .json(.ok, encode(Answer(answer: response.result.text, provider: response.provider, attempts: response.attempts)))
        } catch {
            let failures = error.failures.map { failure in
                ProviderFailure(
                    provider: failure.provider, errorType: failure.error?.errorType.rawValue,
                    statusCode: failure.error?.statusCode, message: failure.error?.message, skipped: failure.skippedBecause)
            }
            logger.warning("chat failed", metadata: [
                "request_id": "\(error.requestID)",
                "error_type": "\(failures.map { "\($0.provider)=\($0.errorType ?? "skipped")" }.joined(separator: ","))",
            ])
            let code: String
            switch error.code {
            case .allProvidersFailed: code = "all_providers_failed"
            case .requestRejected: code = "request_rejected"
            case .degraded: code = "degraded"
            case .deadlineExceeded: code = "deadline_exceeded"
            case .invalidRequest: code = "invalid_request"
            case .cancelled: code = "cancelled"
            case .shuttingDown: code = "shutting_down"
            }
            return .json(.badGateway, encode(Failure(error: code, requestID: error.requestID, failures: failures)))
        }
    }

    private func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

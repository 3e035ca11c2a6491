import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Posts alerts to an Alertmanager's v2 API (`POST /api/v2/alerts`), retrying failed posts.
///
/// Alertmanager expects every active alert to be re-sent on each evaluation (its `endsAt` keeps a
/// firing alert alive), so the pusher sends the full list every time rather than only changes.
struct AlertmanagerPusher: Sendable {
    let endpoint: URL
    let attempts: Int
    let retryDelay: Duration
    let logger: Logger

    init?(baseURL: String, attempts: Int = 3, retryDelay: Duration = .milliseconds(500), logger: Logger) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/api/v2/alerts"), url.scheme?.hasPrefix("http") == true else { return nil }
        endpoint = url
        self.attempts = attempts
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// Sends the JSON array of alerts; returns whether Alertmanager accepted it.
    @discardableResult
    func push(_ body: String) async -> Bool {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        request.timeoutInterval = 10
        var lastProblem = ""
        for attempt in 1...attempts {
            do {
                let (data, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return true }
                lastProblem = "HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))"
                // A 4xx will not get better by retrying.
                if (400..<500).contains(status) { break }
            } catch {
                lastProblem = "\(error.localizedDescription)"
            }
            if attempt < attempts { try? await Task.sleep(for: retryDelay * Double(1 << (attempt - 1))) }
        }
        logger.warning("alertmanager push to \(endpoint.absoluteString) failed: \(lastProblem)")
        return false
    }
}

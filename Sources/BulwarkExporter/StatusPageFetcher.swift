import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// One bounded `GET` of a status page through URLSession (its own threads, never the cooperative pool):
/// the whole exchange has ``timeoutSeconds``, the body at most ``maxBodyBytes`` (reading stops there),
/// redirects are not followed (only configured URLs are fetched), nothing is cached.
struct StatusPageFetcher: Sendable {
    /// Time limit of one poll, connection to last byte.
    let timeoutSeconds: Double
    /// Largest body read.
    let maxBodyBytes: Int

    /// The body of a 2xx answer.
    func fetch(_ url: URL) async throws(StatusPageError) -> [UInt8] {
        let delegate = BoundedBodyDelegate(maxBodyBytes: maxBodyBytes, timeoutSeconds: timeoutSeconds)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("bulwark-exporter (status page poller)", forHTTPHeaderField: "User-Agent")
        let task = session.dataTask(with: request)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                delegate.begin(continuation)
                task.resume()
                DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) {
                    delegate.finish(.failure(delegate.timedOut))
                    task.cancel()
                }
            }
        } onCancel: {
            delegate.finish(.failure(StatusPageError(.unreachable, "the poll was cancelled")))
            task.cancel()
        }
        session.invalidateAndCancel()
        return try result.get()
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// Collects one task's body up to a limit and resumes the fetch exactly once: at completion, at the
/// limit, at the deadline or on cancellation, whichever comes first.
private final class BoundedBodyDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<[UInt8], StatusPageError>, Never>?
        var outcome: Result<[UInt8], StatusPageError>?
        var body: [UInt8] = []
        var status = 0
        var redirect: String?
    }

    private let maxBodyBytes: Int
    private let timeoutSeconds: Double
    private let state = Mutex(State())

    init(maxBodyBytes: Int, timeoutSeconds: Double) {
        self.maxBodyBytes = maxBodyBytes
        self.timeoutSeconds = timeoutSeconds
    }

    /// The poll's time limit passed (our deadline or URLSession's, whichever noticed first).
    var timedOut: StatusPageError {
        StatusPageError(.timeout, "no complete answer within \(StatusPageFetcher.seconds(timeoutSeconds))")
    }

    func begin(_ continuation: CheckedContinuation<Result<[UInt8], StatusPageError>, Never>) {
        let early = state.withLock { state -> Result<[UInt8], StatusPageError>? in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    /// Settles the fetch; later calls are ignored.
    func finish(_ result: Result<[UInt8], StatusPageError>) {
        let continuation = state.withLock { state -> CheckedContinuation<Result<[UInt8], StatusPageError>, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = result
            state.body = []
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: result)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        state.withLock { $0.status = http?.statusCode ?? 0 }
        if response.expectedContentLength > Int64(maxBodyBytes) {
            finish(.failure(tooLarge(" (Content-Length \(response.expectedContentLength))")))
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = state.withLock { state -> Bool in
            guard state.outcome == nil else { return false }
            if state.body.count + data.count > maxBodyBytes { return true }
            state.body.append(contentsOf: data)
            return false
        }
        if over {
            finish(.failure(tooLarge("")))
            dataTask.cancel()
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        let location = request.url?.absoluteString ?? "?"
        state.withLock { $0.redirect = location }
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (body, status, redirect) = state.withLock { ($0.body, $0.status, $0.redirect) }
        if let error {
            let timedOut = (error as? URLError)?.code == .timedOut || (error as NSError).code == NSURLErrorTimedOut
            finish(.failure(timedOut ? self.timedOut : StatusPageError(.unreachable, "no answer: \(error.localizedDescription)")))
        } else if (200..<300).contains(status) {
            finish(.success(body))
        } else if let redirect {
            finish(.failure(StatusPageError(
                .httpStatus, "HTTP \(status) redirect to \(StatusPageError.quoted(redirect)), not followed: configure the final URL")))
        } else {
            finish(.failure(StatusPageError(.httpStatus, "HTTP \(status)")))
        }
    }

    private func tooLarge(_ detail: String) -> StatusPageError {
        StatusPageError(.tooLarge, "the body is larger than the \(maxBodyBytes)-byte limit\(detail); stopped reading")
    }
}

import CMicroHTTPD
import Synchronization

/// A libmicrohttpd connection pointer, handed between threads only under a ``RequestContext`` lock.
struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The state of one request from its request line to its completion notice.
///
/// libmicrohttpd calls the access handler several times per request: once the headers are in, once per
/// piece of body, once more when the body is complete, and again after every resume. The context
/// remembers where the request is. Everything that suspends or resumes the connection happens under
/// its lock, which is what makes suspend and resume pair up exactly, even when a handler task, a stream
/// producer, the completion notice and a forced shutdown race.
final class RequestContext: Sendable {
    let core: ServerCore
    private let query: String?
    /// The raw target holds a control character, a space or DEL, which HTTP does not allow.
    private let hasInvalidTarget: Bool
    private let state = Mutex(State())

    private enum Phase {
        case awaitingHeaders
        case receivingBody
        case awaitingHandler
        case responded
    }

    private struct Head {
        var method: String
        var path: String
        var headers: HTTPHeaders
        var remoteAddress: String?
        var descriptor: Int32?
    }

    private enum Rejection {
        case tooLarge
        case overBudget
    }

    private struct State {
        var phase = Phase.awaitingHeaders
        var connection: ConnectionHandle?
        var head: Head?
        var body: [UInt8] = []
        /// Why the body is being read and dropped instead of kept.
        var rejection: Rejection?
        var overflowBytes = 0
        /// Bytes of the server's body budget this request holds.
        var reservedBytes = 0
        /// The budget was reserved from `Content-Length` before the body; otherwise piece by piece.
        var hasDeclaredLength = false
        /// The router's admission hook let the request in from its headers.
        var isAdmitted = false
        var handlerResponse: HTTPResponse?
        var task: Task<Void, Never>?
        var stream = StreamBuffer()
        var isSuspended = false
        /// The server is shutting down hard: never suspend again, close at the next chance.
        var isForced = false
        /// libmicrohttpd reported the request complete; the connection pointer is gone.
        var isClosed = false

        var isCancelled: Bool { isClosed || isForced }

        mutating func suspend() -> Bool {
            guard !isForced, !isClosed, !isSuspended, let connection else { return false }
            isSuspended = true
            MHD_suspend_connection(connection.pointer)
            return true
        }

        mutating func resumeIfSuspended() {
            guard isSuspended, let connection else { return }
            isSuspended = false
            MHD_resume_connection(connection.pointer)
        }

        mutating func takeTaskAndWaiter() -> (Task<Void, Never>?, CheckedContinuation<Void, Never>?) {
            defer {
                task = nil
                stream.waiter = nil
            }
            return (task, stream.waiter)
        }
    }

    /// `target` is the raw request target (`/path?query`) as it arrived.
    init(core: ServerCore, target: String) {
        self.core = core
        hasInvalidTarget = target.utf8.contains { $0 < 0x21 || $0 == 0x7F }
        if let questionMark = target.firstIndex(of: "?") {
            let afterMark = target[target.index(after: questionMark)...]
            query = String(afterMark.prefix { $0 != "#" })
        } else {
            query = nil
        }
    }

    // MARK: Access handler (libmicrohttpd thread)

    func handleAccess(
        connection: OpaquePointer,
        url: UnsafePointer<CChar>,
        method: UnsafePointer<CChar>,
        upload: UnsafeRawBufferPointer
    ) -> Bool {
        switch state.withLock({ $0.phase }) {
        case .awaitingHeaders:
            return begin(connection, url: url, method: method)
        case .receivingBody:
            return upload.isEmpty ? dispatch(connection) : receive(upload)
        case .awaitingHandler:
            return deliverHandlerResponse(connection)
        case .responded:
            return false
        }
    }

    private static func descriptor(_ connection: OpaquePointer) -> Int32? {
        let descriptor = bulwark_mhd_connection_fd(connection)
        return descriptor >= 0 ? descriptor : nil
    }

    private func begin(_ connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>) -> Bool {
        let head = Head(
            method: String(cString: method),
            path: String(cString: url),
            headers: MHDConnection.requestHeaders(connection),
            remoteAddress: MHDConnection.remoteAddress(connection),
            descriptor: Self.descriptor(connection)
        )
        core.watchdog.headersReceived(connection)
        state.withLock { state in
            state.connection = ConnectionHandle(pointer: connection)
            state.head = head
            state.phase = .receivingBody
        }
        // Answering before the body is read makes libmicrohttpd skip it (and any `100 Continue`) and
        // close the connection after the response. No buffer is sized from the declared length.
        if let early = earlyResponse(to: head) {
            return respond(early, on: connection)
        }
        return true
    }

    /// The answer a request gets from its headers alone, or `nil` when its body may be read: framing
    /// errors, unknown routes and methods, the router's admission hook, the body limit and the budget.
    private func earlyResponse(to head: Head) -> HTTPResponse? {
        if hasInvalidTarget {
            return core.framingResponse(status: 400, reason: "the request target holds a control character or a space")
        }
        let declaredLength: Int?
        switch RequestFramingCheck.check(head.headers) {
        case .reject(let status, let reason):
            return core.framingResponse(status: status, reason: reason)
        case .proceed(let length):
            declaredLength = length
        }
        // Without a body there is nothing to protect, and an early answer costs the connection
        // (libmicrohttpd 0.9.75 closes after any answer queued before the request is complete), so the
        // route and the admission hook are then consulted when the request is dispatched.
        let mayHaveBody = declaredLength.map { $0 > 0 } ?? head.headers.contains("Transfer-Encoding")
        guard mayHaveBody else { return nil }
        let router = core.router
        let request = HTTPRequest(
            method: head.method, path: head.path, query: query, headers: head.headers, body: [],
            remoteAddress: head.remoteAddress)
        switch router.resolve(method: head.method, path: head.path) {
        case .found: break
        case .methodNotAllowed(let allowed):
            return closing(Router.methodNotAllowed(request, allowed: allowed))
        case .notFound:
            return closing(router.notFoundHandler(request))
        }
        if let admission = router.admission, let answer = admission(request) {
            return closing(answer)
        }
        state.withLock { $0.isAdmitted = true }
        if let declaredLength {
            if declaredLength > core.maxBodyBytes { return core.payloadTooLargeResponse() }
            guard core.bodyBudget.reserve(declaredLength) else { return core.overBudgetResponse() }
            state.withLock { state in
                state.reservedBytes = declaredLength
                state.hasDeclaredLength = true
            }
        }
        return nil
    }

    /// An early answer closes the connection: a body may follow that will not be read.
    private func closing(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers.replaceOrAdd(name: "Connection", value: "close")
        return response
    }

    private func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        let limit = core.maxBodyBytes
        let discardLimit = core.overflowDiscardLimit
        let budget = core.bodyBudget
        return state.withLock { state in
            if state.rejection == nil, state.body.count + chunk.count <= limit {
                if !state.hasDeclaredLength {
                    if budget.reserve(chunk.count) {
                        state.reservedBytes += chunk.count
                    } else {
                        state.rejection = .overBudget
                    }
                }
                if state.rejection == nil {
                    state.body.append(contentsOf: chunk)
                    return true
                }
            }
            if state.rejection == nil { state.rejection = .tooLarge }
            if state.overflowBytes == 0 {
                state.overflowBytes = max(1, state.body.count + chunk.count - limit)
                state.body = []
                budget.release(state.hasDeclaredLength ? 0 : state.reservedBytes)
                if !state.hasDeclaredLength { state.reservedBytes = 0 }
            } else {
                state.overflowBytes += chunk.count
            }
            return state.overflowBytes <= discardLimit
        }
    }

    private func dispatch(_ connection: OpaquePointer) -> Bool {
        core.watchdog.bodyReceived(connection)
        let (request, rejection, isAdmitted): (HTTPRequest?, Rejection?, Bool) = state.withLock { state in
            guard state.rejection == nil, let head = state.head else {
                return (nil, state.rejection ?? .tooLarge, state.isAdmitted)
            }
            defer { state.body = [] }
            var request = HTTPRequest(
                method: head.method,
                path: head.path,
                query: query,
                headers: head.headers,
                body: state.body,
                remoteAddress: head.remoteAddress
            )
            request.connectionDescriptor = head.descriptor
            return (request, nil, state.isAdmitted)
        }
        guard let request else {
            let answer = rejection == .overBudget ? core.overBudgetResponse() : core.payloadTooLargeResponse()
            return respond(answer, on: connection)
        }
        if !isAdmitted, let admission = core.router.admission, let answer = admission(request) {
            return respond(answer, on: connection)
        }
        switch core.router.resolve(method: request.method, path: request.path) {
        case .found(.sync(let handler)):
            return respond(handler(request), on: connection)
        case .found(.async(let handler)):
            return runAsync(handler, request)
        case .methodNotAllowed(let allowed):
            return respond(Router.methodNotAllowed(request, allowed: allowed), on: connection)
        case .notFound:
            return respond(core.router.notFoundHandler(request), on: connection)
        }
    }

    private func runAsync(_ handler: @escaping Router.AsyncHandler, _ request: HTTPRequest) -> Bool {
        let isSuspended = state.withLock { state in
            state.phase = .awaitingHandler
            return state.suspend()
        }
        guard isSuspended else { return false }
        adopt(
            Task { [self] in
                let response = await handler(request)
                handlerFinished(response)
            })
        return true
    }

    private func handlerFinished(_ response: HTTPResponse) {
        state.withLock { state in
            guard !state.isClosed else { return }
            state.handlerResponse = response
            state.resumeIfSuspended()
        }
    }

    private func deliverHandlerResponse(_ connection: OpaquePointer) -> Bool {
        let (response, isForced) = state.withLock { state in
            defer { state.handlerResponse = nil }
            return (state.handlerResponse, state.isForced)
        }
        if let response { return respond(response, on: connection) }
        if isForced { return false }
        return state.withLock { $0.suspend() }
    }

    private func respond(_ response: HTTPResponse, on connection: OpaquePointer) -> Bool {
        releaseBudget()
        var headers = response.headers
        if core.isDraining {
            headers.replaceOrAdd(name: "Connection", value: "close")
        }
        let status = UInt32((100...999).contains(response.status) ? response.status : 500)
        let isHead = state.withLock { state in
            state.phase = .responded
            return state.head?.method == "HEAD"
        }
        switch response.body {
        case .bytes(let bytes):
            guard let mhdResponse = MHDResponse.make(bytes: bytes, headers: headers) else { return false }
            defer { MHD_destroy_response(mhdResponse) }
            return MHD_queue_response(connection, status, mhdResponse) == .YES
        case .stream where isHead:
            // libmicrohttpd 0.9.75 would still send the zero-length chunk after the headers of a chunked
            // answer to HEAD, so HEAD gets the headers of an empty body and the producer never runs.
            guard let mhdResponse = MHDResponse.make(bytes: [], headers: headers) else { return false }
            defer { MHD_destroy_response(mhdResponse) }
            return MHD_queue_response(connection, status, mhdResponse) == .YES
        case .stream(let producer):
            guard let mhdResponse = MHDResponse.makeStream(reading: self, headers: headers) else { return false }
            defer { MHD_destroy_response(mhdResponse) }
            guard MHD_queue_response(connection, status, mhdResponse) == .YES else { return false }
            startProducer(producer)
            return true
        }
    }

    /// Gives the request's share of the body budget back: once it is answered its body has been used
    /// (or was never kept), so a client reading the answer sees the budget free again.
    private func releaseBudget() {
        let reserved = state.withLock { state in
            defer { state.reservedBytes = 0 }
            return state.reservedBytes
        }
        core.bodyBudget.release(reserved)
    }

    /// Keeps `task` for cancellation, or cancels it at once if the request is already over.
    private func adopt(_ task: Task<Void, Never>) {
        let isCancelled = state.withLock { state in
            if state.isCancelled { return true }
            state.task = task
            return false
        }
        if isCancelled { task.cancel() }
    }

    // MARK: Streamed body

    private func startProducer(_ producer: @escaping HTTPResponse.BodyProducer) {
        let writer = ResponseBodyWriter(context: self)
        adopt(
            Task { [self] in
                do {
                    try await producer(writer)
                    endStream(aborted: false)
                } catch {
                    endStream(aborted: true)
                }
            })
    }

    /// The content reader (libmicrohttpd thread): hands over buffered bytes, ends the body, or suspends
    /// the connection until the producer writes again.
    func readStream(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let (result, waiter) = state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            if state.isCancelled { return (MHDResponse.endWithError, nil) }
            if state.stream.pendingCount > 0 {
                let count = state.stream.drain(into: buffer)
                return (count, state.stream.takeWaiterIfDrained())
            }
            if state.stream.isAborted { return (MHDResponse.endWithError, nil) }
            if state.stream.isFinished { return (MHDResponse.endOfStream, nil) }
            return (state.suspend() ? 0 : MHDResponse.endWithError, nil)
        }
        waiter?.resume()
        return result
    }

    func writeStream(_ bytes: [UInt8]) async -> Bool {
        let outcome = state.withLock { state -> Bool? in
            guard !state.isCancelled, !state.stream.isAborted, !state.stream.isFinished else { return nil }
            state.stream.append(bytes)
            state.resumeIfSuspended()
            return state.stream.isAboveHighWaterMark
        }
        guard let mustWait = outcome else { return false }
        if mustWait {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    guard !state.isCancelled, !state.stream.isAborted, state.stream.isAboveHighWaterMark else {
                        return true
                    }
                    state.stream.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        return !isStreamCancelled
    }

    func abortStream() {
        endStream(aborted: true)
    }

    private func endStream(aborted: Bool) {
        let waiter = state.withLock { state in
            if aborted {
                state.stream.isAborted = true
            } else {
                state.stream.isFinished = true
            }
            state.resumeIfSuspended()
            defer { state.stream.waiter = nil }
            return state.stream.waiter
        }
        waiter?.resume()
    }

    var isStreamCancelled: Bool {
        state.withLock { $0.isCancelled }
    }

    // MARK: End of the request

    /// libmicrohttpd is done with the request, normally or because the client went away.
    func requestCompleted() {
        let (task, waiter, reserved) = state.withLock { state in
            defer { state.reservedBytes = 0 }
            state.isClosed = true
            state.isSuspended = false
            state.connection = nil
            state.body = []
            state.stream.discard()
            let (task, waiter) = state.takeTaskAndWaiter()
            return (task, waiter, state.reservedBytes)
        }
        core.bodyBudget.release(reserved)
        waiter?.resume()
        task?.cancel()
        core.unregister(self)
    }

    /// The server is stopping now: resume the connection if suspended so libmicrohttpd can close it,
    /// and cancel whatever works for it.
    func force() {
        let (task, waiter) = state.withLock { state in
            state.isForced = true
            state.resumeIfSuspended()
            return state.takeTaskAndWaiter()
        }
        waiter?.resume()
        task?.cancel()
    }
}

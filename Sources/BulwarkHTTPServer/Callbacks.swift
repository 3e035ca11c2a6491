import CMicroHTTPD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The C entry points libmicrohttpd calls on its worker threads. They capture nothing: the daemon's
// closure argument is the unretained `ServerCore`, and each request's `con_cls` is a retained
// `RequestContext`, created by the URI logger and released by the completion notice.

func uriLogCallback(
    cls: UnsafeMutableRawPointer?,
    uri: UnsafePointer<CChar>?,
    connection: OpaquePointer?
) -> UnsafeMutableRawPointer? {
    guard let cls else { return nil }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    let context = RequestContext(core: core, target: uri.map { String(cString: $0) } ?? "")
    core.register(context)
    return Unmanaged.passRetained(context).toOpaque()
}

func accessHandlerCallback(
    cls: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?,
    version: UnsafePointer<CChar>?,
    uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let connection, let url, let method, let uploadDataSize, let opaque = requestContext?.pointee else {
        return .NO
    }
    let context = Unmanaged<RequestContext>.fromOpaque(opaque).takeUnretainedValue()
    let upload = UnsafeRawBufferPointer(start: uploadData, count: uploadDataSize.pointee)
    uploadDataSize.pointee = 0
    return context.handleAccess(connection: connection, url: url, method: method, upload: upload) ? .YES : .NO
}

func requestCompletedCallback(
    cls: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    reason: MHD_RequestTerminationCode
) {
    if let cls, let connection {
        Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue().watchdog.requestFinished(connection)
    }
    guard let requestContext, let opaque = requestContext.pointee else { return }
    requestContext.pointee = nil
    Unmanaged<RequestContext>.fromOpaque(opaque).takeRetainedValue().requestCompleted()
}

func notifyConnectionCallback(
    cls: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    toe: MHD_ConnectionNotificationCode
) {
    guard let cls, let connection else { return }
    let watchdog = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue().watchdog
    if toe.rawValue == 0 {  // MHD_CONNECTION_NOTIFY_STARTED
        watchdog.opened(connection)
    } else {
        watchdog.closed(connection)
    }
}

func streamContentReader(
    cls: UnsafeMutableRawPointer?,
    position: UInt64,
    buffer: UnsafeMutablePointer<CChar>?,
    max: Int
) -> Int {
    guard let cls, let buffer else { return MHDResponse.endWithError }
    let context = Unmanaged<RequestContext>.fromOpaque(cls).takeUnretainedValue()
    return context.readStream(into: UnsafeMutableRawBufferPointer(start: buffer, count: max))
}

func streamContentReaderFree(cls: UnsafeMutableRawPointer?) {
    guard let cls else { return }
    Unmanaged<RequestContext>.fromOpaque(cls).release()
}

func errorLogCallback(cls: UnsafeMutableRawPointer?, format: UnsafePointer<CChar>?, arguments: CVaListPointer?) {
    guard let cls, let format, let arguments else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    var buffer = [CChar](repeating: 0, count: 1024)
    _ = vsnprintf(&buffer, buffer.count, format, arguments)
    var message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    while message.last?.isNewline == true { message.removeLast() }
    core.log(message)
}

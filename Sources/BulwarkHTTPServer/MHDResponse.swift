import CMicroHTTPD

/// Builds libmicrohttpd response objects from ``HTTPResponse`` parts.
enum MHDResponse {
    /// Content-reader results (`MHD_CONTENT_READER_END_OF_STREAM`, `..._END_WITH_ERROR`).
    static let endOfStream = -1
    static let endWithError = -2
    /// How much the content reader is asked for at a time.
    static let streamBlockSize = 16 * 1024

    static func make(bytes: [UInt8], headers: HTTPHeaders) -> OpaquePointer? {
        let response = bytes.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(
                raw.count,
                UnsafeMutableRawPointer(mutating: raw.baseAddress),
                .RESPMEM_MUST_COPY
            )
        }
        guard let response else { return nil }
        add(headers, to: response)
        return response
    }

    /// A chunked response whose body `context` produces; the response keeps `context` alive.
    static func makeStream(reading context: RequestContext, headers: HTTPHeaders) -> OpaquePointer? {
        let retained = Unmanaged.passRetained(context).toOpaque()
        guard
            let response = MHD_create_response_from_callback(
                UInt64.max,  // MHD_SIZE_UNKNOWN: chunked transfer encoding
                streamBlockSize,
                streamContentReader,
                retained,
                streamContentReaderFree
            )
        else {
            Unmanaged<RequestContext>.fromOpaque(retained).release()
            return nil
        }
        add(headers, to: response)
        return response
    }

    /// Fields libmicrohttpd refuses (framing it manages, or values with CR/LF) are dropped.
    private static func add(_ headers: HTTPHeaders, to response: OpaquePointer) {
        for field in headers {
            _ = MHD_add_response_header(response, field.name, field.value)
        }
    }
}

import BulwarkHTTPServer
import BulwarkTestSupport
import Foundation
import Testing

/// A client trickling its headers or body is cut at the deadline, however often it sends a byte.
@Suite(.timeLimit(.minutes(1))) struct ConnectionDeadlineTests {
    private func router() -> Router {
        var router = Router()
        router.get("/healthz") { _ in .text("ok\n") }
        router.post("/upload") { request in .text("got \(request.body.count)") }
        return router
    }

    @Test func tricklingHeadersAreCutAtTheHeadersDeadline() async throws {
        let configuration = HTTPServer.Configuration(connectionTimeout: 60, headersTimeout: .milliseconds(400))
        try await withServer(configuration, router: router()) { server in
            let port = server.port
            let (wasCut, healthy) = try await onThread {
                let slow = try RawHTTPClient(port: port)
                let header = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
                var wasCut = false
                // One byte every 50 ms: the idle timer alone would never fire; give up after 10 s.
                for index in 0..<200 {
                    do {
                        try slow.send([header[min(index, header.count - 1)]])
                    } catch {
                        wasCut = true
                        break
                    }
                    usleep(50_000)
                }
                let healthy = try RawHTTPClient.request(port: port, path: "/healthz")
                return (wasCut, healthy.status)
            }
            #expect(wasCut)
            #expect(healthy == 200)
            #expect(server.statistics.deadlineCuts >= 1)
        }
    }

    @Test func tricklingBodyIsCutAtTheRequestDeadline() async throws {
        let configuration = HTTPServer.Configuration(
            connectionTimeout: 60, headersTimeout: .seconds(30), requestTimeout: .milliseconds(600))
        try await withServer(configuration, router: router()) { server in
            let port = server.port
            let wasCut = try await onThread {
                let slow = try RawHTTPClient(port: port)
                try slow.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
                for _ in 0..<200 {
                    do { try slow.send([65]) } catch { return true }
                    usleep(50_000)
                }
                return false
            }
            #expect(wasCut)
        }
    }
}

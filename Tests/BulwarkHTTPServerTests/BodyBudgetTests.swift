import BulwarkHTTPServer
import BulwarkTestSupport
import Foundation
import Testing

/// One budget for every body in flight: past it, 503 with Retry-After instead of more memory.
@Suite(.timeLimit(.minutes(1))) struct BodyBudgetTests {
    private func router() -> Router {
        var router = Router()
        router.post("/upload") { request in .text("got \(request.body.count)") }
        return router
    }

    @Test func declaredBodiesPastTheBudgetGet503BeforeTheirBody() async throws {
        let configuration = HTTPServer.Configuration(maxBodyBytes: 4096, bodyBudgetBytes: 5000)
        try await withServer(configuration, router: router()) { server in
            let port = server.port
            let (refused, afterwards) = try await onThread {
                let holder = try RawHTTPClient(port: port)
                try holder.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n")
                try holder.send([UInt8](repeating: 65, count: 100))
                // The holder's 4000 bytes are reserved once its headers are in; give the server a moment.
                var refused: RawHTTPClient.Response?
                for _ in 0..<200 {
                    let client = try RawHTTPClient(port: port)
                    try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n")
                    let response = try client.readResponse()
                    if response.status == 503 { refused = response; break }
                    usleep(10_000)
                }
                try holder.send([UInt8](repeating: 65, count: 3900))
                _ = try holder.readResponse()
                holder.close()
                var afterwards = 0
                for _ in 0..<200 {
                    let response = try RawHTTPClient(port: port).post(
                        "/upload", headers: ["Connection: close"], body: [UInt8](repeating: 66, count: 2000))
                    afterwards = response.status
                    if afterwards == 200 { break }
                    usleep(10_000)
                }
                return (refused, afterwards)
            }
            #expect(refused?.status == 503)
            #expect(refused?.header("Retry-After") == "1")
            #expect(afterwards == 200)
            #expect(server.statistics.bodyBudgetRefusals >= 1)
        }
    }

    @Test func chunkedBodiesPastTheBudgetGet503() async throws {
        let configuration = HTTPServer.Configuration(maxBodyBytes: 8192, bodyBudgetBytes: 2048)
        try await withServer(configuration, router: router()) { server in
            let response = try await onThread {
                let client = try RawHTTPClient(port: server.port)
                try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in 0..<3 {
                    try client.send("3e8\r\n")
                    try client.send([UInt8](repeating: 67, count: 1000) + Array("\r\n".utf8))
                }
                try client.send("0\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.status == 503)
            #expect(server.statistics.bodyBytesInFlight == 0 || server.statistics.bodyBytesInFlight <= 2048)
        }
    }
}

import BulwarkHTTPServer
import BulwarkTestSupport
import Testing

@Suite(.timeLimit(.minutes(1))) struct StreamingTests {
    @Test func deliversEventsBeforeProducerFinishes() async throws {
        let firstEventReceived = Signal()
        let producerFinished = Signal()
        var router = Router()
        router.get("/events") { _ in
            .eventStream { writer in
                await writer.write("data: one\n\n")
                // Only a client that already holds the first event can let the producer go on.
                guard await firstEventReceived.wait() else { return }
                try await Task.sleep(for: .milliseconds(50))
                await writer.write("data: two\n\n")
                producerFinished.fire()
            }
        }
        try await withServer(router: router) { server in
            let port = server.port
            let (head, first, finishedBeforeFirst, rest, next) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("GET", "/events"))
                let head = try client.readHead()
                let first = try client.readChunk()
                let finishedBeforeFirst = producerFinished.hasFired
                firstEventReceived.fire()
                var rest: [[UInt8]] = []
                while let chunk = try client.readChunk() { rest.append(chunk) }
                return (head, first, finishedBeforeFirst, rest, try client.get("/events").status)
            }
            #expect(head.status == 200)
            #expect(head.headers["Content-Type"] == "text/event-stream")
            #expect(head.headers["Cache-Control"] == "no-cache")
            #expect(head.headers["Transfer-Encoding"]?.lowercased() == "chunked")
            #expect(first.map { String(decoding: $0, as: UTF8.self) } == "data: one\n\n")
            #expect(!finishedBeforeFirst)
            #expect(rest.map { String(decoding: $0, as: UTF8.self) } == ["data: two\n\n"])
            #expect(next == 200)
        }
    }

    @Test func abortedStreamClosesWithoutTerminatingChunk() async throws {
        let firstEventReceived = Signal()
        var router = Router()
        router.get("/events") { _ in
            .eventStream { writer in
                await writer.write("data: partial\n\n")
                guard await firstEventReceived.wait() else { return }
                writer.abort()
                #expect(await writer.write("data: never\n\n") == false)
            }
        }
        try await withServer(router: router) { server in
            let port = server.port
            let (first, tail) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("GET", "/events"))
                _ = try client.readHead()
                let first = try client.readChunk()
                firstEventReceived.fire()
                return (first, try client.readToEnd())
            }
            #expect(first.map { String(decoding: $0, as: UTF8.self) } == "data: partial\n\n")
            // The connection ends with nothing more: no `0\r\n\r\n` terminator.
            #expect(tail.isEmpty)
        }
    }

    @Test func throwingProducerAlsoTruncatesTheStream() async throws {
        struct Boom: Error {}
        var router = Router()
        router.get("/events") { _ in
            .eventStream { writer in
                await writer.write("data: x\n\n")
                throw Boom()
            }
        }
        try await withServer(router: router) { server in
            let port = server.port
            let raw = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("GET", "/events"))
                return String(decoding: try client.readToEnd(), as: UTF8.self)
            }
            #expect(raw.contains("data: x"))
            #expect(!raw.hasSuffix("0\r\n\r\n"))
        }
    }

    @Test func answersHeadOnStreamRouteWithHeadersOnly() async throws {
        let producerRan = Signal()
        var router = Router()
        router.get("/events") { _ in
            .eventStream { writer in
                producerRan.fire()
                await writer.write("data: x\n\n")
            }
        }
        router.get("/hello") { _ in .text("hello") }
        try await withServer(router: router) { server in
            let port = server.port
            let (head, next) = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("HEAD", "/events"))
                let head = try client.readResponse(isHead: true)
                return (head, try client.get("/hello").text)
            }
            #expect(head.status == 200)
            #expect(head.headers["Content-Type"] == "text/event-stream")
            #expect(next == "hello")
            #expect(!producerRan.hasFired)
        }
    }

    @Test func producerLearnsThatClientWentAway() async throws {
        let clientGone = Signal()
        let producerSawCancellation = Signal()
        var router = Router()
        router.get("/events") { _ in
            .eventStream { writer in
                await writer.write("data: hello\n\n")
                await clientGone.wait()
                // Writes after the client left fail once the server notices the closed socket.
                for _ in 0..<2000 where await writer.write("data: tick\n\n") {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                if writer.isCancelled { producerSawCancellation.fire() }
            }
        }
        try await withServer(router: router) { server in
            let port = server.port
            try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("GET", "/events"))
                _ = try client.readHead()
                _ = try client.readChunk()
                client.close()
                clientGone.fire()
            }
            #expect(await producerSawCancellation.wait())
        }
    }

    @Test func streamsLargeBodyWithBackpressure() async throws {
        let piece = binaryPattern(count: 64 * 1024)
        let pieces = 64
        var router = Router()
        router.get("/big") { _ in
            .stream(contentType: "application/octet-stream") { writer in
                for _ in 0..<pieces { await writer.write(piece) }
            }
        }
        try await withServer(router: router) { server in
            let port = server.port
            let response = try await onThread { try RawHTTPClient(port: port).get("/big") }
            #expect(response.status == 200)
            #expect(response.body.count == piece.count * pieces)
            #expect(response.body == Array([[UInt8]](repeating: piece, count: pieces).joined()))
        }
    }

    @Test func asyncHandlerCanReturnAStream() async throws {
        var router = Router()
        router.post("/v1/chat/completions") { request in
            try? await Task.sleep(for: .milliseconds(20))
            let echoed = String(decoding: request.body, as: UTF8.self)
            return .eventStream { writer in
                await writer.write("data: \(echoed)\n\n")
                await writer.write("data: [DONE]\n\n")
            }
        }
        try await withServer(router: router) { server in
            let port = server.port
            let response = try await onThread {
                let client = try RawHTTPClient(port: port)
                try client.send(client.request("POST", "/v1/chat/completions", body: Array("hi".utf8)))
                return try client.readResponse()
            }
            #expect(response.text == "data: hi\n\ndata: [DONE]\n\n")
        }
    }
}

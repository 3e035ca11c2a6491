import Bulwark
import BulwarkCore
import Foundation
import Logging
import Tracing

/// `ObservedService --config FILE --listen HOST:PORT`: a bulwark.yaml's chain behind `POST /chat`, with its own
/// `GET /metrics` (swift-prometheus), JSON-lines logs on stderr (swift-log) and a span per `/chat` request, per
/// logical LLM request and per attempt, as JSON lines on stderr (swift-distributed-tracing).
@main
struct ObservedService {
    static func main() async {
        let writer = LineWriter()
        LoggingSystem.bootstrap { label in JSONLinesLogHandler(label: label, writer: writer) }
        InstrumentationSystem.bootstrap(JSONLinesTracer(writer: writer))
        let logger = Logger(label: "ObservedService")

        let arguments: ServiceArguments
        switch ServiceArguments.parse(Array(CommandLine.arguments.dropFirst())) {
        case .success(let parsed): arguments = parsed
        case .failure(let usage):
            FileHandle.standardError.write(Data("\(usage)\n".utf8))
            exit(2)
        }

        let registry = MetricsSetup.bootstrap()
        let client: ResilientClient
        do {
            let configuration = try BulwarkConfiguration.load(path: arguments.configPath)
            let recorders = MetricsSetup.recorders(for: configuration) + [AttemptLogRecorder(logger: logger)]
            client = try ResilientClient(
                configuration: configuration, environment: ProcessInfo.processInfo.environment,
                recorder: MultiplexRecorder(recorders), logger: Logger(label: "bulwark.client"))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))  // every problem at once; never a key
            exit(2)
        }

        let chat = ChatEndpoint(client: client, logger: logger)
        let server = HTTPServer(host: arguments.host, port: arguments.port, logger: logger) { method, path, body in
            switch (method, path) {
            case (.POST, "/chat"):
                // The client's request span is a child of this one (ServiceContext.current).
                return await withSpan("POST /chat", ofKind: .server) { _ in await chat.respond(to: body) }
            case (.GET, "/metrics"):
                return HTTPResponse(
                    status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
            case (.GET, "/healthz"): return .text(.ok, "ok\n")
            default: return .text(.notFound, "not found\n")
            }
        }
        do {
            try await server.run { port in
                logger.info("listening on http://\(arguments.host):\(port)", metadata: ["config": "\(arguments.configPath)"])
            }
        } catch {
            logger.critical("server stopped", metadata: ["error": "\(error)"])
            await client.shutdown()
            exit(1)
        }
    }
}

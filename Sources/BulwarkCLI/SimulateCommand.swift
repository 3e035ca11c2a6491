import ArgumentParser
import BulwarkExporter
import Foundation
import Logging
import BulwarkSimulator
import ServiceLifecycle

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve fake OpenAI, Anthropic and Gemini APIs with scripted faults, for SDKs and clients to call.",
        discussion: """
            All three APIs share one port: POST /v1/chat/completions (OpenAI), POST /v1/messages (Anthropic), \
            POST /v1beta/models/{model}:generateContent and :streamGenerateContent?alt=sse, also under \
            /v1/models/ (Gemini), POST /v1/projects/{project}/locations/{location}/publishers/google/models/\
            {model}:generateContent and :streamGenerateContent (Gemini on Vertex AI, answered under the google \
            scenario; bearer tokens from POST /oauth2/token only, which verifies service-account JWTs against \
            --vertex-public-key).

            GET /simulator/stats counts every request by provider, status and fault; \
            POST /simulator/reset[?seed=N] starts the run over.

            Point the SDKs at it: OpenAI(base_url="http://HOST:PORT/v1"), Anthropic(base_url="http://HOST:PORT"), \
            genai.Client(http_options={"base_url": "http://HOST:PORT"}).
            """
    )

    @Option(help: "Address to listen on, host:port (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(help: "Scenario file (YAML, or JSON when it ends in .json) scripting faults per provider.")
    var scenario: String?

    @Option(help: "Seed of every random choice (default: the scenario's seed, else 1).")
    var seed: UInt64?

    @Option(
        name: .customLong("vertex-public-key"),
        help: ArgumentHelp(
            "PEM file of the RSA public key whose private half signs the service-account JWTs of vertex providers.",
            discussion: "Write a service-account JSON with that private key and token_uri http://HOST:PORT/oauth2/token, "
                + "and point the provider's base_url at the simulator. Without it every token request is refused.",
            valueName: "PEM_FILE"))
    var vertexPublicKey: String?

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "bulwark.simulate")
        let address: (host: String, port: Int)
        do {
            address = try ExporterConfiguration.parseListen(listen)
        } catch {
            throw ValidationError(error.description)
        }
        var script = Scenario.healthy
        if let scenario {
            do {
                script = try Scenario.load(path: scenario)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let simulator: ProviderSimulator
        if let vertexPublicKey {
            guard let pem = FileManager.default.contents(atPath: vertexPublicKey) else {
                throw ValidationError("--vertex-public-key: cannot read \(vertexPublicKey)")
            }
            do {
                simulator = try ProviderSimulator(scenario: script, seed: seed, vertexPublicKeyPEM: String(decoding: pem, as: UTF8.self))
            } catch {
                throw ValidationError("--vertex-public-key: \(vertexPublicKey): \(error.description)")
            }
        } else {
            simulator = ProviderSimulator(scenario: script, seed: seed)
        }
        do {
            try simulator.start(host: address.host, port: address.port)
        } catch {
            FileHandle.standardError.write(Data("bulwark simulate: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let named = simulator.scenario.name.map { "scenario \($0), " } ?? ""
        FileHandle.standardOutput.write(
            Data(
                """
                simulating openai, anthropic, google\(vertexPublicKey == nil ? "" : ", vertex") on \(simulator.baseURL)
                \(named)seed \(simulator.seed); counts at \(simulator.baseURL)/simulator/stats
                status pages at \(simulator.baseURL)/status/{openai,anthropic,google}/api/v2/summary.json

                """.utf8
            )
        )
        let group = ServiceGroup(
            services: [SimulatorService(simulator: simulator, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

/// Keeps a started ``ProviderSimulator`` serving until graceful shutdown (SIGTERM/SIGINT), then stops it.
private struct SimulatorService: Service {
    let simulator: ProviderSimulator
    let logger: Logger

    func run() async throws {
        // Returns when graceful shutdown is triggered; throws when the task is cancelled instead.
        try? await gracefulShutdown()
        await simulator.stop()
        logger.info("stopped", metadata: ["requests": "\(simulator.stats().total)"])
    }
}

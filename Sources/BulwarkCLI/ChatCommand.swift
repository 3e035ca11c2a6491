import ArgumentParser
import BulwarkCore
import BulwarkLogs
import Foundation
import Bulwark
import BulwarkRedis

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Send one prompt through the configured providers; print the answer, or the normalized error and exit non-zero."
    )

    @Option(help: "The configuration file.")
    var config: String = "bulwark.yaml"

    @Flag(help: "Stream the answer as it arrives.")
    var stream = false

    @Option(name: .customLong("log-dir"), help: "Append this request's events to the JSON-lines log in DIR.")
    var logDirectory: String?

    @Option(name: .customLong("max-tokens"), help: "Largest answer, in tokens.")
    var maxTokens: Int = 1_024

    @Option(help: "Model to request instead of each provider's configured one.")
    var model: String?

    @Option(name: .customLong("system"), help: "A system prompt.")
    var systemPrompt: String?

    @Argument(help: "The prompt.")
    var prompt: String

    func run() async throws {
        let settings: BulwarkConfiguration
        do {
            settings = try ConfigurationSource.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        var recorders: [any MetricsRecorder] = [KeyReloadReporter(command: "chat")]
        let sink = try logDirectory.map { try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: $0)) }
        if let sink { recorders.append(sink) }
        defer { sink?.close() }
        let shared: RedisSharedStateStore?
        do {
            shared = try SharedStateSetup.store(for: settings)
        } catch {
            FileHandle.standardError.write(Data("shared_state.redis_url: \(error)\n".utf8))
            throw ExitCode(2)
        }
        defer { shared?.shutdown() }
        let transport = AsyncHTTPClientTransport()
        let client: ResilientClient
        do {
            client = try ResilientClient(
                configuration: settings, environment: ProcessInfo.processInfo.environment, transport: transport,
                recorder: MultiplexRecorder(recorders), sharedState: shared)
        } catch {
            await transport.shutdown()
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        var messages: [ChatMessage] = []
        if let systemPrompt { messages.append(.system(systemPrompt)) }
        messages.append(.user(prompt))
        let request = ChatRequest(messages: messages, maxTokens: maxTokens, model: model)
        let failed: Bool
        if stream {
            failed = await streamAnswer(client, request)
        } else {
            do {
                let answer = try await client.complete(request)
                print(answer.result.text)
                FileHandle.standardError.write(Data(Self.summary(answer).utf8))
                failed = false
            } catch {
                FileHandle.standardError.write(Data("bulwark chat: \(error)\n".utf8))
                failed = true
            }
        }
        await transport.shutdown()
        if failed { throw ExitCode(1) }
    }

    private func streamAnswer(_ client: ResilientClient, _ request: ChatRequest) async -> Bool {
        do {
            for try await update in client.stream(request) {
                switch update {
                case .text(let text):
                    FileHandle.standardOutput.write(Data(text.utf8))
                case .completed(let answer):
                    print()
                    FileHandle.standardError.write(Data(Self.summary(answer).utf8))
                }
            }
            return false
        } catch {
            print()
            FileHandle.standardError.write(Data("bulwark chat: \(error)\n".utf8))
            return true
        }
    }

    static func summary(_ answer: ResilientResponse) -> String {
        let usage = answer.result.usage.map { " tokens=\($0.inputTokens)/\($0.outputTokens)" } ?? ""
        return "[provider=\(answer.provider) attempts=\(answer.attempts) fallback=\(answer.usedFallback)\(usage) request=\(answer.requestID)]\n"
    }
}

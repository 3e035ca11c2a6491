import ArgumentParser
import Foundation

@main
struct BulwarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "Resilient, observable calls to LLM APIs, and the exporter that lets Prometheus watch them.",
        subcommands: [DemoCommand.self, ServeCommand.self, ChatCommand.self, SimulateCommand.self, LogsCommand.self, CheckConfigCommand.self, LoadCommand.self]
    )

    /// Parses and runs the command. A command line the parser or a command's validation refuses exits
    /// with status 2, as configuration errors do, rather than ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

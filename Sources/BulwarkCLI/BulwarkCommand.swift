import ArgumentParser

@main
struct BulwarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "Resilient, observable calls to LLM APIs, and the exporter that lets Prometheus watch them.",
        subcommands: [DemoCommand.self, ServeCommand.self, ChatCommand.self, SimulateCommand.self, LogsCommand.self, CheckConfigCommand.self]
    )
}

import ArgumentParser
import Foundation
import Bulwark

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate bulwark.yaml and the API keys it names; exit non-zero naming every problem."
    )

    @Argument(help: "The configuration file.")
    var file: String = "bulwark.yaml"

    @Flag(name: .customLong("skip-keys"), help: "Check the file only, not the API keys (variables and key files) or env: header values.")
    var skipKeys = false

    func run() async throws {
        let configuration: BulwarkConfiguration
        do {
            configuration = try ConfigurationSource.load(path: file)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        if !skipKeys {
            do {
                _ = try APIKeyValidator.resolveCredentials(for: configuration.providers, environment: ProcessInfo.processInfo.environment)
            } catch {
                var error = (try? String(contentsOfFile: file, encoding: .utf8)).map(error.locating(in:)) ?? error
                error.source = file
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let names = configuration.providers.map { "\($0.name) (\($0.kind.rawValue), \($0.model))" }
        print("\(file): ok — \(configuration.providers.count) provider(s): \(names.joined(separator: ", "))")
    }
}

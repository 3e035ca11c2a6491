import Bulwark
import BulwarkCore
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGHUP re-reads the `api_key_file` of every provider of a long-running command's client, as daemons
/// re-read their configuration; the files are also re-read when they change, without a signal.
enum KeyReloadSignal {
    /// Handles SIGHUP from now on (instead of terminating); keep the source until the command ends.
    static func install(for client: ResilientClient, command: String) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global(qos: .utility))
        source.setEventHandler {
            FileHandle.standardError.write(Data("bulwark \(command): SIGHUP: re-reading API key files\n".utf8))
            client.reloadAPIKeys()
        }
        source.resume()
        return source
    }
}

/// Writes one stderr line per key re-read from an `api_key_file`: the provider, the file and the
/// outcome (never the key), so an operator sees a rotation land or a bad file refused.
struct KeyReloadReporter: MetricsRecorder {
    let command: String

    func record(_ metric: APICallMetric) {}

    func record(_ event: ClientEvent) {
        guard case .apiKeyReloaded(let provider, let file, let problem) = event else { return }
        let line = problem.map { "bulwark \(command): providers.\(provider).api_key_file: key refused: \($0)\n" }
            ?? "bulwark \(command): providers.\(provider).api_key_file: new key from file \(file) in use\n"
        FileHandle.standardError.write(Data(APIKeyRedactor.redact(line).utf8))
    }
}

import BulwarkCore
import Foundation

extension ResilientClient {
    /// Re-reads every provider's `api_key_file` now, whether or not it changed (what `bulwark` does on
    /// SIGHUP). Returns at once: the files are read on the watchers' threads, and each result is recorded
    /// as ``ClientEvent/apiKeyReloaded(provider:file:problem:)``. Requests that start after a new key is
    /// accepted use it; a refused key leaves the previous one in use. Keys from environment variables are
    /// read once, at start.
    public func reloadAPIKeys() {
        for slot in slots { slot.reloadKey() }
    }

    /// Where each provider's current key came from and when it was read (`nil` for keyless providers),
    /// for status displays; never the key itself.
    public func apiKeySources() -> [(provider: String, key: String?)] {
        slots.map { ($0.name, $0.keys.current?.description) }
    }
}

extension ProviderCredentials {
    /// The credentials of a client given its keys in code: `key` as given, headers with `env:` values from
    /// the process environment (an unset one fails the provider's requests, naming the variable).
    init(_ provider: ProviderConfiguration, given key: APIKey?) {
        self.init(key: key.map { LoadedAPIKey(key: $0, source: .provided, loadedAt: Date()) })
        do {
            headers = try provider.resolvedHeaders(environment: ProcessInfo.processInfo.environment)
        } catch {
            headerProblem = error.problems.map(\.description).joined(separator: "; ")
        }
    }
}

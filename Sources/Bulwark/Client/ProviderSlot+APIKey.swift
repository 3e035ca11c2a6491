import BulwarkCore
import Foundation

extension ProviderSlot {
    /// A watcher of the provider's `api_key_file`, when its key came from one.
    static func watcher(
        _ configuration: ProviderConfiguration, key: LoadedAPIKey?, holder: APIKeyHolder, recorder: any MetricsRecorder
    ) -> APIKeyFileWatcher? {
        guard case .file(let path)? = key?.source else { return nil }
        // The file was read moments ago; a change between that read and this `stat` is caught by the next.
        return APIKeyFileWatcher(
            provider: configuration.name, kind: configuration.kind, path: path, holder: holder, recorder: recorder,
            signature: APIKeyValidator.FileSignature.of(path: path))
    }

    /// The HTTP request of an attempt starting now, with the key current now (also returned, so that an
    /// `authentication` failure can name where it came from).
    func makeKeyedHTTPRequest(for request: ChatRequest) throws(ProviderError) -> (ProviderHTTPRequest, LoadedAPIKey?) {
        if let problem = headerProblem {
            throw ProviderError(errorType: .authentication, statusCode: 0, message: "\(name): \(problem)")
        }
        let key = keys.current
        do {
            return (try adapter.makeHTTPRequest(for: request, apiKey: key?.key.value ?? ""), key)
        } catch {
            throw Self.namingKey(error, key)
        }
    }

    /// An `authentication` error with the key's source and load time first (`[key from file /x loaded
    /// 2026-12-05T10:00:00Z] Incorrect API key provided`), so that a 401 after a rotation says which key
    /// was refused; other errors as they are.
    static func namingKey(_ error: ProviderError, _ key: LoadedAPIKey?) -> ProviderError {
        guard error.errorType == .authentication, let key else { return error }
        var named = error
        named.setMessage("[\(key)] \(error.message)")
        return named
    }

    /// Re-reads the `api_key_file`, if the key came from one (see ``ResilientClient/reloadAPIKeys()``).
    func reloadKey() {
        keyWatcher?.reload()
    }
}

import BulwarkCore
public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a provider's API key comes from; its description (`env OPENAI_API_KEY`, `file /run/secrets/openai`)
/// is what error messages show, never the key.
public enum APIKeySource: Sendable, Hashable, CustomStringConvertible {
    /// `api_key_env`: an environment variable, read once at start.
    case environment(variable: String)
    /// `api_key_file`: a file, re-read when it changes.
    case file(path: String)
    /// Given to ``ResilientClient/init(configuration:keys:transport:recorder:clock:timerClock:sharedState:)`` in code.
    case provided

    public var description: String {
        switch self {
        case .environment(let variable): return "env \(variable)"
        case .file(let path): return "file \(path)"
        case .provided: return "ResilientClient(keys:)"
        }
    }
}

/// A key, where it came from and when it was read.
public struct LoadedAPIKey: Sendable, Equatable, CustomStringConvertible {
    /// The key; send it, never log it.
    public var key: APIKey
    public var source: APIKeySource
    /// When the key was read (and validated).
    public var loadedAt: Date

    /// Creates a loaded key.
    public init(key: APIKey, source: APIKeySource, loadedAt: Date) {
        self.key = key
        self.source = source
        self.loadedAt = loadedAt
    }

    /// `key from file /run/secrets/openai loaded 2026-12-05T10:00:00Z`: what a 401 names.
    public var description: String {
        "key from \(source) loaded \(loadedAt.formatted(.iso8601))"
    }
}

/// What a provider is sent besides the request: its key (none for a keyless one) and its extra headers.
public struct ProviderCredentials: Sendable, Equatable {
    /// The key as read at start; `nil` for a keyless provider.
    public var key: LoadedAPIKey?
    /// `OpenAI-Organization`, `OpenAI-Project` and `headers`, with `env:` values read.
    public var headers: HTTPHeaderFields
    /// Why the headers could not be resolved (keys given in code, an `env:` variable unset): every
    /// request to the provider then fails with this `authentication` error instead of going without them.
    var headerProblem: String?

    /// Creates credentials.
    public init(key: LoadedAPIKey?, headers: HTTPHeaderFields = [:]) {
        self.key = key
        self.headers = headers
    }
}

extension APIKeyValidator {
    /// Largest key file read: keys are under a kilobyte; anything far larger is not a key file.
    static let maxKeyFileBytes = 64 * 1024

    /// Reads every provider's key (from its variable or its file) and extra headers, reporting every
    /// missing, unreadable or malformed key and every unset `env:` header variable at once. Messages name
    /// the variable or file, never the key or a header value.
    public static func resolveCredentials(
        for providers: [ProviderConfiguration], environment: [String: String], now: Date = Date()
    ) throws(ConfigurationError) -> [String: ProviderCredentials] {
        var credentials: [String: ProviderCredentials] = [:]
        var problems: [ConfigurationError.Problem] = []
        for provider in providers {
            var key: LoadedAPIKey?
            if !provider.keyless {
                if let path = provider.apiKeyFile {
                    switch readKeyFile(path, kind: provider.kind) {
                    case .success(let read): key = LoadedAPIKey(key: read.key, source: .file(path: path), loadedAt: now)
                    case .failure(let problem):
                        problems.append(.init(path: "providers.\(provider.name).api_key_file", message: problem.message))
                    }
                } else {
                    do {
                        if let found = try resolveKeys(for: [provider], environment: environment)[provider.name] {
                            key = LoadedAPIKey(
                                key: found, source: .environment(variable: provider.apiKeyEnvironmentVariable), loadedAt: now)
                        }
                    } catch {
                        problems += error.problems
                    }
                }
            }
            do {
                let headers = try provider.resolvedHeaders(environment: environment)
                credentials[provider.name] = ProviderCredentials(key: key, headers: headers)
            } catch {
                problems += error.problems
            }
        }
        if !problems.isEmpty { throw ConfigurationError(source: nil, problems: problems) }
        return credentials
    }

    /// Why a key file cannot be used; names the file, never its content.
    public struct KeyFileProblem: Error, Sendable, Equatable {
        /// What is wrong, naming the file.
        public var message: String
    }

    /// The identity of a file's content as `stat` sees it: a replaced file (new inode), a rewritten one
    /// (new size or modification time) or a swapped symlink (another target) differs.
    struct FileSignature: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            #if canImport(Darwin)
            modifiedSeconds = Int(info.st_mtimespec.tv_sec)
            modifiedNanoseconds = Int(info.st_mtimespec.tv_nsec)
            #else
            modifiedSeconds = Int(info.st_mtim.tv_sec)
            modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
            #endif
        }

        /// The signature of what `path` resolves to now (symlinks followed), or `nil` when it cannot be
        /// stat'ed.
        static func of(path: String) -> FileSignature? {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return FileSignature(info)
        }
    }

    /// Reads, strips and format-checks the key in `path` (blocking: call it at start or from a thread of
    /// its own). The signature is that of the file actually read.
    static func readKeyFile(_ path: String, kind: ProviderKind) -> Result<(key: APIKey, signature: FileSignature), KeyFileProblem> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failure(KeyFileProblem(message: "cannot read file \(path): \(String(cString: strerror(errno)))"))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            return .failure(KeyFileProblem(message: "cannot read file \(path): \(String(cString: strerror(errno)))"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(KeyFileProblem(message: "file \(path) is not a regular file"))
        }
        var bytes = [UInt8](repeating: 0, count: maxKeyFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else {
                return .failure(KeyFileProblem(message: "cannot read file \(path): \(String(cString: strerror(errno)))"))
            }
            if got == 0 { break }
            count += got
        }
        guard count <= maxKeyFileBytes else {
            return .failure(KeyFileProblem(message: "file \(path) is larger than \(maxKeyFileBytes) bytes; it does not hold just a key"))
        }
        let key = String(decoding: bytes.prefix(count), as: UTF8.self).trimmingASCIIWhitespace()
        guard !key.isEmpty else { return .failure(KeyFileProblem(message: "file \(path) is empty")) }
        if key.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return .failure(KeyFileProblem(message: "the key in file \(path) contains line breaks or control characters; the file must hold one key"))
        }
        if let problem = problem(withKey: key, kind: kind.rawValue) {
            return .failure(KeyFileProblem(message: "the key in file \(path) \(problem)"))
        }
        return .success((APIKey(key), FileSignature(info)))
    }
}

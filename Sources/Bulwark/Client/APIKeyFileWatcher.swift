import BulwarkCore
import Foundation
import Synchronization

/// A provider's current key, read by every attempt as it starts and swapped by its file watcher.
final class APIKeyHolder: Sendable {
    private let loaded: Mutex<LoadedAPIKey?>

    init(_ key: LoadedAPIKey?) {
        loaded = Mutex(key)
    }

    /// The key requests starting now use; `nil` for a keyless provider.
    var current: LoadedAPIKey? { loaded.withLock { $0 } }

    func replace(with key: LoadedAPIKey) {
        loaded.withLock { $0 = key }
    }
}

/// Re-reads a provider's `api_key_file` when it changes, on a thread of its own (the reads block).
///
/// It polls `stat` of the path once a second rather than using inotify: `stat` follows symlinks, so a
/// Kubernetes secret update (which atomically swaps the `..data` symlink the key's path goes through),
/// a Vault agent's rename over the file and an in-place rewrite all show as a new device/inode, size or
/// modification time, with no watch to re-arm on a replaced inode or directory to watch for the swap.
/// One `stat` a second per file costs nothing measurable, and a key rotates with minutes of overlap.
///
/// A new key is format-checked like one read at start; a refused one leaves the previous key in use.
/// Either way a ``ClientEvent/apiKeyReloaded(provider:file:problem:)`` is recorded, naming the file and
/// never the key. The thread ends with ``stop()`` or when the watcher is released.
final class APIKeyFileWatcher: Sendable {
    /// Flags the thread waits on: stop, or re-read now (SIGHUP).
    private final class Control: Sendable {
        let condition = NSCondition()
        let flags = Mutex<(stop: Bool, reload: Bool)>((false, false))

        func signal(stop: Bool = false, reload: Bool = false) {
            condition.lock()
            flags.withLock { flags in
                flags.stop = flags.stop || stop
                flags.reload = flags.reload || reload
            }
            condition.signal()
            condition.unlock()
        }

        /// Waits until a flag is set or `interval` passed; returns the flags and clears `reload`.
        func wait(_ interval: Double) -> (stop: Bool, reload: Bool) {
            condition.lock()
            defer { condition.unlock() }
            let deadline = Date(timeIntervalSinceNow: interval)
            while true {
                let current = flags.withLock { $0 }
                if current.stop || current.reload {
                    flags.withLock { $0.reload = false }
                    return current
                }
                if !condition.wait(until: deadline) { return flags.withLock { $0 } }
            }
        }
    }

    private let control = Control()

    /// Starts watching `path` for `provider`; `signature` is that of the file the current key came from.
    init(
        provider: String, kind: ProviderKind, path: String, holder: APIKeyHolder, recorder: any MetricsRecorder,
        pollInterval: Double = 1, signature: APIKeyValidator.FileSignature?
    ) {
        let control = self.control
        let thread = Thread {
            var last = signature
            while true {
                let flags = control.wait(pollInterval)
                if flags.stop { return }
                let now = APIKeyValidator.FileSignature.of(path: path)
                // A path that cannot be stat'ed (mid-replacement by a non-atomic writer) is read once it
                // reappears; an explicit reload reports it.
                guard flags.reload || (now != nil && now != last) else { continue }
                switch APIKeyValidator.readKeyFile(path, kind: kind) {
                case .success(let read):
                    last = read.signature
                    holder.replace(with: LoadedAPIKey(key: read.key, source: .file(path: path), loadedAt: Date()))
                    recorder.record(.apiKeyReloaded(provider: provider, file: path, problem: nil))
                case .failure(let problem):
                    last = now
                    recorder.record(.apiKeyReloaded(
                        provider: provider, file: path, problem: "\(problem.message); the previous key stays in use"))
                }
            }
        }
        thread.name = "bulwark-key-\(provider)"
        thread.start()
    }

    /// Re-reads the file now (for SIGHUP), whether or not it changed.
    func reload() {
        control.signal(reload: true)
    }

    /// Ends the thread; idempotent.
    func stop() {
        control.signal(stop: true)
    }

    deinit {
        stop()
    }
}

public import Logging
import Synchronization

/// A swift-log handler that keeps every entry in memory.
public final class CapturedLog: Sendable {
    public struct Entry: Sendable {
        public var label: String
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    private let storage = Mutex<[Entry]>([])
    public var entries: [Entry] { storage.withLock { $0 } }

    public init() {}

    public func handler(label: String) -> Handler { Handler(label: label, log: self) }

    public struct Handler: LogHandler {
        let label: String
        let log: CapturedLog
        public var logLevel: Logger.Level = .trace
        public var metadata: Logger.Metadata = [:]

        public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        public func log(event: LogEvent) {
            let entry = Entry(
                label: label, level: event.level, message: "\(event.message)",
                metadata: metadata.merging(event.metadata ?? [:]) { $1 })
            log.storage.withLock { $0.append(entry) }
        }
    }
}

public import Logging

extension ResilientClient {
    /// The logger a client uses unless it is given one: labelled `bulwark.client`, and it discards every
    /// message. swift-log's default before `LoggingSystem.bootstrap` writes to standard error, so a client
    /// logs only where the application asks it to: pass `Logger(label: "bulwark.client")` (or a logger of
    /// your own, with its metadata) to the initializer.
    public static let defaultLogger = Logger(label: "bulwark.client", factory: { _ in SwiftLogNoOpLogHandler() })
}

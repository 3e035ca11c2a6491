public import Logging
public import ServiceLifecycle

/// Runs an ``Exporter`` as a `Service`: starts it, serves until graceful shutdown (SIGTERM/SIGINT
/// in a `ServiceGroup`), then stops the server and flushes the log.
public struct ExporterService: Service {
    /// The exporter being run.
    public let exporter: Exporter
    private let logger: Logger

    /// Wraps `exporter`.
    public init(exporter: Exporter, logger: Logger) {
        self.exporter = exporter
        self.logger = logger
    }

    public func run() async throws {
        try exporter.start()
        let configuration = exporter.configuration
        logger.info("serving", metadata: [
            "listen": "\(configuration.host):\(exporter.port)",
            "log_dir": "\(configuration.logDirectory ?? "off")",
        ])
        // Returns when graceful shutdown is triggered; throws when the task is cancelled instead.
        try? await gracefulShutdown()
        await exporter.stop()
        logger.info("stopped; logs flushed")
    }
}

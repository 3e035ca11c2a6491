import BulwarkCore
public import BulwarkAlerts

/// Settings of the exporter service (`exporter:` in `bulwark.yaml`, and the `serve` flags).
public struct ExporterConfiguration: Sendable {
    /// Address to bind; loopback by default so nothing is exposed unless asked.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Directory of the JSON-lines logs; `nil` turns logging off.
    public var logDirectory: String?
    /// Size at which the active log segment is sealed and compressed; `nil` keeps the sink's default.
    public var logSegmentBytes: Int?
    /// Largest request body accepted, in bytes (larger bodies get 413).
    public var maxBodyBytes: Int
    /// Most events accepted in one `POST /v1/events`.
    public var maxEventsPerRequest: Int
    /// When set, every route but `/healthz` and `/` requires `Authorization: Bearer <token>`
    /// (or the basic credentials, when those are set too).
    public var bearerToken: String?
    /// With ``basicAuthPassword``: every route but `/healthz` and `/` requires these basic credentials
    /// (or the bearer token, when that is set too).
    public var basicAuthUser: String?
    /// The password of ``basicAuthUser``.
    public var basicAuthPassword: String?
    /// PEM certificate (chain) file; with ``tlsKeyPath`` the exporter serves HTTPS only.
    public var tlsCertificatePath: String?
    /// PEM private key file of ``tlsCertificatePath`` (unencrypted).
    public var tlsKeyPath: String?
    /// Bytes of request bodies held at once across all requests; past it `503` with `Retry-After`.
    public var bodyBudgetBytes: Int = 64 * 1024 * 1024
    /// Connections open at once from one client address.
    public var perIPConnectionLimit: Int = 256
    /// Connections open at once in total.
    public var connectionLimit: Int = 1024
    /// Seconds a connection may take to send a request's headers (from accept or the previous answer).
    public var headersTimeoutSeconds: Double = 30
    /// Seconds a connection may take to send a whole request, body included.
    public var requestTimeoutSeconds: Double = 120
    /// The daily budget published as `llm_api_daily_budget_usd`.
    public var dailyBudgetUSD: Double?
    /// Limits of the registry's label values.
    public var registry: MetricsRegistryLimits
    /// Thresholds, windows and evaluation interval of the in-process alert evaluator.
    public var alerts: AlertConfiguration
    /// Base URL of an Alertmanager to push firing and resolved alerts to (its v2 API).
    public var alertmanagerURL: String?
    /// Replay the logged events of the alert windows at start, so a restart does not blind the alerts.
    public var replayLogsOnStart: Bool
    /// Provider name → Statuspage v2 `summary.json` URL (`exporter.status_pages`), polled into
    /// `llm_api_provider_status`; empty (the default): no status page is fetched.
    public var statusPages: [String: String] = [:]
    /// Seconds between polls of each status page (`exporter.status_poll_seconds`, default 60).
    public var statusPollSeconds: Double = 60

    /// Limits of caller-controlled label values.
    public struct MetricsRegistryLimits: Sendable {
        /// Distinct providers before `other`.
        public var maxProviders: Int = 32
        /// Distinct models before `other`.
        public var maxModels: Int = 256
        /// Series of all families together before new label combinations fold into `other` (`exporter.max_series`).
        public var maxSeries: Int = 20_000
        /// Creates the defaults.
        public init() {}
    }

    /// The default listen address, `127.0.0.1:9464`.
    public static let defaultListen = "127.0.0.1:9464"

    /// Creates a configuration with the design's defaults.
    public init(
        host: String = "127.0.0.1",
        port: Int = 9464,
        logDirectory: String? = "./bulwark-logs",
        maxBodyBytes: Int = 10 * 1024 * 1024,
        maxEventsPerRequest: Int = 100_000,
        bearerToken: String? = nil,
        dailyBudgetUSD: Double? = 50,
        registry: MetricsRegistryLimits = MetricsRegistryLimits()
    ) {
        self.host = host
        self.port = port
        self.logDirectory = logDirectory
        self.logSegmentBytes = nil
        self.maxBodyBytes = maxBodyBytes
        self.maxEventsPerRequest = maxEventsPerRequest
        self.bearerToken = bearerToken
        self.dailyBudgetUSD = dailyBudgetUSD
        self.registry = registry
        self.alerts = AlertConfiguration()
        self.alertmanagerURL = nil
        self.replayLogsOnStart = true
    }

    /// Parses `host:port` (`[::1]:9464` for IPv6), naming what was wrong.
    public static func parseListen(_ text: String) throws(ListenAddressError) -> (host: String, port: Int) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ListenAddressError(text: text, reason: "expected [IPv6]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ListenAddressError(text: text, reason: "expected host:port") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ListenAddressError(text: text, reason: "the host is empty") }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw ListenAddressError(text: text, reason: "the port must be a number from 0 to 65535")
        }
        return (String(host), port)
    }
}

/// A `--listen` value that is not `host:port`.
public struct ListenAddressError: Error, Sendable, CustomStringConvertible {
    /// The text given.
    public var text: String
    /// What was wrong.
    public var reason: String
    public var description: String { "invalid listen address \"\(text)\": \(reason)" }
}

/// A setting the exporter cannot start with (an unreadable TLS file, half a TLS pair).
public struct ExporterSetupError: Error, Sendable, CustomStringConvertible {
    /// What was wrong, naming the file or flag.
    public var message: String
    public var description: String { message }
}

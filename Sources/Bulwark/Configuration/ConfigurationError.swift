import BulwarkCore

/// Every problem found in a configuration, reported together so one run fixes them all.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem: where it is and what is wrong.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Dotted path of the key (`providers[1].rate_limits.rpm`), or the provider name for key problems.
        public var path: String
        /// 1-based line in the file, when known.
        public var line: Int?
        /// What is wrong (never contains an API key).
        public var message: String

        /// Creates a problem; anything in `message` that looks like a key is replaced with `[REDACTED]`
        /// (a key pasted into the wrong field, a URL holding one, a YAML error quoting its line).
        public init(path: String, line: Int? = nil, message: String) {
            self.path = path
            self.line = line
            self.message = APIKeyRedactor.redact(message)
        }

        public var description: String {
            let location = line.map { "line \($0): " } ?? ""
            return "\(location)\(path): \(message)"
        }
    }

    /// The file the problems are in, when there is one.
    public var source: String?
    /// The problems, in file order.
    public var problems: [Problem]

    public init(source: String?, problems: [Problem]) {
        self.source = source
        self.problems = problems
    }

    public var description: String {
        let header = "\(source ?? "configuration"): \(problems.count) problem\(problems.count == 1 ? "" : "s")"
        return ([header] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}

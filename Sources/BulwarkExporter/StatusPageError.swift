/// Why one poll of a status page failed; counted in `llm_api_status_page_errors_total{provider}` and
/// logged with the page's URL.
public struct StatusPageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Equatable {
        /// No answer: the host could not be reached, the connection failed or was cut.
        case unreachable
        /// No complete answer within the poll's time limit.
        case timeout
        /// An answer other than 2xx (a redirect included: only the configured URL is fetched).
        case httpStatus = "http_status"
        /// A body over the size limit; reading stopped there.
        case tooLarge = "too_large"
        /// A body that is not a Statuspage summary.
        case invalidBody = "invalid_body"
    }

    /// The kind of failure.
    public var kind: Kind
    /// What was wrong, for the log.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// `text` in quotes, cut to 40 characters, for messages that show a value taken from a response.
    static func quoted(_ text: String) -> String {
        let cut = text.count > 40 ? text.prefix(40) + "…" : Substring(text)
        return "\"" + cut.unicodeScalars.map { $0.value < 0x20 ? "?" : String($0) }.joined() + "\""
    }
}

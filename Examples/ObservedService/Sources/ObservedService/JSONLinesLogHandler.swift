import Foundation
import Logging

/// A swift-log handler printing one JSON object per line: `ts` (ISO 8601, UTC, milliseconds), `level`,
/// `logger`, `message`, then the metadata as string fields. Lines go through a ``LineWriter``.
struct JSONLinesLogHandler: LogHandler {
    let label: String
    let writer: LineWriter
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = "{\"ts\":\"" + Self.timestamp(Date()) + "\",\"level\":\"" + event.level.rawValue + "\",\"logger\":"
            + Self.quoted(label) + ",\"message\":" + Self.quoted(event.message.description)
        for key in merged.keys.sorted() where !["ts", "level", "logger", "message"].contains(key) {
            line += "," + Self.quoted(key) + ":" + Self.quoted(merged[key]!.description)
        }
        writer.enqueue(line + "}")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

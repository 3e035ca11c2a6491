/// One server-sent event.
package struct SSEEvent: Sendable, Hashable {
    /// The `event:` field; `nil` when the event had none (the spec's default type `message`).
    package var event: String?
    /// The `data:` lines joined by `\n`.
    package var data: String
    /// The last `id:` seen in the stream.
    package var id: String?
    /// The `retry:` field of this event, in milliseconds.
    package var retry: Int?
    /// The event is a bare JSON value that arrived without `data:` framing (Gemini sends a mid-stream
    /// error as pretty-printed JSON lines); ``data`` holds the JSON text.
    package var isUnframedJSON: Bool

    /// Creates an event.
    package init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil, isUnframedJSON: Bool = false)
    {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
        self.isUnframedJSON = isUnframedJSON
    }
}

/// An incremental `text/event-stream` parser that accepts the body in arbitrary byte chunks.
///
/// Follows the WHATWG event-stream rules: lines end with CR, LF or CRLF (a CRLF split across two chunks
/// counts once); `data:` lines of one event are joined with `\n`; one space after the colon is dropped;
/// lines starting with `:` are comments; a blank line dispatches the event; an event without data is
/// not dispatched; a leading UTF-8 BOM is skipped.
///
/// Two deliberate extensions:
/// - a line whose first non-blank character is `{` and that is not inside a `data:` field starts an
///   unframed JSON value; following lines are buffered until its braces balance (strings and escapes
///   respected) and the value is dispatched as one event with ``SSEEvent/isUnframedJSON`` set. This is how
///   google-genai reads Gemini's mid-stream errors.
/// - at ``finish()``, an event whose lines all ended with a line break is dispatched even without the
///   closing blank line (as the SDKs do); an unterminated last line and an unbalanced JSON value are
///   dropped, since they may have been cut.
///
/// A line or unframed value longer than ``maxEventBytes`` stops the parser and sets ``overflowed``.
package struct SSEParser: Sendable {
    /// Default cap on one line, one event's data or one unframed JSON value: 16 MiB.
    package static let defaultMaxEventBytes = 16 << 20

    /// Cap on one line, one event's data or one unframed JSON value, in bytes.
    package let maxEventBytes: Int
    /// A line or event exceeded ``maxEventBytes``; the parser ignores all further input.
    package private(set) var overflowed = false

    private var line: [UInt8] = []
    private var previousWasCR = false
    private var atStartOfStream = true
    private var dataBuffer: [UInt8] = []
    private var hasData = false
    private var eventName: String?
    private var lastEventID: String?
    private var retry: Int?
    private var unframed: UnframedJSON?

    private struct UnframedJSON: Sendable {
        var bytes: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        var started = false

        /// Appends a line and reports whether the value is complete.
        mutating func append(line: [UInt8]) -> Bool {
            if !bytes.isEmpty { bytes.append(0x0A) }
            for byte in line {
                bytes.append(byte)
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    started = true
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if started && depth <= 0 { return true }
                default: break
                }
            }
            return false
        }
    }

    /// Creates a parser.
    package init(maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    /// Consumes the next chunk of the body and returns the events it completed.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !overflowed else { return events }
        for byte in bytes {
            if previousWasCR {
                previousWasCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                previousWasCR = true
                processLine(into: &events)
            case 0x0A:
                processLine(into: &events)
            default:
                line.append(byte)
                if line.count > maxEventBytes { overflowed = true }
            }
            if overflowed { return events }
        }
        return events
    }

    /// Signals the end of the body and returns the event still pending, if it is complete (see the
    /// type's documentation). The parser is reset afterwards.
    package mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !overflowed, unframed == nil, line.isEmpty {
            dispatch(into: &events)
        }
        self = SSEParser(maxEventBytes: maxEventBytes)
        return events
    }

    private mutating func processLine(into events: inout [SSEEvent]) {
        var current = line
        line.removeAll(keepingCapacity: true)
        if atStartOfStream {
            atStartOfStream = false
            if current.starts(with: [0xEF, 0xBB, 0xBF]) { current.removeFirst(3) }
        }

        if var value = unframed {
            let complete = value.append(line: current)
            if value.bytes.count > maxEventBytes {
                overflowed = true
                return
            }
            if complete {
                events.append(
                    SSEEvent(data: String(decoding: value.bytes, as: UTF8.self), id: lastEventID, isUnframedJSON: true))
                unframed = nil
            } else {
                unframed = value
            }
            return
        }

        guard let first = current.first else {
            dispatch(into: &events)
            return
        }
        if first == UInt8(ascii: ":") { return }
        if current.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: "{") {
            var value = UnframedJSON()
            if value.append(line: current) {
                events.append(
                    SSEEvent(data: String(decoding: value.bytes, as: UTF8.self), id: lastEventID, isUnframedJSON: true))
            } else {
                unframed = value
            }
            return
        }

        let colon = current.firstIndex(of: UInt8(ascii: ":"))
        let name = String(decoding: current[..<(colon ?? current.endIndex)], as: UTF8.self)
        var valueStart = colon.map { current.index(after: $0) } ?? current.endIndex
        if valueStart < current.endIndex, current[valueStart] == 0x20 { valueStart += 1 }
        let value = current[valueStart...]

        switch name {
        case "data":
            dataBuffer.append(contentsOf: value)
            dataBuffer.append(0x0A)
            hasData = true
            if dataBuffer.count > maxEventBytes { overflowed = true }
        case "event":
            eventName = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
                retry = Int(String(decoding: value, as: UTF8.self))
            }
        default:
            break
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            hasData = false
            eventName = nil
            retry = nil
        }
        guard hasData else { return }
        if dataBuffer.last == 0x0A { dataBuffer.removeLast() }
        events.append(
            SSEEvent(
                event: eventName.flatMap { $0.isEmpty ? nil : $0 },
                data: String(decoding: dataBuffer, as: UTF8.self),
                id: lastEventID,
                retry: retry))
    }
}

public import BulwarkCore
import Foundation

/// How a `POST /v1/events` body is framed.
public enum EventBatchFraming: Sendable, Equatable {
    /// One JSON object or a JSON array of objects (`application/json`).
    case json
    /// One JSON object per line (`application/x-ndjson`, `application/jsonl`).
    case ndjson

    /// The framing named by a `Content-Type` header, or `nil` when it is not one Bulwark accepts.
    public init?(contentType: String?) {
        guard let contentType else { return nil }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            String($0).trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        switch mediaType {
        case "application/json": self = .json
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
            "application/jsonlines":
            self = .ndjson
        default: return nil
        }
    }

    /// The media types accepted, for error messages.
    public static let acceptedMediaTypes = "application/json, application/x-ndjson"
}

/// Why a batch was refused: where in the body, which field, and what was wrong.
public struct EventBatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `llm_api_events_rejected_total` reason label.
    public enum Reason: String, Sendable {
        case invalidJSON = "invalid_json"
        case invalidEvent = "invalid_event"
        case emptyBatch = "empty_batch"
        case tooManyEvents = "too_many_events"
    }

    /// The rejection reason.
    public var reason: Reason
    /// 1-based line of the body where the problem is (NDJSON line, or the line of the JSON text).
    public var line: Int?
    /// 0-based index of the event in the batch.
    public var index: Int?
    /// The field that was wrong.
    public var field: String?
    /// What was wrong.
    public var message: String
    /// How many events the refused batch held, as far as they could be counted.
    public var eventCount: Int

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let index { parts.append("event \(index)") }
        let location = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
        return location + message
    }
}

/// Decodes a whole batch or nothing: the first bad event refuses the batch.
public enum EventBatchDecoder {
    /// Decodes `body` framed as `framing`, accepting at most `maxEvents` events.
    public static func decode(
        _ body: [UInt8], framing: EventBatchFraming, maxEvents: Int
    ) throws(EventBatchError) -> [APICallMetric] {
        let events: [APICallMetric]
        switch framing {
        case .json: events = try decodeJSON(body, maxEvents: maxEvents)
        case .ndjson: events = try decodeNDJSON(body, maxEvents: maxEvents)
        }
        guard !events.isEmpty else {
            throw EventBatchError(reason: .emptyBatch, message: "the batch holds no events", eventCount: 0)
        }
        return events
    }

    private static func decodeJSON(_ body: [UInt8], maxEvents: Int) throws(EventBatchError) -> [APICallMetric] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw EventBatchError(
                reason: .invalidJSON, line: lineNumber(of: error.offset, in: body), message: error.description, eventCount: 1)
        }
        switch value {
        case .array(let items):
            guard items.count <= maxEvents else { throw tooMany(items.count, maxEvents) }
            var events: [APICallMetric] = []
            events.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                do {
                    events.append(try APICallMetric(json: item))
                } catch {
                    throw EventBatchError(
                        reason: .invalidEvent, index: index, field: error.field, message: error.description,
                        eventCount: items.count)
                }
            }
            return events
        default:
            do {
                return [try APICallMetric(json: value)]
            } catch {
                throw EventBatchError(reason: .invalidEvent, index: 0, field: error.field, message: error.description, eventCount: 1)
            }
        }
    }

    private static func decodeNDJSON(_ body: [UInt8], maxEvents: Int) throws(EventBatchError) -> [APICallMetric] {
        var lines: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        var start = 0
        var number = 1
        for index in 0...body.count where index == body.count || body[index] == 0x0A {
            var line = body[start..<index]
            if line.last == 0x0D { line = line.dropLast() }
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 }) { lines.append((number, line)) }
            start = index + 1
            number += 1
        }
        guard lines.count <= maxEvents else { throw tooMany(lines.count, maxEvents) }
        var events: [APICallMetric] = []
        events.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            do {
                events.append(try APICallMetric(jsonBytes: line.bytes))
            } catch {
                let reason: EventBatchError.Reason = error.reason.hasPrefix("invalid JSON") ? .invalidJSON : .invalidEvent
                throw EventBatchError(
                    reason: reason, line: line.number, index: index, field: error.field, message: error.description,
                    eventCount: lines.count)
            }
        }
        return events
    }

    private static func tooMany(_ count: Int, _ maxEvents: Int) -> EventBatchError {
        EventBatchError(
            reason: .tooManyEvents, message: "the batch holds \(count) events; at most \(maxEvents) are accepted per request",
            eventCount: count)
    }

    private static func lineNumber(of offset: Int, in body: [UInt8]) -> Int {
        1 + body.prefix(offset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

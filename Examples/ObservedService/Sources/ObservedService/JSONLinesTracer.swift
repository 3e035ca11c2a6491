import Foundation
import Synchronization
import Tracing

/// A swift-distributed-tracing `Tracer` that writes every finished span as one JSON line through a
/// ``LineWriter``: `span` (the name), `kind`, `trace_id`, `span_id`, `parent_span_id`, `start_ns`, `end_ns`,
/// `status`, `attributes`, `events`. It propagates W3C `traceparent`. A stand-in for an OpenTelemetry
/// exporter (swift-otel), which a real service would bootstrap instead.
struct JSONLinesTracer: Tracer {
    let writer: LineWriter

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> JSONLinesSpan {
        var context = context()
        let parent = context.spanIDs
        let ids = SpanIDs(traceID: parent?.traceID ?? Self.randomHex(bytes: 16), spanID: Self.randomHex(bytes: 8))
        context.spanIDs = ids
        return JSONLinesSpan(
            name: operationName, kind: kind, context: context, parentSpanID: parent?.spanID,
            start: instant().nanosecondsSinceEpoch, writer: writer)
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let ids = context.spanIDs else { return }
        injector.inject("00-\(ids.traceID)-\(ids.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = header.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32, parts[2].count == 16 else { return }
        context.spanIDs = SpanIDs(traceID: String(parts[1]), spanID: String(parts[2]))
    }

    static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

/// The trace and span IDs a span puts into its context.
struct SpanIDs: Sendable {
    var traceID: String
    var spanID: String
}

private enum SpanIDsKey: ServiceContextKey {
    typealias Value = SpanIDs
}

extension ServiceContext {
    var spanIDs: SpanIDs? {
        get { self[SpanIDsKey.self] }
        set { self[SpanIDsKey.self] = newValue }
    }
}

/// A span of ``JSONLinesTracer``; written as a JSON line when it ends.
final class JSONLinesSpan: Span {
    private struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var events: [String] = []
        var status: SpanStatus?
        var ended = false
    }

    let context: ServiceContext
    private let kind: SpanKind
    private let parentSpanID: String?
    private let start: UInt64
    private let writer: LineWriter
    private let state: Mutex<State>

    init(name: String, kind: SpanKind, context: ServiceContext, parentSpanID: String?, start: UInt64, writer: LineWriter) {
        self.context = context
        self.kind = kind
        self.parentSpanID = parentSpanID
        self.start = start
        self.writer = writer
        state = Mutex(State(name: name))
    }

    var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { $0.name = newValue } }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    var isRecording: Bool { state.withLock { !$0.ended } }

    func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }

    func addEvent(_ event: SpanEvent) { state.withLock { $0.events.append(event.name) } }

    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        state.withLock { $0.events.append("exception") }
    }

    func addLink(_ link: SpanLink) {}

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = instant().nanosecondsSinceEpoch
        guard let finished = state.withLock({ state -> State? in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }) else { return }
        let ids = context.spanIDs
        var line = "{\"span\":" + JSONLinesLogHandler.quoted(finished.name) + ",\"kind\":\"\(kind)\""
        line += ",\"trace_id\":\"\(ids?.traceID ?? "")\",\"span_id\":\"\(ids?.spanID ?? "")\""
        if let parentSpanID { line += ",\"parent_span_id\":\"\(parentSpanID)\"" }
        line += ",\"start_ns\":\(start),\"end_ns\":\(end)"
        if let status = finished.status { line += ",\"status\":\"\(status.code == .error ? "error" : "ok")\"" }
        var fields: [String] = []
        finished.attributes.forEach { key, value in
            let json: String
            switch value {
            case .int32(let number): json = "\(number)"
            case .int64(let number): json = "\(number)"
            case .double(let number): json = "\(number)"
            case .bool(let flag): json = "\(flag)"
            case .string(let text): json = JSONLinesLogHandler.quoted(text)
            default: json = JSONLinesLogHandler.quoted("\(value)")
            }
            fields.append(JSONLinesLogHandler.quoted(key) + ":" + json)
        }
        line += ",\"attributes\":{" + fields.sorted().joined(separator: ",") + "}"
        line += ",\"events\":[" + finished.events.map(JSONLinesLogHandler.quoted).joined(separator: ",") + "]}"
        writer.enqueue(line)
    }
}

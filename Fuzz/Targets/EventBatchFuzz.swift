import BulwarkCore
import BulwarkExporter

enum EventBatchFuzz {
    static func run(_ input: [UInt8]) {
        for framing in [EventBatchFraming.json, .ndjson] {
            guard let events = try? EventBatchDecoder.decode(input, framing: framing, maxEvents: 1_000) else { continue }
            for event in events {
                let line = event.jsonString
                guard let again = try? APICallMetric(jsonBytes: Array(line.utf8)) else {
                    fatalError("an accepted event does not read back: \(line)")
                }
                require(again == event, "an accepted event changes in its round trip: \(line)")
            }
        }
    }
}

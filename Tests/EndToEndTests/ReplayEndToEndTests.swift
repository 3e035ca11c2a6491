import BulwarkTestSupport
import Foundation
import Testing

/// The start-up replay of the logged alert windows runs while the exporter already serves.
@Suite(.serialized) struct ReplayEndToEndTests {
    @Test func servesWhileTheAlertWindowsReplay() throws {
        let directory = try makeTemporaryDirectory("bulwark-replay")
        let now = Date().timeIntervalSince1970
        let count = 20_000
        var text = ""
        text.reserveCapacity(count * 420)
        for index in 0..<count {
            let line = SampleEvents.json(index: index, status: index % 3 == 0 ? 500 : 200)
            text += line.replacingOccurrences(
                of: #"{"timestamp":\#(1_764_000_000 + Double(index) / 10)"#,
                with: #"{"timestamp":\#(now - 120 + Double(index) / Double(count) * 60)"#) + "\n"
        }
        try text.write(toFile: "\(directory)/api-calls.jsonl", atomically: true, encoding: .utf8)

        let serve = try ServeHarness(logDirectory: directory)
        let during = try serve.get("/healthz")
        #expect(during.status == 200)
        #expect(during.text.contains("replaying"), "the replay was over before the first request: \(during.text)")
        #expect(try serve.get("/metrics").status == 200)
        #expect(try serve.post(body: SampleEvents.json(index: 1)).status == 202)

        let replayed = try serve.process.waitForOutput(#"alert windows replayed: (\d+ logged events in [^\n]*)"#, timeout: 120)
        print("replay: \(replayed)")
        let after = try serve.get("/healthz")
        #expect(after.text == "ok\n")
        // A third of the replayed calls failed: the error-rate alert is back at once, not after a new window.
        let alerts = try serve.get("/alerts").text
        #expect(alerts.contains("LLMAPIHighErrorRate"), "\(alerts.prefix(400))")
    }
}

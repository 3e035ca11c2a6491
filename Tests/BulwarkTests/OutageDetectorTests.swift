import BulwarkCore
import Bulwark
import BulwarkTesting
import Testing

@Suite("Outage detector")
struct OutageDetectorTests {
    typealias Fixtures = ResilienceFixtures

    private func detector(clock: ManualClock, log: EventLog<OutageEvent>? = nil) -> OutageDetector {
        OutageDetector(provider: "openai", configuration: OutageConfiguration(), clock: clock, onChange: log?.handler)
    }

    private func fail(_ detector: OutageDetector, times: Int, clock: ManualClock? = nil, every seconds: Double = 0) {
        for _ in 0..<times {
            detector.recordFailure()
            clock?.advance(by: seconds)
        }
    }

    @Test(arguments: [
        (0, OutageSeverity.none), (1, .transient), (4, .transient), (5, .extended), (19, .extended), (20, .prolonged),
        (50, .prolonged),
    ])
    func severityFollowsTheFailureCountOfTheLastFiveMinutes(failures: Int, severity: OutageSeverity) {
        let detector = detector(clock: ManualClock())
        fail(detector, times: failures)
        #expect(detector.severity == severity)
        #expect(detector.status().failures == failures)
    }

    @Test func aSuccessClearsTheOutage() {
        let detector = detector(clock: ManualClock())
        fail(detector, times: 25)
        #expect(detector.severity == .prolonged)
        detector.recordSuccess()
        let status = detector.status()
        #expect(status.severity == .none && status.failures == 0 && status.since == nil && status.duration == nil)
    }

    @Test func severityDecaysAsFailuresLeaveTheWindow() {
        let clock = ManualClock()
        let log = EventLog<OutageEvent>()
        let detector = detector(clock: clock, log: log)
        fail(detector, times: 20, clock: clock, every: 10)  // failures at t = 0, 10, …, 190
        #expect(detector.severity == .prolonged)
        clock.advance(by: 100)  // t = 300: the failure at t = 0 has left the window
        #expect(detector.severity == .extended)
        clock.advance(by: 150)  // t = 450: failures at 160…190 remain
        #expect(detector.status().failures == 4)
        #expect(detector.severity == .transient)
        clock.advance(by: 40)  // t = 490: all gone
        #expect(detector.severity == .none)
        #expect(log.events.map(\.to) == [.transient, .extended, .prolonged, .extended, .transient, .none])
    }

    @Test func sinceIsTheFirstFailureOfTheCurrentOutage() {
        let clock = ManualClock(now: 0, wallOrigin: 1_750_000_000)
        let detector = detector(clock: clock)
        clock.advance(by: 5)
        fail(detector, times: 30, clock: clock, every: 10)  // from t = 5 on, for 300 s
        let status = detector.status()
        // The first failure has left the window, but the outage has not stopped since t = 5.
        #expect(status.failures == 29)
        #expect(status.since == 1_750_000_005)
        #expect(status.duration == 300)
        #expect(status.severity == .prolonged)
        detector.recordSuccess()
        clock.advance(by: 1)
        detector.recordFailure()
        #expect(detector.status().since == 1_750_000_306)
    }

    @Test func aNewOutageStartsAfterTheOldOneExpired() {
        let clock = ManualClock()
        let detector = detector(clock: clock)
        detector.recordFailure()
        clock.advance(by: 301)
        detector.recordFailure()
        #expect(detector.status().since == clock.wallTime)
        #expect(detector.status().failures == 1)
    }

    @Test func onlyProviderSideFailuresCount() {
        let detector = detector(clock: ManualClock())
        for type in [ErrorType.badRequest, .authentication, .rateLimited, .quotaExhausted, .notFound] {
            #expect(!detector.record(Fixtures.error(type)))
        }
        #expect(detector.severity == .none)
        for type in [ErrorType.serverError, .overloaded, .timeout, .connection, .unavailable] {
            #expect(detector.record(Fixtures.error(type)))
        }
        #expect(detector.severity == .extended)
    }

    @Test func publishesSeverityChangesWithTheOutageStart() {
        let clock = ManualClock(now: 0, wallOrigin: 2_000)
        let log = EventLog<OutageEvent>()
        let detector = detector(clock: clock, log: log)
        clock.advance(by: 1)
        fail(detector, times: 5, clock: clock, every: 1)
        detector.recordSuccess()
        let events = log.events
        #expect(events.map(\.from) == [.none, .transient, .extended])
        #expect(events.map(\.to) == [.transient, .extended, .none])
        #expect(events.map(\.timestamp) == [2_001, 2_005, 2_006])
        #expect(events.map(\.since) == [2_001, 2_001, nil])
        #expect(events.allSatisfy { $0.provider == "openai" })
    }

    @Test func statusSaysWhichProviderIsDownAndSinceWhen() {
        let clock = ManualClock(now: 0, wallOrigin: 1_750_000_000)
        let detector = detector(clock: clock)
        fail(detector, times: 20)
        #expect(
            detector.status().description
                == "openai: prolonged since 2025-06-15T15:06:40Z (20 failures in the last 300 s)")
        detector.recordSuccess()
        #expect(detector.status().description == "openai: healthy")
    }

    @Test func responseFollowsTheGuide() {
        #expect(OutageResponse(.none) == .proceed)
        #expect(OutageResponse(.transient) == .retry)
        #expect(OutageResponse(.extended) == .fallBack)
        #expect(OutageResponse(.prolonged) == .degrade)
    }

    @Test func eventStreamDeliversSeverityChanges() async {
        let detector = detector(clock: ManualClock())
        let stream = detector.events()
        fail(detector, times: 20)
        var received: [OutageSeverity] = []
        for await event in stream {
            received.append(event.to)
            if received.count == 3 { break }
        }
        #expect(received == [.transient, .extended, .prolonged])
    }
}

import Testing
@testable import BulwarkExporter

/// Parsing Statuspage v2 `summary.json` bodies: the shape Atlassian Statuspage serves at
/// `<page>/api/v2/summary.json` (page, components, incidents with their updates, scheduled maintenances,
/// status), and bodies that are not one.
@Suite struct StatusPageSummaryTests {
    /// A major incident, shaped field for field like a Statuspage summary (ids shortened).
    static let major = """
        {
          "page": {"id": "01JMBZ6XKE", "name": "OpenAI", "url": "https://status.openai.com", "time_zone": "Etc/UTC",
                   "updated_at": "2026-12-05T09:41:07.123Z"},
          "components": [
            {"id": "c1", "name": "API", "status": "partial_outage", "created_at": "2023-01-01T00:00:00.000Z",
             "updated_at": "2026-12-05T09:41:07.000Z", "position": 1, "description": "Chat Completions, Responses",
             "showcase": true, "start_date": null, "group_id": null, "page_id": "01JMBZ6XKE", "group": false,
             "only_show_if_degraded": false},
            {"id": "c2", "name": "ChatGPT", "status": "operational", "created_at": "2023-01-01T00:00:00.000Z",
             "updated_at": "2026-12-05T09:00:00.000Z", "position": 2, "description": null, "showcase": true,
             "start_date": null, "group_id": null, "page_id": "01JMBZ6XKE", "group": false, "only_show_if_degraded": false},
            {"id": "c3", "name": "Batch", "status": "degraded_performance", "created_at": "2023-01-01T00:00:00.000Z",
             "updated_at": "2026-12-05T09:30:00.000Z", "position": 3, "description": null, "showcase": false,
             "start_date": null, "group_id": "g1", "page_id": "01JMBZ6XKE", "group": false, "only_show_if_degraded": false}
          ],
          "incidents": [
            {"id": "i1", "name": "Elevated error rates on the API", "status": "identified",
             "created_at": "2026-12-05T09:12:44.000Z", "updated_at": "2026-12-05T09:41:07.000Z", "monitoring_at": null,
             "resolved_at": null, "impact": "major", "shortlink": "https://stspg.io/abc", "started_at": "2026-12-05T09:05:00.000Z",
             "page_id": "01JMBZ6XKE",
             "incident_updates": [
               {"id": "u2", "status": "identified", "body": "We have identified the issue and are rolling out a fix.",
                "incident_id": "i1", "created_at": "2026-12-05T09:41:07.000Z", "updated_at": "2026-12-05T09:41:07.000Z",
                "display_at": "2026-12-05T09:41:07.000Z",
                "affected_components": [{"code": "c1", "name": "API", "old_status": "degraded_performance", "new_status": "partial_outage"}],
                "deliver_notifications": true, "custom_tweet": null, "tweet_id": null},
               {"id": "u1", "status": "investigating", "body": "We are investigating elevated error rates \\"5xx\\" on the API.",
                "incident_id": "i1", "created_at": "2026-12-05T09:12:44.000Z", "updated_at": "2026-12-05T09:12:44.000Z",
                "display_at": "2026-12-05T09:12:44.000Z", "affected_components": null, "deliver_notifications": true,
                "custom_tweet": null, "tweet_id": null}
             ],
             "components": [{"id": "c1", "name": "API", "status": "partial_outage"}]},
            {"id": "i2", "name": "Batch jobs delayed", "status": "investigating", "created_at": "2026-12-05T09:30:00.000Z",
             "updated_at": "2026-12-05T09:30:00.000Z", "monitoring_at": null, "resolved_at": null, "impact": "minor",
             "shortlink": "https://stspg.io/def", "started_at": "2026-12-05T09:30:00.000Z", "page_id": "01JMBZ6XKE",
             "incident_updates": [], "components": []}
          ],
          "scheduled_maintenances": [
            {"id": "m1", "name": "Database upgrade", "status": "scheduled", "created_at": "2026-12-01T00:00:00.000Z",
             "updated_at": "2026-12-01T00:00:00.000Z", "monitoring_at": null, "resolved_at": null, "impact": "maintenance",
             "shortlink": "https://stspg.io/ghi", "started_at": "2026-12-01T00:00:00.000Z", "page_id": "01JMBZ6XKE",
             "incident_updates": [], "components": [], "scheduled_for": "2026-12-20T02:00:00.000Z",
             "scheduled_until": "2026-12-20T04:00:00.000Z"}
          ],
          "status": {"indicator": "major", "description": "Partial System Outage"}
        }
        """

    static let operational = """
        {"page":{"id":"yh6f0r4529hb","name":"Anthropic","url":"https://status.anthropic.com","time_zone":"Etc/UTC",\
        "updated_at":"2026-12-05T08:00:00.000Z"},"components":[{"id":"k8w3r06qmzrp","name":"claude.ai",\
        "status":"operational","created_at":"2023-07-11T17:39:07.000Z","updated_at":"2026-12-05T08:00:00.000Z",\
        "position":1,"description":null,"showcase":false,"start_date":null,"group_id":null,"page_id":"yh6f0r4529hb",\
        "group":false,"only_show_if_degraded":false}],"incidents":[],"scheduled_maintenances":[],\
        "status":{"indicator":"none","description":"All Systems Operational"}}
        """

    @Test func readsTheIndicatorTheIncidentsAndTheDegradedComponentsOfAMajorIncident() throws {
        let summary = try StatusPageSummary(json: Array(Self.major.utf8))
        #expect(summary.indicator == .major)
        #expect(summary.indicator.gaugeValue == 2)
        #expect(summary.description == "Partial System Outage")
        #expect(summary.incidents == [
            .init(name: "Elevated error rates on the API", status: "identified", impact: "major"),
            .init(name: "Batch jobs delayed", status: "investigating", impact: "minor"),
        ])
        #expect(summary.degradedComponents == [
            .init(name: "API", status: "partial_outage"), .init(name: "Batch", status: "degraded_performance"),
        ])
        #expect(summary.logDescription == "major (Partial System Outage); incidents: Elevated error rates on the API; Batch jobs delayed")
    }

    @Test func readsAnOperationalPage() throws {
        let summary = try StatusPageSummary(json: Array(Self.operational.utf8))
        #expect(summary == StatusPageSummary(indicator: .none, description: "All Systems Operational"))
        #expect(summary.indicator.gaugeValue == 0)
    }

    @Test(arguments: [("none", 0), ("minor", 1), ("major", 2), ("critical", 3), ("maintenance", 0)])
    func mapsEveryIndicatorToTheGaugeValueOfTheDesign(indicator: String, value: Int) throws {
        // status.json has the status alone.
        let body = #"{"page":{"id":"p","name":"P"},"status":{"indicator":"\#(indicator)","description":"d"}}"#
        #expect(try StatusPageSummary(json: Array(body.utf8)).indicator.gaugeValue == value)
    }

    @Test func keepsAtMostTwentyIncidentsAndSkipsThoseWithoutAName() throws {
        let incidents = (0..<30).map { #"{"name":"incident \#($0)","impact":"minor"}"# } + [#"{"name":7}"#, "null", #""text""#]
        let body = #"{"incidents":[\#(incidents.joined(separator: ","))],"status":{"indicator":"minor"}}"#
        let summary = try StatusPageSummary(json: Array(body.utf8))
        #expect(summary.incidents.count == StatusPageSummary.maxListed)
        #expect(summary.incidents.first?.name == "incident 0")
        #expect(summary.description == "")
    }

    @Test(arguments: [
        ("<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>", "not JSON: invalid JSON at byte 0"),
        (#"{"status":{"indicator":"major"}"#, "not JSON: invalid JSON at byte 31"),
        ("", "not JSON"),
        (#"[{"status":{"indicator":"none"}}]"#, "expected a JSON object with status.indicator, got a JSON array"),
        (#"{"page":{"id":"p"},"incidents":[]}"#, #"no "status" object"#),
        (#"{"status":"major"}"#, #""status" is a string, expected an object"#),
        (#"{"status":{"description":"All Systems Operational"}}"#, "no status.indicator"),
        (#"{"status":{"indicator":2}}"#, "status.indicator is a number, expected a string"),
        (#"{"status":{"indicator":"purple"}}"#, #"status.indicator "purple" is not one of none, minor, major, critical, maintenance"#),
        (#"{"status":{"indicator":"Major"}}"#, #"status.indicator "Major" is not one of"#),
    ])
    func refusesABodyThatIsNotASummaryNamingWhatWasWrong(body: String, message: String) {
        do {
            let summary = try StatusPageSummary(json: Array(body.utf8))
            Issue.record("accepted \(body) as \(summary)")
        } catch {
            #expect(error.kind == .invalidBody)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func quotesAtMostFortyCharactersOfAValueAndNoControlCharacters() {
        let long = String(repeating: "x", count: 100) + "\n"
        let body = #"{"status":{"indicator":"\#(long.replacingOccurrences(of: "\n", with: "\\n"))"}}"#
        do {
            _ = try StatusPageSummary(json: Array(body.utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("\"" + String(repeating: "x", count: 40) + "…\""), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }
}

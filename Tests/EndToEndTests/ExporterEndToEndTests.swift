import BulwarkCore
import BulwarkLogs
import BulwarkTestSupport
import Foundation
import Testing

@Suite(.serialized) struct ExporterEndToEndTests {
    /// Posts 60 events as one object, one array and one NDJSON body; returns how many were posted.
    static func postMixedBatches(_ serve: ServeHarness, offset: Int = 0) throws -> Int {
        let single = try serve.post(body: SampleEvents.json(index: offset))
        #expect(single.status == 202, "\(single.text)")
        let array = "[" + (1...29).map { SampleEvents.json(index: offset + $0, status: $0 % 7 == 0 ? 429 : 200) }.joined(separator: ",") + "]"
        let arrayResponse = try serve.post(body: array)
        #expect(arrayResponse.status == 202, "\(arrayResponse.text)")
        #expect(arrayResponse.text == #"{"accepted":29}"#)
        let ndjson = (30...59).map { SampleEvents.json(index: offset + $0, provider: "anthropic", status: $0 % 5 == 0 ? 500 : 200) }
            .joined(separator: "\r\n") + "\n"
        let ndjsonResponse = try serve.post(body: ndjson, contentType: "application/x-ndjson")
        #expect(ndjsonResponse.status == 202, "\(ndjsonResponse.text)")
        return 60
    }

    @Test func countsEveryPostedEventAcrossObjectArrayAndNDJSON() throws {
        let serve = try ServeHarness()
        let posted = try Self.postMixedBatches(serve)
        let text = try serve.get("/metrics").text
        #expect(MetricsText.sum("llm_api_calls_total", in: text) == Double(posted))
        #expect(MetricsText.sum("llm_api_calls_total", matching: ["provider": "anthropic"], in: text) == 30)
        #expect(MetricsText.sum("llm_api_calls_total", matching: ["status_code": "429", "error_type": "rate_limited"], in: text) == 4)
        #expect(MetricsText.sum("llm_api_events_ingested_total", matching: ["source": "http"], in: text) == Double(posted))
        #expect(MetricsText.sum("llm_api_call_duration_seconds_count", in: text) == Double(posted))
        #expect(MetricsText.sum("llm_api_time_to_first_token_seconds_count", in: text) == 30)
        #expect(text.contains(#"model="claude \"quoted\" model""#))
        #expect(text.contains(#"model="back\\slash\\model""#))
        #expect(text.contains(#"model="multi\nline""#))
        #expect(text.contains(#"model="模型-ünïcødé ✓""#))
    }

    @Test(.enabled(if: Tools.canRun(.promtool), "needs promtool"))
    func servesMetricsThatPromtoolAcceptsWithoutLint() throws {
        let serve = try ServeHarness()
        _ = try Self.postMixedBatches(serve)
        // promtool reads the text format only (OpenMetrics is checked by the Python parser test).
        let promtool = try Tools.executable("promtool")
        let response = try serve.get("/metrics", headers: [("Accept", "text/plain")])
        let result = try runCommand(promtool, ["check", "metrics"], stdin: response.body)
        #expect(result.status == 0, "promtool check metrics failed: \(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool lint: \(result.output)")
    }

    @Test(.enabled(if: Tools.canRun(.python), "needs the Python venv of requirements-test.txt (make venv)"))
    func bothFormatsParseWithPythonPrometheusClient() throws {
        let serve = try ServeHarness()
        let posted = try Self.postMixedBatches(serve)
        let script = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families as parse_text
            from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
            data = sys.stdin.read()
            parse = parse_om if sys.argv[1] == "openmetrics" else parse_text
            calls, models, families = 0.0, set(), 0
            for family in parse(data):
                families += 1
                for sample in family.samples:
                    if sample.name == "llm_api_calls_total":
                        calls += sample.value
                        models.add(sample.labels["model"])
            print(json.dumps({"calls": calls, "models": sorted(models), "families": families}))
            """
        let python = try Tools.python()
        for (format, accept, contentType) in [
            ("text", "text/plain", "text/plain; version=0.0.4; charset=utf-8"),
            ("openmetrics", "application/openmetrics-text;version=1.0.0", "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        ] {
            let response = try serve.get("/metrics", headers: [("Accept", accept)])
            #expect(response.header("Content-Type") == contentType)
            let result = try runCommand(python, ["-c", script, format], stdin: response.body)
            #expect(result.status == 0, "\(format): \(result.output)")
            let parsed = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
            #expect(parsed?["calls"] as? Double == Double(posted), "\(format): \(result.output)")
            #expect(Set(parsed?["models"] as? [String] ?? []) == Set(SampleEvents.awkwardModels), "\(format): \(result.output)")
        }
    }

    @Test func gzipResponsesDecodeToTheSameExposition() throws {
        let serve = try ServeHarness()
        _ = try Self.postMixedBatches(serve)
        let plain = try serve.get("/metrics")
        let zipped = try serve.get("/metrics", headers: [("Accept-Encoding", "deflate, gzip;q=0.8")])
        #expect(zipped.header("Content-Encoding") == "gzip")
        #expect(plain.header("Content-Encoding") == nil)
        let decoded = try Gzip.decompress(zipped.body)
        let strip = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("process_") && !$0.contains(" process_") } }
        #expect(strip(String(decoding: decoded, as: UTF8.self)) == strip(plain.text))
        let refused = try serve.get("/metrics", headers: [("Accept-Encoding", "gzip;q=0")])
        #expect(refused.header("Content-Encoding") == nil)
    }

    @Test func refusesBadInputWithClearErrorsAndCountsNothingOfARejectedBatch() throws {
        let serve = try ServeHarness()
        let good = SampleEvents.json(index: 1)
        let cases: [(body: String, contentType: String, status: Int, mentions: [String])] = [
            ("{\"timestamp\":", "application/json", 400, ["invalid JSON"]),
            ("[\(good),{\"timestamp\":1,\"provider\":\"p\",\"model\":\"m\",\"status_code\":\"200\",\"latency_ms\":1}]", "application/json", 400,
             ["event 1", "status_code", "expected an integer"]),
            ("\(good)\n\(good)\n{\"timestamp\":1,\"provider\":\"p\",\"model\":\"m\",\"latency_ms\":1}\n", "application/x-ndjson", 400,
             ["line 3", "status_code", "is required"]),
            ("\(good)\nnot json\n", "application/x-ndjson", 400, ["line 2", "invalid JSON"]),
            ("[]", "application/json", 400, ["no events"]),
            ("[\(good),\(good.replacingOccurrences(of: "\"closed\"", with: "\"ajar\""))]", "application/json", 400, ["circuit_state", "ajar"]),
            (good, "text/plain", 415, ["Content-Type text/plain", "application/json"]),
        ]
        for testCase in cases {
            let response = try serve.post(body: testCase.body, contentType: testCase.contentType)
            #expect(response.status == testCase.status, "\(testCase.body.prefix(60)): \(response.status) \(response.text)")
            for word in testCase.mentions {
                #expect(response.text.contains(word), "response to \(testCase.body.prefix(60)) should mention \(word): \(response.text)")
            }
        }
        let oversized = String(repeating: " ", count: 11 * 1024 * 1024) + good
        let tooLarge = try serve.post(body: oversized)
        #expect(tooLarge.status == 413)
        #expect(try serve.get("/nope").status == 404)
        let wrongMethod = try RawHTTPClient.request(port: serve.port, method: "DELETE", path: "/metrics")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow")?.contains("GET") == true)
        let getEvents = try serve.get("/v1/events")
        #expect(getEvents.status == 405)

        let text = try serve.get("/metrics").text
        #expect(MetricsText.sum("llm_api_calls_total", in: text) == 0, "a rejected batch was partly counted")
        #expect(MetricsText.sum("llm_api_events_rejected_total", in: text) >= 7)
        #expect(MetricsText.sum("llm_api_events_ingested_total", matching: ["source": "http"], in: text) == 0)
    }

    @Test func servesHealthAndAnIndexLinkingTheRoutes() throws {
        let serve = try ServeHarness()
        let health = try serve.get("/healthz")
        #expect(health.status == 200)
        let index = try serve.get("/")
        #expect(index.status == 200)
        #expect(index.header("Content-Type")?.hasPrefix("text/html") == true)
        for link in ["/metrics", "/alerts", "/healthz", "/v1/events"] { #expect(index.text.contains(link)) }
    }

    @Test func requiresTheBearerTokenWhenConfigured() throws {
        let token = "s3cret-token-for-test"
        let serve = try ServeHarness(extraArguments: ["--auth-token-env", "BULWARK_TEST_TOKEN"], environment: ["BULWARK_TEST_TOKEN": token])
        #expect(try serve.get("/metrics").status == 401)
        #expect(try serve.get("/healthz").status == 200)
        #expect(try serve.get("/metrics", headers: [("Authorization", "Bearer wrong")]).status == 401)
        #expect(try serve.get("/metrics", headers: [("Authorization", "Bearer \(token)")]).status == 200)
    }
}

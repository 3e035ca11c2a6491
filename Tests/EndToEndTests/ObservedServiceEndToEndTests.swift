import BulwarkTestSupport
import Foundation
import Testing

/// `Examples/ObservedService` — swift-log, swift-metrics with swift-prometheus through BulwarkMetrics, and
/// `ResilientClient` behind `POST /chat` — run against `bulwark simulate`: its own `/metrics` counts, under the
/// OpenTelemetry GenAI names and under `llm_api_*`, equal the simulator's ground truth.
@Suite(.serialized) struct ObservedServiceEndToEndTests {
    static func startService(config: String) throws -> (process: ChildProcess, port: Int) {
        let process = try ChildProcess(
            try Tools.locate(.observedService), ["--config", config, "--listen", "127.0.0.1:0"],
            environment: ChatEndToEndTests.keys)
        let port = try process.waitForOutput(#"listening on http://127\.0\.0\.1:(\d+)"#)
        return (process, Int(port)!)
    }

    static func chat(port: Int, prompt: String) throws -> (status: Int, body: [String: Any]) {
        let body = try JSONSerialization.data(withJSONObject: ["prompt": prompt])
        let response = try RawHTTPClient.request(
            port: port, method: "POST", path: "/chat", headers: [("Content-Type", "application/json")], body: Array(body))
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return (response.status, object)
    }

    @Test(.enabled(if: Tools.canRun(.observedService), "needs Examples/ObservedService built (make test builds it)"))
    func servesGenAIAndBulwarkMetricsEqualToTheSimulatorsGroundTruth() throws {
        let scenario = """
            providers:
              openai:
                faults:
                  - {status: 503, probability: 0.25, retry_after_ms: 10}
                  - {status: 429, probability: 0.1, retry_after_ms: 10}
            """
        let (simulator, config, _) = try ChatEndToEndTests.start(scenario: scenario, chain: ["openai", "anthropic"])
        defer { simulator.stop() }
        let (service, port) = try Self.startService(config: config)
        defer { service.stop() }

        var answered = 0
        var attempts = 0
        for index in 0..<15 {
            let (status, body) = try Self.chat(port: port, prompt: "question \(index)")
            #expect(status == 200, "\(body)")
            if status == 200 {
                answered += 1
                attempts += body["attempts"] as? Int ?? 0
                #expect(!(body["answer"] as? String ?? "").isEmpty)
                #expect(["openai", "anthropic"].contains(body["provider"] as? String ?? ""))
            }
        }
        #expect(answered == 15)

        let simulatorPort = Int(try simulator.waitForOutput(#"on http://127\.0\.0\.1:(\d+)"#))!
        let stats = try RawHTTPClient.request(port: simulatorPort, path: "/simulator/stats")
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any])
        let total = try #require(truth["total"] as? Int)
        let metrics = try RawHTTPClient.request(port: port, path: "/metrics").text

        #expect(total > 15, "the scenario's faults should have caused retries")
        #expect(attempts == total, "the answers' attempts add up to what the simulator received")
        #expect(MetricsText.sum("llm_api_calls_total", in: metrics) == Double(total), "\(metrics)")
        #expect(MetricsText.sum("gen_ai_client_operation_duration_count", in: metrics) == Double(total), "\(metrics)")
        for case let entry as [String: Any] in truth["counts"] as? [Any] ?? [] {
            let provider = entry["provider"] as! String
            let status = String(entry["status"] as! Int)
            let count = Double(entry["count"] as! Int)
            let calls = MetricsText.sum(
                "llm_api_calls_total", matching: ["provider": provider, "status_code": status], in: metrics)
            #expect(calls == count, "\(provider) \(status): llm_api_calls_total \(calls), simulator \(count)")
        }
        // error.type is set on failed attempts only: the GenAI failures are the llm_api_* calls whose error_type is not none.
        let genAIFailures = metrics.split(separator: "\n")
            .filter { $0.hasPrefix("gen_ai_client_operation_duration_count{") && $0.contains("error_type=") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        let bulwarkFailures = Double(total) - MetricsText.sum("llm_api_calls_total", matching: ["error_type": "none"], in: metrics)
        #expect(genAIFailures == bulwarkFailures && genAIFailures > 0)
        #expect(MetricsText.sum("llm_api_requests_total", in: metrics) == 15)
        #expect(metrics.contains(#"gen_ai_client_operation_duration_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",server_address="127.0.0.1",server_port=""#))
        #expect(metrics.contains(#",le="81.92"}"#))
        #expect(metrics.contains("# TYPE gen_ai_client_token_usage histogram"))

        let logs = service.outputText.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(logs.contains { $0.contains(#""message":"chat answered""#) && $0.contains(#""request_id":"#) })
        for line in logs {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
        }
        // The service's tracer wrote the spans: each /chat server span holds a request span, which holds the
        // client span of every attempt with the GenAI attributes.
        let spans = logs.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["span"] != nil }
        let servers = spans.filter { $0["span"] as? String == "POST /chat" }
        let requests = spans.filter { span in
            (span["span"] as? String)?.hasPrefix("chat ") == true
                && servers.contains { $0["span_id"] as? String == span["parent_span_id"] as? String }
        }
        let attemptSpans = spans.filter { span in
            requests.contains { $0["span_id"] as? String == span["parent_span_id"] as? String }
        }
        #expect(servers.count == 15 && requests.count == 15, "\(servers.count) server spans, \(requests.count) request spans")
        #expect(attemptSpans.count == total, "one client span per attempt")
        // AsyncHTTPClient's own HTTP span of each attempt is the attempt span's child.
        let httpSpans = spans.filter { span in
            span["span"] as? String == "POST" && attemptSpans.contains { $0["span_id"] as? String == span["parent_span_id"] as? String }
        }
        #expect(httpSpans.count == total, "\(httpSpans.count) HTTP spans under the attempts")
        let attributes = attemptSpans.compactMap { $0["attributes"] as? [String: Any] }
        #expect(attemptSpans.allSatisfy { $0["kind"] as? String == "client" && ($0["span"] as? String)?.hasPrefix("chat ") == true })
        #expect(attributes.allSatisfy { $0["gen_ai.operation.name"] as? String == "chat" && $0["server.address"] as? String == "127.0.0.1" })
        #expect(attributes.filter { $0["error.type"] != nil }.count == Int(bulwarkFailures))
        #expect(attributes.contains { $0["gen_ai.provider.name"] as? String == "openai" && $0["gen_ai.request.model"] as? String == "gpt-4o" })
        for key in ChatEndToEndTests.keys.values {
            #expect(!metrics.contains(key) && !service.outputText.contains(key))
        }
    }

    @Test(.enabled(if: Tools.canRun(.observedService), "needs Examples/ObservedService built (make test builds it)"))
    func answers502WithTheNormalizedErrorsWhenEveryProviderFails() throws {
        let scenario = """
            providers:
              openai:
                faults:
                  - {status: 401}
              anthropic:
                faults:
                  - {status: 529}
            """
        let (simulator, config, _) = try ChatEndToEndTests.start(scenario: scenario, chain: ["openai", "anthropic"])
        defer { simulator.stop() }
        let (service, port) = try Self.startService(config: config)
        defer { service.stop() }

        let (status, body) = try Self.chat(port: port, prompt: "Say hello")
        #expect(status == 502, "\(body)")
        let failures = try #require(body["failures"] as? [[String: Any]], "\(body)")
        #expect(failures.map { $0["provider"] as? String } == ["openai", "anthropic"])
        #expect(failures.first?["error_type"] as? String == "authentication")
        #expect(failures.first?["status_code"] as? Int == 401)
        #expect(failures.last?["error_type"] as? String == "overloaded")
        let metrics = try RawHTTPClient.request(port: port, path: "/metrics").text
        #expect(MetricsText.sum("llm_api_requests_total", matching: ["outcome": "failed"], in: metrics) == 1)
        #expect(MetricsText.sum("gen_ai_client_operation_duration_count", matching: ["error_type": "authentication"], in: metrics) == 1)
        #expect(!service.outputText.contains("sk-test-0123456789"))
    }
}

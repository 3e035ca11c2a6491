import BulwarkCore
import BulwarkTestSupport
import Foundation
import Testing

/// The measured cases of issue 13 against the real `bulwark serve`: credentials checked before any body
/// byte, one client address cannot starve another, bodies in flight stay within the budget, malformed
/// input only ever gets 4xx, and Prometheus scrapes over TLS with basic auth.
@Suite(.serialized) struct HostileClientsEndToEndTests {
    /// The resident set of a process, in bytes, from /proc.
    static func residentBytes(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kilobytes * 1024
    }

    @Test func credentialsAreCheckedBeforeAnyBodyByte() throws {
        let serve = try ServeHarness(
            extraArguments: ["--auth-token-env", "E2E_TOKEN", "--basic-auth-user", "scraper", "--basic-auth-password-env", "E2E_PASSWORD"],
            environment: ["E2E_TOKEN": "token-e2e-123456", "E2E_PASSWORD": "pass-e2e-654321"])
        let client = try RawHTTPClient(port: serve.port)
        try client.send(
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485759\r\nExpect: 100-continue\r\n\r\n")
        let raw = String(decoding: try client.readToEnd(), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 401"), "\(raw)")
        #expect(!raw.contains("100 Continue"))
        #expect(raw.contains("WWW-Authenticate: Basic"))
        #expect(!raw.contains("token-e2e") && !raw.contains("pass-e2e"))

        let basic = Data("scraper:pass-e2e-654321".utf8).base64EncodedString()
        #expect(try serve.get("/metrics", headers: [("Authorization", "Basic \(basic)")]).status == 200)
        #expect(try serve.get("/metrics", headers: [("Authorization", "bearer token-e2e-123456")]).status == 200)
        let wrong = Data("scraper:nope".utf8).base64EncodedString()
        #expect(try serve.get("/metrics", headers: [("Authorization", "Basic \(wrong)")]).status == 401)
        #expect(try serve.get("/healthz").status == 200)
    }

    @Test func slowClientsFromOneAddressDoNotStarveAnother() throws {
        // The measured case: 1,100 trickling connections from 127.0.0.1, more than the total limit of
        // 1,024; the per-address limit (default 256) keeps room for everyone else.
        let serve = try ServeHarness(extraArguments: ["--no-logs"])
        var slow: [RawHTTPClient] = []
        for _ in 0..<1100 {
            guard let client = try? RawHTTPClient(port: serve.port, timeoutSeconds: 5) else { continue }
            try? client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            slow.append(client)
        }
        var answered = 0
        for _ in 0..<10 {
            let other = try RawHTTPClient(port: serve.port, timeoutSeconds: 10, sourceAddress: "127.0.0.2")
            if let response = try? other.get("/healthz", headers: ["Connection: close"]), response.status == 200 { answered += 1 }
            other.close()
            for client in slow { try? client.send("a") }
        }
        #expect(answered == 10)
        let sameAddress = try? RawHTTPClient(port: serve.port, timeoutSeconds: 5).get("/healthz", headers: ["Connection: close"])
        #expect(sameAddress == nil, "the 1,101st connection from 127.0.0.1 was served")
        for client in slow { client.close() }
    }

    @Test func bodiesInFlightStayWithinTheBudget() throws {
        let serve = try ServeHarness(extraArguments: ["--no-logs"])
        let pid = serve.process.process.processIdentifier
        _ = try serve.get("/healthz")
        let before = Self.residentBytes(of: pid)
        let size = 10 * 1024 * 1024 - 1
        let body = [UInt8](repeating: UInt8(ascii: " "), count: size - 1)
        var holders: [RawHTTPClient] = []
        var peak = before
        var refused = 0
        for _ in 0..<200 {
            let client = try RawHTTPClient(port: serve.port, timeoutSeconds: 2)
            try client.send(
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(size)\r\n\r\n")
            // Everything but the last byte: the request stays in flight, holding its body.
            try? client.send(body, toleratingEarlyClose: true)
            holders.append(client)
            peak = max(peak, Self.residentBytes(of: pid))
        }
        let during = try serve.get("/metrics").text
        let held = MetricsText.sum("llm_api_exporter_body_in_flight_bytes", in: during)
        #expect(held > 0 && held <= 64 * 1024 * 1024, "\(held) bytes held")
        for client in holders {
            if let head = try? client.readHead(), head.status == 503 {
                refused += 1
                #expect(head.header("Retry-After") != nil)
            }
        }
        peak = max(peak, Self.residentBytes(of: pid))
        #expect(try RawHTTPClient(port: serve.port, sourceAddress: "127.0.0.2").get("/healthz", headers: ["Connection: close"]).status == 200)
        for client in holders { client.close() }
        Thread.sleep(forTimeInterval: 0.5)
        let after = Self.residentBytes(of: pid)
        print("RSS before \(before >> 20) MiB, peak \(peak >> 20) MiB, after \(after >> 20) MiB; \(refused) of 200 refused with 503")
        // The stated bound: the 64 MiB body budget, twice over for array growth, plus 64 MiB of slack.
        #expect(peak - before < 192 * 1024 * 1024, "peak \(peak >> 20) MiB from \(before >> 20) MiB")
        #expect(refused >= 190)
        let metrics = try serve.get("/metrics").text
        let counted = MetricsText.sum("llm_api_exporter_requests_refused_total", matching: ["reason": "body_budget"], in: metrics)
        #expect(counted >= Double(refused), "\(counted) refusals counted")
    }

    @Test func malformedRequestsAndBodiesOnlyEverGet4xx() throws {
        let serve = try ServeHarness(extraArguments: ["--no-logs"])
        var random = SystemRandomNumberGenerator()
        var statuses: [Int: Int] = [:]
        let valid = SampleEvents.json(index: 1)
        let bodies: [String] = [
            "", "{", "[", "null", "42", "\"x\"", "{}", "[{}]", "[1,2]", "{\"timestamp\":1e999999}",
            valid.replacingOccurrences(of: "\"latency_ms\":101", with: "\"latency_ms\":1e999999"),
            valid.replacingOccurrences(of: "\"status_code\":200", with: "\"status_code\":99999999999999999999999"),
            valid.replacingOccurrences(of: "\"r-1\"", with: "\"" + String(repeating: "x", count: 300) + "\""),
            valid.replacingOccurrences(of: "\"closed\"", with: "\"" + String(repeating: "y", count: 5000) + "\""),
            String(valid.dropLast()), valid + "}", "\u{FEFF}" + valid, valid.replacingOccurrences(of: ":", with: "::"),
        ]
        let client = try RawHTTPClient(port: serve.port)
        for index in 0..<4000 {
            var body: [UInt8]
            if index % 2 == 0 {
                body = Array(bodies[index / 2 % bodies.count].utf8)
            } else {
                body = Array(valid.utf8)
                for _ in 0..<(1 + Int(random.next() % 4)) where !body.isEmpty {
                    body[Int(random.next() % UInt64(body.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            let response = try client.post("/v1/events", headers: ["Content-Type: application/json"], body: body)
            statuses[response.status, default: 0] += 1
            #expect(response.status == 202 || (400..<500).contains(response.status), "body \(index): \(response.status)")
            #expect(response.body.count < 2048, "an answer of \(response.body.count) bytes")
        }
        // Each malformed request with what may answer it: 4xx, except 505 for an unknown HTTP version
        // (its proper answer), and libmicrohttpd closes a request line with doubled spaces unanswered.
        let requests: [(String, Set<Int>)] = [
            ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", [400]),
            ("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc", [400]),
            ("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n", [400, 413]),
            ("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", [400]),
            ("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", [400]),
            ("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", [400]),
            ("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", [501]),
            ("GET /healthz HTTP/1.1\r\n\r\n", [400]),
            ("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", [400]),
            ("GET /metrics?\u{1}\u{2} HTTP/1.1\r\nHost: x\r\n\r\n", [400]),
            ("BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n", [404]),
            ("BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n", [405]),
            ("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", [400]),
            ("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", [505]),
            ("GET  /healthz  HTTP/1.1\r\nHost: x\r\n\r\n", [0]),
        ]
        for index in 0..<1000 {
            let (request, allowed) = requests[index % requests.count]
            let raw = try RawHTTPClient(port: serve.port, timeoutSeconds: 10)
            try raw.send(Array(request.utf8), toleratingEarlyClose: true)
            let status = (try? raw.readResponse())?.status ?? 0
            statuses[status, default: 0] += 1
            #expect(allowed.contains(status), "\(request.debugDescription): \(status)")
            raw.close()
        }
        print("statuses (0: closed unanswered) \(statuses.sorted { $0.key < $1.key })")
        #expect(serve.process.process.isRunning)
        #expect(try serve.get("/healthz").status == 200)
    }

    @Test func everyAcknowledgedEventIsReadBack() throws {
        let serve = try ServeHarness()
        let longID = String(repeating: "i", count: APICallMetric.maxIdentifierLength)
        let accepted = SampleEvents.json(index: 7).replacingOccurrences(of: "\"r-7\"", with: "\"\(longID)\"")
            .replacingOccurrences(of: "\"error_message\":null", with: "\"error_message\":\"\(String(repeating: "é", count: 100_000))\"")
        #expect(try serve.post(body: accepted).status == 202)
        let refused = try serve.post(body: SampleEvents.json(index: 8).replacingOccurrences(
            of: "\"r-8\"", with: "\"\(String(repeating: "j", count: 1024 * 1024))\""))
        #expect(refused.status == 400)
        #expect(refused.body.count < 1024, "the 400 quotes \(refused.body.count) bytes")
        let huge = try serve.post(body: SampleEvents.json(index: 9).replacingOccurrences(of: "\"latency_ms\":109", with: "\"latency_ms\":1e999999"))
        #expect(huge.status == 400)
        #expect(huge.text.contains("number out of range"), "\(huge.text)")
        serve.process.signal(SIGTERM)
        _ = serve.process.wait()
        let lines = try LogsEndToEndTests.catLines(serve.logDirectory)
        #expect(lines.count == 1)
        let event = try APICallMetric(jsonBytes: Array(lines.first?.utf8 ?? "".utf8))
        #expect(event.requestID == longID)
        #expect(event.errorMessage?.unicodeScalars.count == APICallMetric.maxErrorMessageCharacters)
    }

    @Test(.enabled(if: Tools.canRun(.prometheus, .openssl, .curl), "needs prometheus, openssl and curl"))
    func prometheusScrapesOverTLSWithBasicAuth() throws {
        let directory = try makeTemporaryDirectory("bulwark-tls-e2e")
        let openssl = try Tools.locate(.openssl)
        let made = try runCommand(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        #expect(made.status == 0, "\(made.output)")
        let serve = try ServeHarness(
            extraArguments: [
                "--tls-cert", "\(directory)/cert.pem", "--tls-key", "\(directory)/key.pem",
                "--basic-auth-user", "scraper", "--basic-auth-password-env", "E2E_PASSWORD",
            ],
            environment: ["E2E_PASSWORD": "pass-tls-e2e"])
        let curl = try Tools.locate(.curl)
        let posted = try runCommand(curl, [
            "-sS", "--max-time", "20", "--cacert", "\(directory)/cert.pem", "-u", "scraper:pass-tls-e2e",
            "-H", "Content-Type: application/json", "--data-binary", "[\(SampleEvents.json(index: 1)),\(SampleEvents.json(index: 2))]",
            "https://127.0.0.1:\(serve.port)/v1/events",
        ])
        #expect(posted.output.contains("\"accepted\":2"), "\(posted.output)")
        let prometheus = try PrometheusHarness(targets: [], extraConfig: """
              - job_name: bulwark-tls
                scheme: https
                tls_config:
                  ca_file: \(directory)/cert.pem
                basic_auth:
                  username: scraper
                  password: pass-tls-e2e
                static_configs:
                  - targets: ["127.0.0.1:\(serve.port)"]
            """)
        let up = try prometheus.waitFor("up{job=\"bulwark-tls\"}") { $0 == 1 }
        #expect(up == 1, "Prometheus never scraped over TLS: \(prometheus.process.outputText)")
        let calls = try prometheus.waitFor("sum(llm_api_calls_total{job=\"bulwark-tls\"})") { $0 == 2 }
        #expect(calls == 2)
    }
}

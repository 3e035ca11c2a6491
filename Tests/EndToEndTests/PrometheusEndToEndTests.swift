import BulwarkTestSupport
import Foundation
import Testing

/// A free loopback TCP port (bound, read and released).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw ChildProcessError("cannot bind a free port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A real Prometheus server (Debian's package) scraping targets every second.
final class PrometheusHarness {
    let process: ChildProcess
    let port: Int
    let directory: String

    init(targets: [Int], ruleFiles: [String] = [], extraConfig: String = "") throws {
        directory = try makeTemporaryDirectory("bulwark-prometheus")
        port = try freePort()
        let rules = ruleFiles.isEmpty ? "" : "rule_files:\n" + ruleFiles.map { "  - \($0)\n" }.joined()
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            \(rules)scrape_configs:
              - job_name: bulwark
                static_configs:
                  - targets: [\(targets.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", "))]
            \(extraConfig)
            """
        try config.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
        process = try ChildProcess(try Tools.executable("prometheus"), [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ])
    }

    /// Runs an instant query and returns the first sample's value, or nil when the result is empty.
    func query(_ expression: String) throws -> Double? {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed)!
        let response = try RawHTTPClient.request(port: port, path: "/api/v1/query?query=\(encoded)")
        guard response.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
            let first = result.first, let value = first["value"] as? [Any], let text = value.last as? String
        else { return nil }
        return Double(text)
    }

    /// Polls `expression` until `predicate` holds or `timeout` passes; returns the last value.
    @discardableResult
    func waitFor(_ expression: String, timeout: Double = 60, _ predicate: (Double) -> Bool) throws -> Double? {
        let deadline = Date().addingTimeInterval(timeout)
        var last: Double?
        while Date() < deadline {
            last = try? query(expression)
            if let last, predicate(last) { return last }
            if !process.process.isRunning { throw ChildProcessError("prometheus exited: \(process.outputText)") }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return last
    }

    deinit {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite(.serialized) struct PrometheusEndToEndTests {
    @Test(.enabled(if: Tools.canRun(.prometheus), "needs prometheus"))
    func realPrometheusScrapesTheExporterAndSeesEveryPostedCall() throws {
        let serve = try ServeHarness()
        let posted = try ExporterEndToEndTests.postMixedBatches(serve)
        let prometheus = try PrometheusHarness(targets: [serve.port])
        let up = try prometheus.waitFor("up{job=\"bulwark\"}") { $0 == 1 }
        #expect(up == 1, "Prometheus never scraped the exporter: \(prometheus.process.outputText)")
        let calls = try prometheus.waitFor("sum(llm_api_calls_total)") { $0 == Double(posted) }
        #expect(calls == Double(posted))
        let rateLimited = try prometheus.waitFor("sum(llm_api_calls_total{status_code=\"429\"})") { $0 == 4 }
        #expect(rateLimited == 4)
        let histogram = try prometheus.waitFor("sum(llm_api_call_duration_seconds_count)") { $0 == Double(posted) }
        #expect(histogram == Double(posted))
    }
}

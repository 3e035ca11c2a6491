import BulwarkTestSupport
import Foundation

/// A running `bulwark serve` on a free loopback port, with its own log directory.
final class ServeHarness {
    let process: ChildProcess
    let port: Int
    let logDirectory: String

    init(extraArguments: [String] = [], logDirectory: String? = nil, environment: [String: String]? = nil) throws {
        let directory = try logDirectory ?? makeTemporaryDirectory("bulwark-logs")
        self.logDirectory = directory
        process = try ChildProcess(
            try Tools.bulwark(), ["serve", "--listen", "127.0.0.1:0", "--log-dir", directory] + extraArguments,
            environment: environment)
        let portText = try process.waitForOutput(#"listen=127\.0\.0\.1:(\d+)"#)
        guard let port = Int(portText) else { throw ChildProcessError("no port in \(portText)") }
        self.port = port
    }

    func get(_ path: String, headers: [(String, String)] = []) throws -> RawHTTPClient.Response {
        try RawHTTPClient.request(port: port, path: path, headers: headers)
    }

    func post(_ path: String = "/v1/events", body: String, contentType: String = "application/json") throws -> RawHTTPClient.Response {
        try RawHTTPClient.request(port: port, method: "POST", path: path, headers: [("Content-Type", contentType)], body: Array(body.utf8))
    }

    /// The sum of every sample of `family` in the Prometheus text at `/metrics` (labels ignored).
    func sum(_ sampleName: String) throws -> Double {
        try MetricsText.sum(sampleName, in: get("/metrics").text)
    }

    deinit {
        process.stop()
    }
}

enum MetricsText {
    /// Sums the values of every line whose sample name is exactly `name` and whose labels include `matching`.
    static func sum(_ name: String, matching: [String: String] = [:], in text: String) -> Double {
        var total = 0.0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard line.hasPrefix(name) else { continue }
            let rest = line.dropFirst(name.count)
            guard rest.first == "{" || rest.first == " " else { continue }
            if !matching.isEmpty {
                let labels = rest.first == "{" ? String(rest[..<(rest.lastIndex(of: "}") ?? rest.endIndex)]) : ""
                guard matching.allSatisfy({ labels.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            }
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
        }
        return total
    }
}

/// Events with awkward label values: quotes, backslashes, newlines, non-ASCII.
enum SampleEvents {
    static let awkwardModels = ["gpt-4o", "claude \"quoted\" model", "back\\slash\\model", "multi\nline", "模型-ünïcødé ✓"]

    static func json(index: Int, provider: String = "openai", model: String? = nil, status: Int = 200) -> String {
        let model = model ?? awkwardModels[index % awkwardModels.count]
        let errorType = status == 200 ? "null" : (status == 429 ? "\"rate_limited\"" : "\"server_error\"")
        let quoted = jsonQuote(model)
        return """
            {"timestamp":\(1_764_000_000 + Double(index) / 10),"provider":"\(provider)","model":\(quoted),"status_code":\(status),\
            "latency_ms":\(100 + index % 900),"input_tokens":\(10 + index),"output_tokens":\(index % 50),"is_retry":false,\
            "retry_count":0,"error_type":\(errorType),"error_message":null,"circuit_state":"closed","request_id":"r-\(index)",\
            "attempt":1,"fallback":false,"stream":\(index % 2 == 0),"time_to_first_token_ms":\(index % 2 == 0 ? "250.5" : "null"),\
            "cost_usd":0.0001,"provider_error_type":null,"retry_after_ms":null}
            """
    }

    static func jsonQuote(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}

import BulwarkTestSupport
import Foundation

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback port, clustering off,
/// routing everything to a receiver that notifies nobody.
final class AlertmanagerHarness {
    let process: ChildProcess
    let port: Int
    let directory: String

    /// The base URL to hand to `bulwark serve --alertmanager-url`.
    var url: String { "http://127.0.0.1:\(port)" }

    init() throws {
        directory = try makeTemporaryDirectory("bulwark-alertmanager")
        port = try freePort()
        let config = """
            route:
              receiver: "null"
              group_by: [alertname, severity, provider]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: "null"

            """
        try config.write(toFile: "\(directory)/alertmanager.yml", atomically: true, encoding: .utf8)
        process = try ChildProcess(try Tools.executable("prometheus-alertmanager"), [
            "--config.file=\(directory)/alertmanager.yml", "--storage.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
        ])
        try waitUntilReady()
    }

    private func waitUntilReady(timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let response = try? RawHTTPClient.request(port: port, path: "/-/ready", timeoutSeconds: 2), response.status == 200 {
                return
            }
            if !process.process.isRunning {
                throw ChildProcessError("alertmanager exited (\(process.process.terminationStatus)): \(process.outputText)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw ChildProcessError("alertmanager not ready after \(timeout) s: \(process.outputText)")
    }

    /// `GET /api/v2/alerts`: every alert Alertmanager holds that has not ended, as decoded JSON objects.
    func alerts() throws -> [[String: Any]] {
        let response = try RawHTTPClient.request(port: port, path: "/api/v2/alerts", timeoutSeconds: 5)
        guard response.status == 200 else {
            throw ChildProcessError("alertmanager GET /api/v2/alerts: HTTP \(response.status) \(response.text)")
        }
        guard let alerts = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] else {
            throw ChildProcessError("alertmanager GET /api/v2/alerts: not a JSON array: \(response.text)")
        }
        return alerts
    }

    deinit {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

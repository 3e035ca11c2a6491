import BulwarkCore
import BulwarkPrometheus
/// The JSON bodies of the alert API: Prometheus' `/api/v1/alerts` and Alertmanager's `/api/v2/alerts`.
public enum AlertJSON {
    /// `{"status":"success","data":{"alerts":[…]}}`, each alert with `labels`, `annotations`, `state`,
    /// `activeAt` (RFC 3339) and `value` (a string, Go's `%e` shortest form), as Prometheus serves it.
    public static func prometheusAlerts(_ alerts: [AlertState]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64 + alerts.count * 700)
        out.append(contentsOf: #"{"status":"success","data":{"alerts":["#.utf8)
        for (index, alert) in alerts.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"labels":"#.utf8)
            object(alert.labels, &out)
            out.append(contentsOf: #","annotations":"#.utf8)
            object(alert.annotations, &out)
            out.append(contentsOf: #","state":"#.utf8)
            JSONWriter.string(alert.phase.rawValue, &out)
            out.append(contentsOf: #","activeAt":"#.utf8)
            JSONWriter.string(PrometheusFormat.rfc3339(alert.activeAt), &out)
            out.append(contentsOf: #","value":"#.utf8)
            JSONWriter.string(PrometheusFormat.exponent(alert.value), &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}}".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// The JSON array Alertmanager's `POST /api/v2/alerts` takes.
    public static func alertmanager(_ alerts: [AlertmanagerAlert]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, alert) in alerts.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"labels":"#.utf8)
            object(alert.labels, &out)
            out.append(contentsOf: #","annotations":"#.utf8)
            object(alert.annotations, &out)
            out.append(contentsOf: #","startsAt":"#.utf8)
            JSONWriter.string(PrometheusFormat.rfc3339(alert.startsAt), &out)
            out.append(contentsOf: #","endsAt":"#.utf8)
            JSONWriter.string(PrometheusFormat.rfc3339(alert.endsAt), &out)
            out.append(contentsOf: #","generatorURL":"#.utf8)
            JSONWriter.string(alert.generatorURL, &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A string map with its keys sorted, as Go marshals label sets.
    private static func object(_ map: [String: String], _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, key) in map.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.string(key, &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.string(map[key]!, &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

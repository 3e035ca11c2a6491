import BulwarkCore
/// The two exposition formats `/metrics` can serve.
public enum ExpositionFormat: Sendable, Equatable {
    /// Prometheus text format 0.0.4.
    case prometheusText
    /// OpenMetrics 1.0 text.
    case openMetrics

    /// The `Content-Type` header value of the format.
    public var contentType: String {
        switch self {
        case .prometheusText: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Chooses the format from an `Accept` header: OpenMetrics when it is listed with a non-zero
    /// quality at least as high as the best text alternative, the Prometheus text format otherwise.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .prometheusText }
        var openMetricsQuality = -1.0
        var textQuality = -1.0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let mediaType = parts.first?.lowercased() else { continue }
            var quality = 1.0
            var version: Substring?
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "q": quality = Double(pair[1]) ?? 0
                case "version": version = Substring(pair[1])
                default: break
                }
            }
            switch mediaType {
            case "application/openmetrics-text":
                // Version 0.0.1 is an older draft; 1.0.0 (or unversioned) is what is served.
                if version == nil || version == "1.0.0" { openMetricsQuality = max(openMetricsQuality, quality) }
            case "text/plain", "*/*", "text/*":
                textQuality = max(textQuality, quality)
            default:
                continue
            }
        }
        return openMetricsQuality > 0 && openMetricsQuality >= textQuality ? .openMetrics : .prometheusText
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

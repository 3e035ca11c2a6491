/// `ObservedService --config FILE --listen HOST:PORT`.
struct ServiceArguments {
    var configPath = "bulwark.yaml"
    var host = "127.0.0.1"
    var port = 8090

    static let usage = "usage: ObservedService --config FILE --listen HOST:PORT"

    /// Parses the command line; every problem at once.
    static func parse(_ arguments: [String]) -> Result<ServiceArguments, UsageError> {
        var parsed = ServiceArguments()
        var problems: [String] = []
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            let value = index + 1 < arguments.count ? arguments[index + 1] : nil
            index += 2
            switch flag {
            case "--config":
                guard let value else { problems.append("--config needs a file"); continue }
                parsed.configPath = value
            case "--listen":
                guard let value, let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
                    (0...65_535).contains(port), colon != value.startIndex
                else {
                    problems.append("--listen needs HOST:PORT (port 0 picks a free one)")
                    continue
                }
                parsed.host = String(value[..<colon])
                parsed.port = port
            default:
                problems.append("unknown argument \(flag)")
                index -= 1
            }
        }
        return problems.isEmpty ? .success(parsed) : .failure(UsageError(problems: problems))
    }
}

/// What was wrong with the command line.
struct UsageError: Error, CustomStringConvertible {
    var problems: [String]
    var description: String { (problems + [ServiceArguments.usage]).joined(separator: "\n") }
}

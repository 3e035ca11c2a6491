import BulwarkCore
import BulwarkAlerts
import Foundation
import ServiceLifecycle

/// The live progress of the demo: on a terminal, a compact table redrawn every second; otherwise one
/// plain line every `interval` seconds, plus a line for each notable moment (phase, breaker, alert).
final class DemoProgress: Service, Sendable {
    enum Mode: Sendable {
        /// Redraw in place with ANSI escapes; `color` adds colours.
        case terminal(color: Bool)
        /// Append plain lines.
        case plain(interval: Double)
    }

    let context: DemoContext
    let mode: Mode

    init(context: DemoContext, mode: Mode) {
        self.context = context
        self.mode = mode
    }

    func run() async throws {
        let stop = StopFlag()
        var tracker = DemoChangeTracker()
        var frame = TerminalFrame()
        var lastLine = -Double.infinity
        var lastEvent: Int?
        if case .terminal = mode { DemoOutput.write(TerminalFrame.hideCursor) }
        await withGracefulShutdownHandler {
            while !stop.isSet {
                let snapshot = context.snapshot()
                tracker.observe(snapshot, into: context.events)
                switch mode {
                case .terminal(let color):
                    frame.draw(DemoProgressText.frame(snapshot, context, color: color))
                case .plain(let interval):
                    lastEvent = printEvents(after: lastEvent)
                    if snapshot.elapsed - lastLine >= interval {
                        DemoOutput.write(DemoProgressText.line(snapshot) + "\n")
                        lastLine = snapshot.elapsed
                    }
                }
                await Self.pause(seconds: 1, unless: stop)
            }
        } onGracefulShutdown: {
            stop.set()
        }
        let snapshot = context.snapshot()
        tracker.observe(snapshot, into: context.events)
        switch mode {
        case .terminal(let color):
            frame.draw(DemoProgressText.frame(snapshot, context, color: color))
            DemoOutput.write(TerminalFrame.showCursor)
        case .plain:
            _ = printEvents(after: lastEvent)
            DemoOutput.write(DemoProgressText.line(snapshot) + "\n")
        }
    }

    private func printEvents(after sequence: Int?) -> Int? {
        let entries = context.events.entries(after: sequence)
        for entry in entries {
            DemoOutput.write("[\(DemoFormat.clock(entry.elapsed))] \(entry.text)\n")
        }
        return entries.last?.sequence ?? sequence
    }

    private static func pause(seconds: Double, unless stop: StopFlag) async {
        var left = seconds
        while left > 0, !stop.isSet {
            try? await Task.sleep(for: .milliseconds(Int(min(left, 0.25) * 1000)))
            left -= 0.25
        }
    }
}

/// Turns successive snapshots into events: phases starting and ending, breakers changing state, alerts
/// firing and resolving.
struct DemoChangeTracker {
    private var phases: Set<String>?
    private var circuits: [String: CircuitState] = [:]
    private var firing: [String] = []

    mutating func observe(_ snapshot: DemoSnapshot, into log: DemoEventLog) {
        let now = Set(snapshot.phases)
        if let previous = phases {
            for phase in snapshot.phases where !previous.contains(phase) { log.record("incident starts: \(phase)", severity: .warning) }
            for phase in previous.sorted() where !now.contains(phase) { log.record("incident ends: \(phase)", severity: .good) }
        } else {
            for phase in snapshot.phases { log.record("incident under way: \(phase)", severity: .warning) }
        }
        phases = now
        for provider in snapshot.providers {
            let previous = circuits[provider.name] ?? .closed
            if previous != provider.circuit {
                let severity: DemoEventLog.Severity =
                    switch provider.circuit {
                    case .open: .critical
                    case .halfOpen: .warning
                    case .closed: .good
                    }
                log.record("\(provider.name) breaker \(previous.rawValue) -> \(provider.circuit.rawValue)", severity: severity)
            }
            circuits[provider.name] = provider.circuit
        }
        let nowFiring = snapshot.alerts.filter { $0.phase == .firing }
        let names = nowFiring.map(DemoEventLog.describe)
        for (alert, name) in zip(nowFiring, names) where !firing.contains(name) {
            log.recordFiring(name, critical: alert.severity == .critical)
        }
        for name in firing where !names.contains(name) {
            log.record("alert resolved: \(name)", severity: .good)
        }
        firing = names
    }
}

/// The texts of the progress display.
enum DemoProgressText {
    /// The terminal table.
    static func frame(_ snapshot: DemoSnapshot, _ context: DemoContext, color: Bool) -> [String] {
        let paint = Paint(enabled: color)
        let position = DemoScenario.position(of: snapshot.elapsed, in: context.scenario)
        var timeline = "t \(DemoFormat.clock(snapshot.elapsed))"
        if let cycle = context.scenario.cycleSeconds {
            timeline += "   cycle \(position.cycle), \(Int(position.seconds)) s of \(Int(cycle)) s"
        }
        let now =
            snapshot.traffic.draining
            ? paint.dim("traffic stopped") : snapshot.phases.isEmpty
                ? paint.green("steady") : paint.yellow(snapshot.phases.joined(separator: "; "))
        var lines = [paint.bold("bulwark demo") + "   \(timeline)   now: \(now)"]

        let traffic = snapshot.traffic
        let rate = snapshot.elapsed > 0 ? Double(traffic.issued) / snapshot.elapsed : 0
        let flight = traffic.draining ? paint.yellow("draining, \(traffic.inFlight) in flight") : "in flight \(traffic.inFlight)"
        lines.append(
            "requests   \(DemoFormat.count(snapshot.totalRequests)) (\(String(format: "%.1f", rate))/s)   "
                + "success \(DemoFormat.count(snapshot.requests[.success] ?? 0))   "
                + "fallback \(DemoFormat.count(snapshot.requests[.fallback] ?? 0))   "
                + "failed \(DemoFormat.count(snapshot.requests[.failed] ?? 0))   "
                + "cancelled \(DemoFormat.count(snapshot.requests[.cancelled] ?? 0))   \(flight)"
                + (traffic.skipped > 0 ? "   skipped \(traffic.skipped)" : ""))
        lines.append(
            "attempts   \(DemoFormat.count(snapshot.attempts))   retries \(DemoFormat.count(snapshot.retries))   "
                + "fallback moves \(DemoFormat.count(snapshot.fallbackMoves))   "
                + "hedges \(DemoFormat.count(snapshot.hedges["won"] ?? 0)) won / \(DemoFormat.count(snapshot.hedges["lost"] ?? 0)) lost   "
                + "tokens \(DemoFormat.compact(snapshot.inputTokens)) in / \(DemoFormat.compact(snapshot.outputTokens)) out")
        lines.append("spend      " + spendText(snapshot, paint: paint))
        let header =
            DemoFormat.left("provider", 10) + DemoFormat.left("breaker", 10) + DemoFormat.left("outage", 10)
            + DemoFormat.right("attempts", 9) + DemoFormat.right("2xx", 6) + DemoFormat.right("429", 5)
            + DemoFormat.right("5xx", 5) + DemoFormat.right("other", 6) + DemoFormat.right("answered", 9)
            + "  req/tok"
        lines.append(paint.dim(header))
        for provider in snapshot.providers {
            let circuit = DemoFormat.left(provider.circuit.rawValue, 10)
            let paintedCircuit =
                switch provider.circuit {
                case .closed: paint.green(circuit)
                case .halfOpen: paint.yellow(circuit)
                case .open: paint.red(circuit)
                }
            let outage = DemoFormat.left(provider.outage.name, 10)
            let name = provider.name
            let total = snapshot.attempts(name) { _ in true }
            let ok = snapshot.attempts(name) { (200..<300).contains($0) }
            let limited = snapshot.attempts(name) { $0 == 429 }
            let serverErrors = snapshot.attempts(name) { (500..<600).contains($0) }
            let other = total - ok - limited - serverErrors
            var row = DemoFormat.left(name, 10) + paintedCircuit
            row += provider.outage > .transient ? paint.red(outage) : outage
            row += DemoFormat.right(DemoFormat.count(total), 9) + DemoFormat.right(DemoFormat.count(ok), 6)
            row += DemoFormat.right(DemoFormat.count(limited), 5) + DemoFormat.right(DemoFormat.count(serverErrors), 5)
            row += DemoFormat.right(DemoFormat.count(other), 6)
            row += DemoFormat.right(String(snapshot.traffic.answeredBy[name] ?? 0), 9)
            row += "  " + headroomText(snapshot.headroom[name])
            lines.append(row)
        }
        lines.append("alerts     " + alertsText(snapshot.alerts, paint: paint))
        let recent = context.events.recent(5)
        for (index, entry) in recent.enumerated() {
            let text = "\(DemoFormat.clock(entry.elapsed))  \(entry.text)"
            let painted =
                switch entry.severity {
                case .critical: paint.red(text)
                case .warning: paint.yellow(text)
                case .good: paint.green(text)
                case .info: text
                }
            lines.append((index == 0 ? "recent     " : "           ") + painted)
        }
        var links = "metrics \(context.metricsURL)"
        links += "   alerts \(context.alertsURL)"
        if let log = context.logFile { links += "   logs \(log)" }
        lines.append(paint.dim(links))
        lines.append(paint.dim("Ctrl-C stops: requests in flight finish, logs are flushed, the ground truth is checked"))
        return lines
    }

    /// One plain progress line.
    static func line(_ snapshot: DemoSnapshot) -> String {
        let traffic = snapshot.traffic
        let now = snapshot.phases.isEmpty ? "steady" : snapshot.phases.joined(separator: "; ")
        var requests = "requests \(DemoFormat.count(snapshot.totalRequests)) (\(outcomes(snapshot))), in flight \(traffic.inFlight)"
        if traffic.skipped > 0 { requests += ", skipped \(traffic.skipped)" }
        var parts: [String] = ["[\(DemoFormat.clock(snapshot.elapsed))] \(now)", requests]
        parts.append(
            "attempts \(DemoFormat.count(snapshot.attempts)), retries \(DemoFormat.count(snapshot.retries)), "
                + "hedges won \(DemoFormat.count(snapshot.hedges["won"] ?? 0)) lost \(DemoFormat.count(snapshot.hedges["lost"] ?? 0))")
        parts.append("breakers " + snapshot.providers.map { "\($0.name)=\($0.circuit.rawValue)" }.joined(separator: " "))
        parts.append("answered by " + snapshot.providers.map { "\($0.name)=\(traffic.answeredBy[$0.name] ?? 0)" }.joined(separator: " "))
        parts.append("spend " + spendText(snapshot, paint: Paint(enabled: false)))
        let firing = snapshot.alerts.filter { $0.phase == .firing }
        let names = firing.map(DemoEventLog.describe).joined(separator: ", ")
        parts.append("alerts firing \(firing.count)" + (firing.isEmpty ? "" : ": " + names))
        return parts.joined(separator: " | ")
    }

    /// `success N, fallback N, failed N` from the registry's `llm_api_requests_total`.
    static func outcomes(_ snapshot: DemoSnapshot) -> String {
        RequestOutcome.allCases.map { "\($0.rawValue) \(DemoFormat.count(snapshot.requests[$0] ?? 0))" }.joined(separator: ", ")
    }

    static func spendText(_ snapshot: DemoSnapshot, paint: Paint) -> String {
        let spend = String(format: "$%.4f", snapshot.costUSD)
        guard let budget = snapshot.budgetUSD, budget > 0 else { return spend }
        let ratio = snapshot.costUSD / budget
        let text = "\(spend) of \(String(format: "$%.2f", budget)) daily budget (\(Int((ratio * 100).rounded())) %)"
        return ratio > 1.5 ? paint.red(text) : ratio > 1.2 ? paint.yellow(text) : text
    }

    /// `requests/tokens %` left (the headroom) of the provider's rate limits (the tightest token resource), `-` when the
    /// provider sends no rate-limit headers.
    static func headroomText(_ resources: [String: Double]?) -> String {
        guard let resources, !resources.isEmpty else { return "-" }
        func percent(_ value: Double?) -> String { value.map { String(Int(($0 * 100).rounded())) } ?? "-" }
        let tokens = resources.filter { $0.key != "requests" }.values.min()
        return "\(percent(resources["requests"]))/\(percent(tokens)) %"
    }

    static func alertsText(_ alerts: [AlertState], paint: Paint) -> String {
        let firing = alerts.filter { $0.phase == .firing }
        let pending = alerts.count - firing.count
        var text = firing.isEmpty ? paint.green("none firing") : "firing: "
        text += firing.map { alert in
            let name = DemoEventLog.describe(alert)
            return alert.severity == .critical ? paint.red(name) : paint.yellow(name)
        }.joined(separator: ", ")
        if pending > 0 { text += paint.dim("; \(pending) pending") }
        return text
    }
}

/// A block of lines redrawn in place.
struct TerminalFrame {
    static let hideCursor = "\u{1B}[?25l"
    static let showCursor = "\u{1B}[?25h"
    private var drawn = 0

    mutating func draw(_ lines: [String]) {
        let width = Self.columns()
        var out = drawn > 0 ? "\u{1B}[\(drawn)F" : ""
        for line in lines { out += "\u{1B}[2K" + Self.fit(line, width: width) + "\n" }
        out += "\u{1B}[J"
        DemoOutput.write(out)
        drawn = lines.count
    }
}

extension TerminalFrame {
    /// The terminal's width in columns (80 when it cannot be read).
    static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// `line` cut to `width` visible characters (escape sequences do not count), so that no line wraps
    /// and the redraw, which moves the cursor up one row per line, stays in place.
    static func fit(_ line: String, width: Int) -> String {
        var visible = 0
        var result = ""
        var escape = false
        for character in line {
            if escape {
                result.append(character)
                if character.isLetter { escape = false }
                continue
            }
            if character == "\u{1B}" {
                escape = true
                result.append(character)
                continue
            }
            if visible >= width - 1 { return result + "\u{1B}[0m" }
            result.append(character)
            visible += 1
        }
        return result
    }
}

/// ANSI colours, or none.
struct Paint {
    let enabled: Bool

    private func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { wrap("1", text) }
    func dim(_ text: String) -> String { wrap("2", text) }
    func red(_ text: String) -> String { wrap("31", text) }
    func green(_ text: String) -> String { wrap("32", text) }
    func yellow(_ text: String) -> String { wrap("33", text) }
}

/// Number and time formats of the display.
enum DemoFormat {
    static func clock(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds))
        let minutes = whole / 60
        let rest = whole % 60
        return "\(minutes):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    static func count(_ value: Double) -> String { String(Int(value.rounded())) }

    static func compact(_ value: Double) -> String {
        value >= 10_000 ? String(format: "%.1fk", value / 1000) : count(value)
    }

    static func left(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func right(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}

/// Unbuffered writes to standard output (a pipe reader sees each line at once).
enum DemoOutput {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
}

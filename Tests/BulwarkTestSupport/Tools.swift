public import Foundation
import Testing

/// Locates the package, the built binary, the fixtures and the external tools the tests drive: the one
/// tool locator of the test targets.
///
/// A test that needs a tool declares it with `.enabled(if: Tools.canRun(.promtool))`: outside CI a
/// missing tool shows the test as skipped; with `CI=true` the test runs and fails on the missing tool.
public enum Tools {
    /// An external program a test may need.
    public enum Tool: String, Sendable, CaseIterable {
        case promtool, prometheus, alertmanager = "prometheus-alertmanager", gzip, openssl, curl
        case redisServer = "redis-server"
        /// The Python of `.venv` with requirements-test.txt (the official SDKs, prometheus_client).
        case python
        /// The executable of `Examples/QuickStart`, which `make test` builds.
        case quickStart = "QuickStart"
        /// The executable of `Examples/ObservedService`, which `make test` builds.
        case observedService = "ObservedService"
    }

    /// The repository's root directory.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The provider-wire fixtures, inside the repository.
    public static let providerWire = packageRoot.appendingPathComponent("Tests/Fixtures/provider-wire")

    /// Whether the tests run under CI (`CI=true`), where a missing tool is a failure, not a skip.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether a test that needs `tool` should run: the tool is here, or CI demands it (and the test then
    /// fails when it locates the tool).
    public static func canRun(_ tools: Tool...) -> Bool {
        isCI || tools.allSatisfy { (try? locate($0)) != nil }
    }

    /// The path of `tool`, or an error naming how to install it.
    public static func locate(_ tool: Tool) throws -> String {
        switch tool {
        case .python: return try python()
        case .quickStart: return try example(tool.rawValue, variable: "BULWARK_QUICKSTART_BIN")
        case .observedService: return try example(tool.rawValue, variable: "BULWARK_OBSERVED_SERVICE_BIN")
        default: return try executable(tool.rawValue)
        }
    }

    /// The `bulwark` executable: `$BULWARK_BIN`, or the debug build in `.build`.
    public static func bulwark() throws -> String {
        if let path = ProcessInfo.processInfo.environment["BULWARK_BIN"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        for candidate in [".build/debug/bulwark", ".build/release/bulwark"] {
            let path = packageRoot.appendingPathComponent(candidate).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ToolMissing(name: "bulwark", hint: "run `swift build` (make test does) or set BULWARK_BIN")
    }

    /// An example's executable: `$variable`, or the build that `make test` leaves in `.build`.
    public static func example(_ name: String, variable: String) throws -> String {
        if let path = ProcessInfo.processInfo.environment[variable], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let path = packageRoot.appendingPathComponent(".build/debug/\(name)").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        throw ToolMissing(name: name, hint: "run `make test`, which builds Examples/\(name), or set \(variable)")
    }

    /// The Python with the test requirements installed: `$BULWARK_PYTHON` or `.venv/bin/python3`.
    public static func python() throws -> String {
        if let path = ProcessInfo.processInfo.environment["BULWARK_PYTHON"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let path = packageRoot.appendingPathComponent(".venv/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        throw ToolMissing(name: "python venv", hint: "run `make test` (or `make venv`), which creates .venv with requirements-test.txt")
    }

    /// An executable on PATH (or in /usr/bin, /usr/sbin), for Debian's `promtool`, `prometheus`, `gzip`…
    public static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/sbin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ToolMissing(name: name, hint: "apt-get install the Debian package that ships it (make test does)")
    }
}

/// A tool a test needs is not installed.
public struct ToolMissing: Error, CustomStringConvertible {
    public var name: String
    public var hint: String
    public var description: String { "\(name) not found: \(hint)" }
}

import Foundation
import Testing

/// Locates the package, the built binary and the external tools the end-to-end tests drive.
enum Tools {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The `bulwark` executable: `$BULWARK_BIN`, or the debug build in `.build`.
    static func bulwark() throws -> String {
        if let path = ProcessInfo.processInfo.environment["BULWARK_BIN"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        for candidate in [".build/debug/bulwark", ".build/release/bulwark"] {
            let path = packageRoot.appendingPathComponent(candidate).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ToolMissing(name: "bulwark", hint: "run `swift build` (make test does) or set BULWARK_BIN")
    }

    /// The Python with the test requirements installed: `$BULWARK_PYTHON` or `.venv/bin/python3`.
    static func python() throws -> String {
        if let path = ProcessInfo.processInfo.environment["BULWARK_PYTHON"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let path = packageRoot.appendingPathComponent(".venv/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        throw ToolMissing(name: "python venv", hint: "run `make test`, which creates .venv with requirements-test.txt")
    }

    /// An executable on PATH (or in /usr/bin), for Debian's `promtool`, `prometheus`, `gzip`.
    static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/sbin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ToolMissing(name: name, hint: "apt-get install the Debian package that ships it (make test does)")
    }

    /// Whether a test that needs `tool` may run here. Under `CI=true` a missing tool is a failure, not a skip.
    static func available(_ locate: () throws -> String) -> Bool {
        do {
            _ = try locate()
            return true
        } catch {
            if isCI { Issue.record("\(error) — required when CI=true") }
            return false
        }
    }
}

struct ToolMissing: Error, CustomStringConvertible {
    var name: String
    var hint: String
    var description: String { "\(name) not found: \(hint)" }
}

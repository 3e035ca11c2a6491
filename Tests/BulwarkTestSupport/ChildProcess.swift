public import Foundation
import Synchronization

/// Bytes appended from a pipe's reader thread and read by the test.
public final class OutputBuffer: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    public func append(_ data: Data) { bytes.withLock { $0.append(contentsOf: data) } }
    public var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// A process started by a test, with its output captured, killed when the test is done with it.
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    private let output = OutputBuffer()

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, currentDirectory: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        self.process = process
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                output.append(data)
            }
        }
        try process.run()
    }

    public var outputText: String { output.text }

    /// Waits until the output matches `pattern` (a regular expression with one capture group) and returns the capture.
    public func waitForOutput(_ pattern: String, timeout: Double = 30) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = outputText
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let range = Range(match.range(at: match.numberOfRanges > 1 ? 1 : 0), in: text)
            {
                return String(text[range])
            }
            if !process.isRunning {
                throw ChildProcessError("process exited (\(process.terminationStatus)) before printing /\(pattern)/:\n\(text)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw ChildProcessError("timed out waiting for /\(pattern)/ in output:\n\(outputText)")
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit and returns the status (killing the process after `timeout`).
    @discardableResult
    public func wait(timeout: Double = 30) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    public func stop() {
        if process.isRunning {
            signal(SIGTERM)
            wait(timeout: 10)
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a command to completion and returns its exit status and combined output.
public func runCommand(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil, timeout: Double = 120) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let outputPipe = Pipe()
    process.standardOutput = outputPipe
    process.standardError = outputPipe
    let inputPipe = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : inputPipe
    let collected = OutputBuffer()
    outputPipe.fileHandleForReading.readabilityHandler = { handle in
        let data = handle.availableData
        if data.isEmpty { handle.readabilityHandler = nil } else { collected.append(data) }
    }
    try process.run()
    if let stdin {
        inputPipe.fileHandleForWriting.write(Data(stdin))
        try inputPipe.fileHandleForWriting.close()
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    // Drain whatever is left in the pipe.
    Thread.sleep(forTimeInterval: 0.05)
    outputPipe.fileHandleForReading.readabilityHandler = nil
    let rest = outputPipe.fileHandleForReading.readDataToEndOfFile()
    collected.append(rest)
    return (process.terminationStatus, collected.text)
}

/// A fresh temporary directory, removed by the caller.
public func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

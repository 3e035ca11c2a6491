import ArgumentParser
import BulwarkCore
import BulwarkLogs
import Foundation

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Read Bulwark's JSON-lines event logs.",
        subcommands: [CatCommand.self]
    )

    struct CatCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cat",
            abstract: "Print every event in a log directory, sealed and active segments, oldest first; torn lines are skipped."
        )

        @Argument(help: "The log directory.")
        var directory: String

        func run() async throws {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 16)
            let summary = try LogReader(directory: directory).forEachLine { line in
                buffer.append(contentsOf: line)
                buffer.append(0x0A)
                if buffer.count >= 1 << 16 {
                    FileHandle.standardOutput.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            FileHandle.standardOutput.write(Data(buffer))
            if summary.skipped > 0 {
                FileHandle.standardError.write(Data("bulwark logs cat: skipped \(summary.skipped) torn or invalid line(s)\n".utf8))
            }
        }
    }
}

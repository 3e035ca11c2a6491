import BulwarkCore
import BulwarkLogs
import Foundation
import Testing

@Suite struct LogSinkTests {
    typealias Fixtures = LogFixtures

    @Test func createsMissingDirectoryWithParents() throws {
        let root = try LogTestDirectory()
        defer { root.remove() }
        let path = root.file("a/b/logs")
        let sink = try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: path))
        sink.record(Fixtures.event(1))
        sink.close()
        #expect(FileManager.default.fileExists(atPath: path + "/api-calls.jsonl"))
    }

    @Test func namesTheDirectoryItCannotCreate() throws {
        let root = try LogTestDirectory()
        defer { root.remove() }
        try root.write(Array("not a directory".utf8), to: "file")
        let path = root.file("file/logs")
        #expect {
            try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: path))
        } throws: { error in
            guard let error = error as? LogError else { return false }
            return error.code == .directoryUnavailable && error.description.contains(root.file("file"))
        }
    }

    @Test func rejectsOutOfRangeSettings() throws {
        let root = try LogTestDirectory()
        defer { root.remove() }
        var configuration = LogSinkConfiguration(directory: root.path)
        configuration.queueCapacity = 0
        #expect {
            try JSONLinesLogSink(configuration: configuration)
        } throws: { ($0 as? LogError)?.code == .invalidConfiguration && "\($0)".contains("queueCapacity") }
    }

    @Test func refusesASecondSinkOnTheSameDirectory() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let first = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        #expect {
            try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        } throws: { ($0 as? LogError)?.code == .directoryInUse }
        first.close()
        let second = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        second.close()
    }

    @Test func readsBackEveryEventInOrderAcrossSeals() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(
            configuration: Fixtures.configuration(directory, maxSegmentBytes: 4096, fsyncOnSeal: true))
        let events = (0..<3000).map { Fixtures.event($0) }
        for event in events { sink.record(event) }
        sink.close()

        #expect(sink.eventsWritten == events.count)
        #expect(sink.eventsDropped == 0)
        #expect(sink.bytesWritten == Fixtures.lines(events).count)
        #expect(sink.lastError == nil)
        #expect(directory.compressedNames.count > 50)
        #expect(directory.sealedNames == directory.compressedNames)
        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read == events)
        #expect(summary.skipped == 0)
        #expect(summary.damagedSegments.isEmpty)
        #expect(summary.segments == directory.compressedNames.count + 1)
    }

    @Test func sealedSegmentsAreGzipFilesHoldingTheExactLines() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let maxSegmentBytes = 20_000
        let sink = try JSONLinesLogSink(
            configuration: Fixtures.configuration(directory, maxSegmentBytes: maxSegmentBytes))
        let events = (0..<1000).map { Fixtures.event($0) }
        for event in events { sink.record(event) }
        sink.close()

        var concatenated: [UInt8] = []
        for name in directory.compressedNames {
            #expect(name.range(of: #"^api-calls-\d{8}T\d{6}\.\d{3}Z\.jsonl\.gz$"#, options: .regularExpression) != nil)
            #expect(try runTool(["gzip", "-t", directory.file(name)]).status == 0)
            let plain = try runTool(["gunzip", "-c", directory.file(name)]).output
            #expect(plain.count <= maxSegmentBytes)
            #expect(plain.last == 0x0A)
            concatenated += plain
        }
        concatenated += directory.contents("api-calls.jsonl")
        #expect(concatenated == Fixtures.lines(events))
    }

    @Test func retentionDeletesTheOldestSegments() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(
            configuration: Fixtures.configuration(directory, maxSegmentBytes: 4096, maxSealedSegments: 3))
        let events = (0..<500).map { Fixtures.event($0) }
        for event in events { sink.record(event) }
        sink.close()

        #expect(directory.sealedNames.count == 3)
        let (read, _) = try LogReader(directory: directory.path).events()
        #expect(!read.isEmpty && read.count < events.count)
        #expect(read == Array(events.suffix(read.count)))
    }

    @Test func retentionDeletesSegmentsSealedLongerAgoThanMaxSealedAge() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let old = "api-calls-20200101T000000.000Z.jsonl.gz"
        let recent = "api-calls-\(Fixtures.stamp(Fixtures.now - 60)).jsonl.gz"
        try directory.write(Gzip.compress(Fixtures.line(Fixtures.event(1))), to: old)
        try directory.write(Gzip.compress(Fixtures.line(Fixtures.event(2))), to: recent)
        let sink = try JSONLinesLogSink(configuration: LogSinkConfiguration(directory: directory.path))
        sink.close()
        #expect(directory.sealedNames == [recent])
    }

    @Test func countsEventsDroppedWhenTheQueueIsFull() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory, queueCapacity: 1))
        let recorded = 20_000
        for index in 0..<recorded { sink.record(Fixtures.event(index)) }
        sink.close()

        #expect(sink.eventsDropped > 0)
        #expect(sink.eventsWritten + sink.eventsDropped == recorded)
        let (read, _) = try LogReader(directory: directory.path).events()
        #expect(read.count == sink.eventsWritten)
        let indexes = read.map { Int($0.requestID.split(separator: "-").last!)! }
        #expect(indexes == indexes.sorted())
    }

    @Test func dropsEventsRecordedAfterCloseAndClosesOnce() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        sink.record(Fixtures.event(1))
        sink.close()
        sink.close()
        sink.record(Fixtures.event(2))
        sink.flush()
        #expect(sink.eventsWritten == 1)
        #expect(sink.eventsDropped == 1)
        #expect(try LogReader(directory: directory.path).events().0 == [Fixtures.event(1)])
    }

    @Test func flushHandsEveryEarlierEventToTheKernel() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        defer { sink.close() }
        let events = (0..<100).map { Fixtures.event($0) }
        for event in events { sink.record(event) }
        sink.flush()
        #expect(directory.contents("api-calls.jsonl") == Fixtures.lines(events))
        #expect(sink.eventsWritten == 100)
        #expect(sink.bytesWritten == Fixtures.lines(events).count)
        sink.flush()
    }

    @Test func writesWithinTheFlushIntervalWithoutBeingAsked() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory, flushInterval: 0.05))
        defer { sink.close() }
        let events = (0..<10).map { Fixtures.event($0) }
        for event in events { sink.record(event) }
        #expect(Fixtures.eventually { directory.contents("api-calls.jsonl") == Fixtures.lines(events) })
    }

    @Test func cutsATornLastLineBeforeAppending() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let before = (0..<3).map { Fixtures.event($0) }
        let torn = Array(Fixtures.line(Fixtures.event(3)).prefix(57))
        try directory.write(Fixtures.lines(before) + torn, to: "api-calls.jsonl")
        let (_, tornSummary) = try LogReader(directory: directory.path).events()
        #expect(tornSummary.lines == 3)
        #expect(tornSummary.skipped == 1)

        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        let after = (4..<6).map { Fixtures.event($0) }
        for event in after { sink.record(event) }
        sink.close()
        #expect(directory.contents("api-calls.jsonl") == Fixtures.lines(before + after))
        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read == before + after)
        #expect(summary.skipped == 0)
    }

    @Test func cutsAFileThatIsOneTornLine() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        try directory.write(Array("{\"timestamp\":17".utf8), to: "api-calls.jsonl")
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        sink.record(Fixtures.event(1))
        sink.close()
        #expect(directory.contents("api-calls.jsonl") == Fixtures.line(Fixtures.event(1)))
    }

    @Test func flushedLinesSurviveATornWriteAndTheNextSinkRepairsIt() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let events = (0..<100).map { Fixtures.event($0) }
        let crashed = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        for event in events { crashed.record(event) }
        crashed.flush()
        // What a kill -9 in the middle of a write leaves: a line without its end.
        let handle = try #require(FileHandle(forWritingAtPath: directory.file("api-calls.jsonl")))
        handle.seekToEndOfFile()
        handle.write(Data(Fixtures.line(Fixtures.event(100)).prefix(80)))
        try handle.close()

        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read == events)
        #expect(summary.skipped == 1)

        crashed.close()
        let restarted = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        restarted.record(Fixtures.event(101))
        restarted.close()
        let (reread, resummary) = try LogReader(directory: directory.path).events()
        #expect(reread == events + [Fixtures.event(101)])
        #expect(resummary.skipped == 0)
    }

    @Test func finishesSealsInterruptedByACrash() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let first = (0..<50).map { Fixtures.event($0) }
        let second = (50..<80).map { Fixtures.event($0) }
        let active = (80..<90).map { Fixtures.event($0) }
        // Crashed after renaming the active segment, during compression (partial .tmp left).
        let firstKey = "api-calls-20260101T000000.000Z"
        try directory.write(Fixtures.lines(first), to: firstKey + ".jsonl")
        try directory.write(Array(Gzip.compress(Fixtures.lines(first)).prefix(100)), to: firstKey + ".jsonl.gz.tmp")
        // Crashed after renaming the compressed file into place, before deleting the plain one.
        let secondKey = "api-calls-20260101T000000.001Z"
        try directory.write(Fixtures.lines(second), to: secondKey + ".jsonl")
        try directory.write(Gzip.compress(Fixtures.lines(second)), to: secondKey + ".jsonl.gz")
        try directory.write(Fixtures.lines(active), to: "api-calls.jsonl")

        let before = try LogReader(directory: directory.path).events().0
        #expect(before == first + second + active)

        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory))
        sink.close()
        #expect(directory.sealedNames == [firstKey + ".jsonl.gz", secondKey + ".jsonl.gz"])
        for name in directory.sealedNames {
            #expect(try runTool(["gzip", "-t", directory.file(name)]).status == 0)
        }
        let (after, summary) = try LogReader(directory: directory.path).events()
        #expect(after == first + second + active)
        #expect(summary.skipped == 0 && summary.damagedSegments.isEmpty)
    }

    @Test func sealsTheActiveSegmentByAge() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(
            configuration: Fixtures.configuration(directory, flushInterval: 0.05, maxSegmentAge: 0.2))
        sink.record(Fixtures.event(1))
        #expect(Fixtures.eventually { directory.compressedNames.count == 1 })
        sink.record(Fixtures.event(2))
        sink.close()
        #expect(try LogReader(directory: directory.path).events().0 == [Fixtures.event(1), Fixtures.event(2)])
    }

    @Test func agesAReopenedSegmentFromItsFirstLine() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let old = Fixtures.event(1, timestamp: Fixtures.now - 7200)
        try directory.write(Fixtures.line(old), to: "api-calls.jsonl")
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory, maxSegmentAge: 3600))
        defer { sink.close() }
        #expect(Fixtures.eventually { directory.compressedNames.count == 1 })
    }

    @Test func reopensTheActiveSegmentWhenItIsDeleted() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory, flushInterval: 0.02))
        sink.record(Fixtures.event(1))
        sink.flush()
        try FileManager.default.removeItem(atPath: directory.file("api-calls.jsonl"))
        var index = 2
        let reappeared = Fixtures.eventually {
            sink.record(Fixtures.event(index))
            index += 1
            sink.flush()
            return !directory.contents("api-calls.jsonl").isEmpty
        }
        sink.close()
        #expect(reappeared)
        let read = try LogReader(directory: directory.path).events().0
        #expect(read.last == Fixtures.event(index - 1))
    }

    @Test func recreatesTheDirectoryWhenItIsDeleted() throws {
        let root = try LogTestDirectory()
        defer { root.remove() }
        let path = root.file("logs")
        let sink = try JSONLinesLogSink(
            configuration: LogSinkConfiguration(directory: path, flushInterval: 0.02, fsyncOnSeal: false))
        sink.record(Fixtures.event(1))
        sink.flush()
        // Moved away in one step: a recursive delete could race with the sink recreating it.
        try FileManager.default.moveItem(atPath: path, toPath: root.file("deleted"))
        var index = 2
        let reappeared = Fixtures.eventually {
            sink.record(Fixtures.event(index))
            index += 1
            sink.flush()
            return FileManager.default.fileExists(atPath: path + "/api-calls.jsonl")
        }
        sink.close()
        #expect(reappeared)
        #expect(try LogReader(directory: path).events().0.last == Fixtures.event(index - 1))
    }

    @Test func loseNothingFromEightConcurrentRecorders() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sink = try JSONLinesLogSink(configuration: Fixtures.configuration(directory, maxSegmentBytes: 256 << 10))
        let threads = 8
        let perThread = 2000
        let group = DispatchGroup()
        for thread in 0..<threads {
            group.enter()
            Thread {
                for index in 0..<perThread { sink.record(Fixtures.event(index, thread: thread)) }
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        sink.close()

        #expect(sink.eventsWritten == threads * perThread)
        #expect(sink.eventsDropped == 0)
        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read.count == threads * perThread)
        #expect(summary.skipped == 0)
        var next = [Int](repeating: 0, count: threads)
        var outOfOrder = 0
        for event in read {
            let parts = event.requestID.split(separator: "-")
            let thread = Int(parts[0].dropFirst())!
            if Int(parts[2])! != next[thread] { outOfOrder += 1 }
            next[thread] += 1
        }
        #expect(outOfOrder == 0)
        #expect(next == [Int](repeating: perThread, count: threads))
    }
}

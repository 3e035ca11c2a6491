import BulwarkCore
import BulwarkLogs
import Foundation
import Testing

@Suite struct LogReaderTests {
    typealias Fixtures = LogFixtures

    static func events(_ range: Range<Int>, timestamp: Double? = nil) -> [APICallMetric] {
        range.map { Fixtures.event($0, timestamp: timestamp) }
    }

    @Test func readsSealedSegmentsInSealOrderThenTheActiveOne() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        try directory.write(Fixtures.lines(Self.events(8..<10)), to: "api-calls.jsonl")
        try directory.write(
            Gzip.compress(Fixtures.lines(Self.events(6..<8))), to: "api-calls-20260101T100000.000Z.jsonl.gz")
        try directory.write(
            Gzip.compress(Fixtures.lines(Self.events(4..<6))), to: "api-calls-20260101T090000.000Z.jsonl.gz")
        try directory.write(Fixtures.lines(Self.events(2..<4)), to: "api-calls-20260101T000000.001Z.jsonl")
        try directory.write(
            Gzip.compress(Fixtures.lines(Self.events(0..<2))), to: "api-calls-20260101T000000.000Z.jsonl.gz")
        try directory.write(Array("unrelated\n".utf8), to: "notes.txt")
        try directory.write(Array("not a segment\n".utf8), to: "api-calls-20260231T000000.000Z.jsonl")

        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read == Self.events(0..<10))
        #expect(summary.lines == 10)
        #expect(summary.segments == 5)
        #expect(summary.skipped == 0)

        var lines: [[UInt8]] = []
        _ = try LogReader(directory: directory.path).forEachLine { lines.append($0) }
        #expect(lines == Self.events(0..<10).map { Array($0.jsonString.utf8) })
    }

    @Test func skipsAndCountsTornAndUnparseableLines() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        var bytes = Fixtures.line(Fixtures.event(0))
        bytes += Array("not json at all\n".utf8)
        bytes += Array("{\"level\":\"info\"}\n".utf8)
        bytes += Fixtures.line(Fixtures.event(1))
        bytes += [0, 0, 0, 0, 0x0A]
        bytes += Array(Fixtures.line(Fixtures.event(2)).prefix(40))
        try directory.write(bytes, to: "api-calls.jsonl")

        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read == [Fixtures.event(0), Fixtures.event(1)])
        #expect(summary.lines == 2)
        #expect(summary.skipped == 4)

        var lines = 0
        let lineSummary = try LogReader(directory: directory.path).forEachLine { _ in lines += 1 }
        #expect(lines == 3)  // the JSON object that is not an event is still a line
        #expect(lineSummary.skipped == 3)
    }

    @Test func skipsOverlongLinesInBoundedMemory() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        var bytes = Fixtures.line(Fixtures.event(0))
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 3 << 20) + [0x0A]
        bytes += Fixtures.line(Fixtures.event(1))
        try directory.write(bytes, to: "api-calls.jsonl")
        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read == [Fixtures.event(0), Fixtures.event(1)])
        #expect(summary.skipped == 1)
    }

    @Test func readsThePlainCopyOfAnInterruptedSealOnce() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let key = "api-calls-20260101T000000.000Z"
        let lines = Fixtures.lines(Self.events(0..<20))
        try directory.write(lines, to: key + ".jsonl")
        try directory.write(Array(Gzip.compress(lines).prefix(50)), to: key + ".jsonl.gz")
        try directory.write(Array(Gzip.compress(lines).prefix(30)), to: key + ".jsonl.gz.tmp")
        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read == Self.events(0..<20))
        #expect(summary.segments == 1)
        #expect(summary.damagedSegments.isEmpty)
    }

    @Test func reportsADamagedSegmentAfterReadingItsIntactLines() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let sealed = Self.events(0..<5000)
        let compressed = Gzip.compress(Fixtures.lines(sealed))
        let name = "api-calls-20260101T000000.000Z.jsonl.gz"
        try directory.write(Array(compressed.prefix(compressed.count * 6 / 10)), to: name)
        try directory.write(Fixtures.lines(Self.events(5000..<5002)), to: "api-calls.jsonl")

        let (read, summary) = try LogReader(directory: directory.path).events()
        let fromSealed = read.dropLast(2)
        #expect(fromSealed.count > 1000 && fromSealed.count < 5000)
        #expect(Array(fromSealed) == Array(sealed.prefix(fromSealed.count)))
        #expect(Array(read.suffix(2)) == Self.events(5000..<5002))
        #expect(summary.damagedSegments.count == 1)
        #expect(summary.damagedSegments.first?.code == .damagedSegment)
        #expect(summary.damagedSegments.first?.path == directory.file(name))
        #expect(summary.damagedSegments.first?.message.contains("truncated") == true)
    }

    @Test func replaysOnlyTheRecentWindow() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let now = Fixtures.now
        // Sealed long ago: skipped without being read, whatever it holds.
        try directory.write(
            Fixtures.lines(Self.events(0..<3, timestamp: now)), to: "api-calls-20200101T000000.000Z.jsonl.gz")
        let recent = "api-calls-\(Fixtures.stamp(now - 30)).jsonl"
        let tooOld = Fixtures.event(10, timestamp: now - 1000)
        let wanted = Fixtures.event(11, timestamp: now - 50)
        try directory.write(Fixtures.lines([tooOld, wanted]), to: recent)
        let current = Fixtures.event(12, timestamp: now - 1)
        try directory.write(Fixtures.line(current), to: "api-calls.jsonl")

        let (read, summary) = try LogReader(directory: directory.path).events(since: now - 100)
        #expect(read == [wanted, current])
        #expect(summary.segments == 2)
        #expect(summary.damagedSegments.isEmpty)
    }

    @Test func passesOnErrorsFromTheBody() throws {
        struct Stop: Error {}
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        try directory.write(Fixtures.lines(Self.events(0..<5)), to: "api-calls.jsonl")
        var seen = 0
        #expect(throws: Stop.self) {
            try LogReader(directory: directory.path).forEachLine { _ in
                seen += 1
                if seen == 2 { throw Stop() }
            }
        }
        #expect(seen == 2)
    }

    @Test func readsAnEmptyDirectory() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let (read, summary) = try LogReader(directory: directory.path).events()
        #expect(read.isEmpty)
        #expect(summary == LogReadSummary())
    }

    @Test func namesAMissingDirectory() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let missing = directory.file("missing")
        #expect {
            try LogReader(directory: missing).events()
        } throws: { error in
            guard let error = error as? LogError else { return false }
            return error.code == .directoryUnavailable && error.description.contains(missing)
        }
    }
}

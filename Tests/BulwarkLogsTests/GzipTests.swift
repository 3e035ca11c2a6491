import BulwarkCore
import BulwarkLogs
import Foundation
import Testing

@Suite struct GzipTests {
    /// Text that compresses like log lines, with some noise so it is not trivial.
    static func sample(bytes count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var result: [UInt8] = []
        result.reserveCapacity(count + 512)
        var index = 0
        while result.count < count {
            result += LogFixtures.line(LogFixtures.event(index))
            result += (0..<16).map { _ in UInt8.random(in: 0x21...0x7E, using: &generator) }
            index += 1
        }
        return Array(result.prefix(count))
    }

    @Test func roundTripsEmptyInput() throws {
        let compressed = Gzip.compress([])
        #expect(compressed.count >= 18)
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(compressed) == [])
    }

    @Test(arguments: [0, 1, 6, 9])
    func roundTripsAtEveryLevel(level: Int) throws {
        let input = Self.sample(bytes: 300_000)
        let compressed = Gzip.compress(input, level: level)
        if level > 0 { #expect(compressed.count < input.count) }
        #expect(try Gzip.decompress(compressed) == input)
    }

    @Test func roundTripsTenMegabytes() throws {
        let input = Self.sample(bytes: 10_000_000)
        #expect(try Gzip.decompress(Gzip.compress(input)) == input)
    }

    @Test func systemGzipReadsWhatItWrites() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let input = Self.sample(bytes: 10_000_000)
        try directory.write(Gzip.compress(input), to: "sample.gz")
        let result = try runTool(["gzip", "-dc", directory.file("sample.gz")])
        #expect(result.status == 0)
        #expect(result.output == input)
    }

    @Test func readsWhatSystemGzipWrites() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let input = Self.sample(bytes: 1_000_000)
        try directory.write(input, to: "sample")
        let result = try runTool(["gzip", "-c", directory.file("sample")])
        #expect(result.status == 0)
        #expect(try Gzip.decompress(result.output) == input)
    }

    @Test func readsConcatenatedMembers() throws {
        let first = Self.sample(bytes: 100_000)
        let second = Array("second member\n".utf8)
        let joined = Gzip.compress(first) + Gzip.compress([]) + Gzip.compress(second, level: 1)
        #expect(try Gzip.decompress(joined) == first + second)
    }

    @Test func reportsTruncatedData() throws {
        let compressed = Gzip.compress(Self.sample(bytes: 200_000))
        for cut in [1, 10, compressed.count / 2, compressed.count - 1] {
            #expect {
                try Gzip.decompress(Array(compressed.prefix(cut)))
            } throws: { ($0 as? GzipError)?.code == .truncated }
        }
        #expect { try Gzip.decompress([]) } throws: { ($0 as? GzipError)?.code == .truncated }
    }

    @Test func reportsCorruptData() throws {
        var compressed = Gzip.compress(Self.sample(bytes: 50_000))
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32 of the trailer
        #expect { try Gzip.decompress(compressed) } throws: { ($0 as? GzipError)?.code == .corrupt }
        #expect {
            try Gzip.decompress(Array("plain text, not gzip".utf8))
        } throws: { ($0 as? GzipError)?.code == .corrupt }
        let garbageAfterMember = Gzip.compress(Array("ok\n".utf8)) + Array("trailing garbage".utf8)
        #expect { try Gzip.decompress(garbageAfterMember) } throws: { ($0 as? GzipError)?.code == .corrupt }
    }

    @Test func refusesOutputBeyondTheLimit() throws {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 5_000_000), level: 9)
        #expect(bomb.count < 20_000)
        #expect {
            try Gzip.decompress(bomb, maxOutputBytes: 1_000_000)
        } throws: { ($0 as? GzipError)?.code == .outputLimitExceeded }
        #expect(try Gzip.decompress(bomb, maxOutputBytes: 5_000_000).count == 5_000_000)
    }

    @Test func compressesFilesThatSystemGzipAccepts() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let input = Self.sample(bytes: 3_000_000)
        try directory.write(input, to: "plain")
        try Gzip.compressFile(atPath: directory.file("plain"), toPath: directory.file("plain.gz"), synchronize: true)
        #expect(try runTool(["gzip", "-t", directory.file("plain.gz")]).status == 0)
        #expect(try runTool(["gzip", "-dc", directory.file("plain.gz")]).output == input)
        #expect(try Gzip.decompress(directory.contents("plain.gz")) == input)
    }

    @Test func writesGzipFilesFromPieces() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let input = Self.sample(bytes: 1_000_000)
        let writer = try GzipFileWriter(path: directory.file("pieces.gz"), level: 1)
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + 7_777)
            try writer.write(Array(input[offset..<end]))
            offset = end
        }
        try writer.finish()
        try writer.finish()
        #expect(try runTool(["gzip", "-dc", directory.file("pieces.gz")]).output == input)
    }

    @Test func namesTheFileThatCannotBeCompressed() throws {
        let directory = try LogTestDirectory()
        defer { directory.remove() }
        let missing = directory.file("missing")
        #expect {
            try Gzip.compressFile(atPath: missing, toPath: directory.file("out.gz"))
        } throws: { error in
            guard let error = error as? GzipError else { return false }
            return error.code == .io && error.path == missing && error.description.contains(missing)
        }
    }
}

import BulwarkFuzzTargets
import BulwarkTestSupport
import Foundation
import Testing

/// Every committed seed input and crash reproducer of `Fuzz/`, run through its harness: a fixed crash
/// stays fixed, and the seeds stay meaningful.
@Suite struct FuzzCorpusTests {
    static let root = Tools.packageRoot.appendingPathComponent("Fuzz")

    static func inputs(_ target: FuzzTarget, in folder: String) -> [URL] {
        let directory = root.appendingPathComponent("\(folder)/\(target.rawValue)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedCorpusRunsCleanly(_ target: FuzzTarget) throws {
        let seeds = Self.inputs(target, in: "corpus")
        #expect(seeds.count >= 3, "Fuzz/corpus/\(target.rawValue) needs seed inputs")
        for seed in seeds { target.run(Array(try Data(contentsOf: seed))) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func crashReproducersStayFixed(_ target: FuzzTarget) throws {
        for reproducer in Self.inputs(target, in: "regressions") { target.run(Array(try Data(contentsOf: reproducer))) }
    }
}

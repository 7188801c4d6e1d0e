import Foundation
import Testing
@testable import Collapse
import PerfData

@Suite struct FilterTests {
    static let folded = Array("""
        app;main.main;main.work;runtime.mallocgc 5
        app;main.main;main.work;main.hash 7
        app;main.main;runtime.gcAssistAlloc 2
        app;runtime.gcBgMarkWorker;runtime.gcDrain 3
        other;main.main;main.hash 1 4

        """.utf8)

    static func run(focus: [String] = [], ignore: [String] = [], hide: [String] = []) throws -> String {
        String(decoding: try FoldedFilter(focus: focus, ignore: ignore, hide: hide).apply(folded), as: UTF8.self)
    }

    @Test func focusKeepsStacksWithAMatchingFrame() throws {
        #expect(
            try Self.run(focus: ["hash$"]) == "app;main.main;main.work;main.hash 7\nother;main.main;main.hash 1 4\n")
    }

    @Test func ignoreDropsStacksWithAMatchingFrame() throws {
        #expect(try Self.run(ignore: ["^runtime\\.gc"]) == """
            app;main.main;main.work;main.hash 7
            app;main.main;main.work;runtime.mallocgc 5
            other;main.main;main.hash 1 4

            """)
    }

    @Test func hideRemovesFramesAndMergesStacks() throws {
        // main.work hidden: app;main.main;main.hash and ...;runtime.mallocgc stay; runtime.* hidden merges
        // into app;main.main.
        #expect(try Self.run(hide: ["main\\.work", "^runtime\\."]) == """
            app 3
            app;main.main 7
            app;main.main;main.hash 7
            other;main.main;main.hash 1 4

            """)
    }

    @Test func badPatternIsAClearError() {
        #expect(throws: FilterError.self) { try FoldedFilter(focus: ["("], ignore: [], hide: []) }
    }

    /// The time window keeps exactly the samples perf script prints inside it.
    @Test func timeWindowMatchesPerfScript() throws {
        let name = "go1.25-fp-mono.data"
        let script = try String(contentsOf: PerfDataCollapseTests.url(name + ".script.txt"), encoding: .utf8)
        // Sample header lines: "comm  tid seconds.micros:  period event:"
        var micros: [UInt64] = []
        for line in script.split(separator: "\n") where !line.hasPrefix("\t") {
            guard let colon = line.firstRange(of: ": ") else { continue }
            let t = line[..<colon.lowerBound].split(separator: " ").last!
            let parts = t.split(separator: ".")
            micros.append(UInt64(parts[0])! * 1_000_000 + UInt64(parts[1])!)
        }
        #expect(micros.count > 100)
        let sorted = micros.sorted()
        let a = sorted[sorted.count / 4], b = sorted[sorted.count * 3 / 4]
        let expected = micros.filter { $0 >= a && $0 <= b }.count
        let folded = try PerfDataCollapseTests.collapse(name) {
            $0.timeRange = (a * 1000)...(b * 1000 + 999)
            $0.weightByPeriod = false
        }
        var total = 0
        for line in folded.split(separator: "\n") { total += Int(line.split(separator: " ").last!)! }
        #expect(total == expected)
        #expect(expected < micros.count)
    }
}

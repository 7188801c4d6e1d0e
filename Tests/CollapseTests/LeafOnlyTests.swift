import Foundation
import Testing
@testable import Collapse
import PerfData

/// `--call-graph dwarf` samples folded without unwinding are leaf-only: said, not silent (issue 18).
@Suite struct LeafOnlyTests {
    static func warnings(_ name: String, asRecorded: Bool = false) throws -> [String] {
        var o = PerfCollapseOptions()
        o.recordedStacks = asRecorded
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.25").path]
        o.useRunningKernel = false
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/\(name)").path))
        return c.warnings.filter { $0.contains("recorded user stack") }
    }

    /// perf report -D shows a `ustack: size 1024` (the user stack dump) for each of the dwarf capture's 29 samples.
    @Test func dwarfCaptureIsWarned() throws {
        let report = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("perf/go1.25-dwarf.data.report-D.txt"), encoding: .utf8)
        let samples = report.components(separatedBy: "PERF_RECORD_SAMPLE").count - 1
        let stacks = report.components(separatedBy: "... ustack: size ").count - 1
        #expect(samples == 29 && stacks == samples)
        #expect(
            try Self.warnings("go1.25-dwarf.data", asRecorded: true) == [
                "\(stacks) of \(samples) samples have a recorded user stack (--call-graph dwarf) that was not unwound: "
                    + "their stacks stop at the leaf frame (--as-recorded turns unwinding off; otherwise the binaries were not found: pass --binaries DIR)"
            ])
        // Unwound (the binaries are found), the same samples are not leaf-only.
        #expect(try Self.warnings("go1.25-dwarf.data").isEmpty)
    }

    @Test(arguments: ["go1.25-fp-mono.data", "go1.25-system-wide.data"])
    func framePointerCapturesAreNot(_ name: String) throws {
        #expect(try Self.warnings(name).isEmpty)
    }
}

import Foundation
import PerfData
import Testing
import TestSupport

@testable import Collapse

/// A sample at an SPWRITE function's first instruction (`time.now`+0, `runtime.systemstack`+0), before it has
/// written SP or BP, is a frameless leaf like any other: BP is still its caller's caller's, so perf's walk
/// skipped its caller, and the frame-pointer repair names it (FramePointerRepair.swift, leafMaySkipCaller).
/// Fixtures: real `perf record -g` captures of the committed workload (Fixtures/perf, Go 1.27).
@Suite struct SPWriteEntryTests {
    static func folded(_ name: String) throws -> [(String, Int)] {
        var o = UnwindFixtures.options()
        o.weightByPeriod = false
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/\(name)").path))
        return String(decoding: c.folded(), as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let sp = line.lastIndex(of: " "), let n = Int(line[line.index(after: sp)...]) else { return nil }
            return (String(line[..<sp]), n)
        }
    }

    /// go1.27-fp-mono: every sample in `time.now` is under `time.Now;time.runtimeNow` (the one at `time.now`+0
    /// lost `runtime.Now` before: the only broken edge check-call-edges.py found in the repaired capture).
    @Test func timeNowAtItsEntry() throws {
        let stacks = try Self.folded("go1.27-fp-mono.data").filter { $0.0.hasSuffix(";time.now") }
        #expect(stacks.reduce(0) { $0 + $1.1 } >= 3)
        for (s, _) in stacks { #expect(s.hasSuffix("time.Now;time.runtimeNow;time.now"), "\(s)") }
    }

    /// go1.27-alloc-default-clock: `runtime.systemstack`+0 called by `(*mheap).alloc`, whose caller
    /// `(*mcentral).grow` perf's walk gave instead.
    @Test func systemstackAtItsEntry() throws {
        let stacks = try Self.folded("go1.27-alloc-default-clock.data")
        #expect(!stacks.contains { $0.0.hasSuffix("runtime.(*mcentral).grow;runtime.systemstack") })
        #expect(stacks.contains { $0.0.hasSuffix("runtime.(*mcentral).grow;runtime.(*mheap).alloc;runtime.systemstack") })
    }
}

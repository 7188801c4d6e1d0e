import Foundation
import PerfData
import Testing

@testable import Collapse

/// `-g` chains that perf's walk carried on past the Go root (`runtime.mstart` of sysmon, whose BP is stale):
/// the Go linker marks the root TOPFRAME and the runtime's unwinder stops there, so the stack-truth stage
/// cuts the chain after it (Sources/Collapse/Unwind/RootCut.swift). Fixture: Fixtures/unwind/go1.25-cpu-fp.data,
/// a real `perf record -g` capture whose sysmon samples run on into `[unknown]` and stale frames.
@Suite struct RootCutTests {
    /// Folded stacks (frames, root first after the process name) with their sample counts.
    static func stacks(recorded: Bool) throws -> [([Substring], Int)] {
        var o = UnwindFixtures.options()
        o.weightByPeriod = false
        o.recordedStacks = recorded
        var c = PerfCollapser(options: o)
        try c.collapse(try UnwindFixtures.data("go1.25-cpu-fp.data"))
        return String(decoding: c.folded(), as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let sp = line.lastIndex(of: " "), let n = Int(line[line.index(after: sp)...]) else { return nil }
            return (Array(line[..<sp].split(separator: ";").dropFirst()), n)
        }
    }

    /// Every sample with `runtime.mstart` in its stack has it as its root frame, as the runtime's traceback
    /// would show it; and as recorded, at least one did not (the fixture shows the fault).
    @Test func stacksEndAtMstart() throws {
        let repaired = try Self.stacks(recorded: false)
        let withRoot = repaired.filter { $0.0.contains("runtime.mstart") }
        #expect(withRoot.reduce(0) { $0 + $1.1 } >= 5)
        for (frames, _) in withRoot {
            #expect(frames.first == "runtime.mstart", "\(frames.joined(separator: ";"))")
        }
        let recorded = try Self.stacks(recorded: true).filter { $0.0.contains("runtime.mstart") }
        #expect(recorded.contains { $0.0.first != "runtime.mstart" })
    }

    /// Nothing else changes: the repaired profile minus the cut frames equals the one before the cut, sample
    /// for sample (the same number of samples; each cut stack's suffix from `runtime.mstart` on is kept).
    @Test func onlyFramesAboveTheRootGo() throws {
        let repaired = try Self.stacks(recorded: false)
        #expect(!repaired.contains { $0.0.contains("[unknown]") && $0.0.contains("runtime.mstart") })
        let recorded = try Self.stacks(recorded: true)
        #expect(repaired.reduce(0) { $0 + $1.1 } == recorded.reduce(0) { $0 + $1.1 })
    }
}

import Collapse
import Foundation
import PerfData
import Testing

/// The frame-pointer repair against a program whose stacks are known: Fixtures/leaves/main.go spends its
/// time in frameless functions reached through unique call paths of depths 1 to 4, through copy/clear
/// (runtime.memmove, memclrNoHeapPointers) and through a function value; its `expect` lines give each
/// leaf's stack. Recorded with `perf record -g` by Fixtures/generate-leaves.sh (commands in
/// Fixtures/leaves/commands.log).
@Suite struct LeafRepairTests {
    /// leaf function -> its stack, root first, from the program's source.
    static func expected() throws -> [String: String] {
        let source = try String(contentsOf: Paths.fixtures.appendingPathComponent("leaves/main.go"), encoding: .utf8)
        var out: [String: String] = [:]
        for line in source.split(separator: "\n") where line.hasPrefix("// expect ") {
            let rest = line.dropFirst("// expect ".count)
            let parts = rest.split(separator: ":", maxSplits: 1)
            out[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    /// Samples per user stack (kernel frames on top dropped), with the repair or as recorded.
    static func stacks(asRecorded: Bool) throws -> [String: Int] {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.25").path]
        o.useRunningKernel = false
        o.weightByPeriod = false
        o.recordedStacks = asRecorded
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/go1.25-leaves.data").path))
        var out: [String: Int] = [:]
        for line in String(decoding: c.folded(), as: UTF8.self).split(separator: "\n") {
            let space = line.lastIndex(of: " ")!
            var frames = line[..<space].split(separator: ";").dropFirst()  // the comm
            while let last = frames.last, last.hasPrefix("[[") { frames.removeLast() }  // kernel, unnamed here
            out[frames.joined(separator: ";"), default: 0] += Int(line[line.index(after: space)...])!
        }
        return out
    }

    @Test func everyLeafSampleHasItsProgramStack() throws {
        let expected = try Self.expected()
        #expect(expected.count == 6)
        var seen: [String: Int] = [:]
        for (stack, n) in try Self.stacks(asRecorded: false) {
            guard let leaf = stack.split(separator: ";").last.map(String.init), let want = expected[leaf] else { continue }
            #expect(stack == want, "\(n) samples in \(leaf)")
            seen[leaf, default: 0] += n
        }
        // Every path was sampled, enough to matter (2 s at 999 Hz).
        for leaf in expected.keys { #expect(seen[leaf, default: 0] >= 50, "\(leaf): \(seen[leaf, default: 0]) samples") }
    }

    /// The capture really has the gap: perf's own chains skip the leaves' callers.
    @Test func asRecordedTheCallersAreMissing() throws {
        let expected = try Self.expected()
        let recorded = try Self.stacks(asRecorded: true)
        for (leaf, want) in expected {
            let wrong = recorded.filter { $0.key.hasSuffix(";" + leaf) && $0.key != want }.values.reduce(0, +)
            #expect(wrong >= 50, "\(leaf): \(wrong) samples with another stack as recorded")
        }
        #expect(recorded["runtime.main;main.main;main.run;main.leafA"] ?? 0 >= 50)
    }
}

import Foundation
import Testing
@testable import Collapse

/// stackcollapse-perf.pl's --inline for perf script text (issue 21); compared with llvm-symbolizer by
/// scripts/cli/inline-check.py. Here: what the binaries add, and what is refused.
@Suite struct ScriptInlineTests {
    static func fold(_ lookup: ScriptInlineLookup?) throws -> String {
        let text = try Data(contentsOf: Paths.fixtures.appendingPathComponent("perf/go1.25-fp-mono.data.script.txt"))
        var c = ScriptTextCollapser(options: ScriptCollapseOptions())
        c.inlineLookup = lookup
        try text.withUnsafeBytes { try c.feed($0) }
        c.finish()
        return String(decoding: c.folded(), as: UTF8.self)
    }

    @Test func inlinedCallersComeBack() throws {
        let bin = Paths.fixtures.appendingPathComponent("bin/go1.25").path
        let lookup = ScriptInlineLookup(symfs: "/nonexistent", folders: [bin], context: false)
        let plain = try Self.fold(nil), inlined = try Self.fold(lookup)
        // main.rotate and main.mix are inlined into main.hashLoop: perf script names only hashLoop.
        #expect(!plain.contains("main.hashLoop;main.rotate"))
        #expect(inlined.contains("workload;runtime.goexit;main.hashLoop;main.rotate;main.mix "))
        #expect(lookup.warnings.isEmpty)
        // The same samples and weights, only more frames.
        func total(_ s: String) -> Int { s.split(separator: "\n").reduce(0) { $0 + Int($1.split(separator: " ").last!)! } }
        #expect(total(plain) == total(inlined))
        let context = try Self.fold(ScriptInlineLookup(symfs: "/nonexistent", folders: [bin], context: true))
        #expect(context.contains(";main.hashLoop:main.go:28;main.rotate:main.go:22;main.mix:main.go:19 "))
    }

    @Test func pathsFromTheTextAreConfined() throws {
        // The text names /work/main/Fixtures/bin/...: under a symfs root that lacks it, nothing is opened
        // outside the root, and the frames keep perf's names.
        let root = Paths.fixtures.appendingPathComponent("bin/go1.25").path
        let lookup = ScriptInlineLookup(symfs: root, folders: [], context: false)
        #expect(try Self.fold(lookup) == (try Self.fold(nil)))
        #expect(lookup.warnings.count == 1 && lookup.warnings[0].contains("binary not found"))
        #expect(lookup.image("/../../../../etc/passwd") == nil)
        #expect(!ScriptInlineLookup.eligible(Array("[kernel.kallsyms]".utf8)) && !ScriptInlineLookup.eligible(Array("/tmp/perf-123.map".utf8)))
    }
}

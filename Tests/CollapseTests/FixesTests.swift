import Foundation
import Testing
@testable import Collapse

/// Where the Perl script loses data, stackfold does what users need (see Inputs/fixes.txt).
@Suite struct FixesTests {
    static let inputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Inputs")

    func collapse(_ text: String, _ configure: (inout ScriptCollapseOptions) -> Void = { _ in }) throws -> String {
        var o = ScriptCollapseOptions()
        configure(&o)
        var c = ScriptTextCollapser(options: o)
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { try c.feed($0) }
        c.finish()
        return String(decoding: c.folded(), as: UTF8.self)
    }

    @Test func goGenericsCppTemplatesKernelModulesJitdumpOneLineSamples() throws {
        let input = try String(contentsOf: Self.inputs.appendingPathComponent("fixes.txt"), encoding: .utf8)
        let expected = try String(contentsOf: Self.inputs.appendingPathComponent("fixes-all.expected"), encoding: .utf8)
        let ours = try collapse(input) { $0.annotateKernel = true; $0.annotateJIT = true }
        #expect(ours == expected)
    }

    @Test func perlCompatibleModeKeepsThePerlFaults() throws {
        let input = try String(contentsOf: Self.inputs.appendingPathComponent("fixes.txt"), encoding: .utf8)
        let ours = try collapse(input) { $0.perlCompatible = true; $0.annotateKernel = true }
        #expect(ours.contains("main.apply[go.shape.func 250000"))   // cut at '('
        #expect(!ours.contains("prog;foo"))                           // one-line sample lost
        #expect(!ours.contains("goapp;net/http.(*conn).serve 250000")) // last sample lost
        #expect(ours.contains("kworker;net_rx_action;e1000_clean 250000")) // no _[k] for .ko / vmlinux-*
    }

    @Test func weightsByPeriodAndFiltersTheFirstEvent() throws {
        let text = """
        ab 1 1.0: 10 cycles: 
        \t 1 f (/x)

        ab 1 2.0: 5 instructions: 
        \t 1 g (/x)

        ab 1 3.0: 7 cycles: 
        \t 1 f (/x)

        """
        #expect(try collapse(text) == "ab;f 17\n")
        #expect(try collapse(text) { $0.eventFilter = "instructions" } == "ab;g 5\n")
    }

    @Test func malformedLinesAreCountedOrErrorsWhenStrict() throws {
        let text = "ab 1 1.0: 10 cycles: \n\t 1 f (/x)\n\tgarbage without module\n\n"
        var c = ScriptTextCollapser(options: ScriptCollapseOptions())
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { try c.feed($0) }
        c.finish()
        #expect(c.unrecognizedLines == 1)
        #expect(String(decoding: c.folded(), as: UTF8.self) == "ab;f 10\n")
        #expect(throws: CollapseError.self) {
            _ = try collapse(text) { $0.strict = true }
        }
    }

    @Test func outputIsDeterministic() throws {
        let input = try String(contentsOf: Self.inputs.appendingPathComponent("fixes.txt"), encoding: .utf8)
        let a = try collapse(input)
        let b = try collapse(input)
        #expect(a == b)
        let lines = a.split(separator: "\n").map(String.init)
        #expect(lines == lines.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }
}

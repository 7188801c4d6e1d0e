import Foundation
import Testing
import TestSupport
@testable import Collapse

/// One-line samples with right-aligned comms, in the `perf script -F` layouts of
/// Fixtures/script-layouts (generate-script-layouts.sh): folded as stackcollapse-perf.pl folds the same
/// capture printed with call chains cut to the leaf (`--max-stack 1`), which the Perl script can read.
@Suite struct ScriptLayoutTests {
    static let dir = Paths.fixtures.appendingPathComponent("script-layouts")
    static let layouts = ["default", "tid-event", "no-event", "time-no-event", "cpu-period-symoff"]

    static func collapse(_ text: Data, _ opt: String) throws -> (folded: [UInt8], unrecognized: Int) {
        var o = ScriptCollapseOptions()
        switch opt {
        case "pid": o.includePID = true
        case "tid": o.includeTID = true
        case "kernel": o.annotateKernel = true
        case "jit": o.annotateJIT = true
        default: break
        }
        var c = ScriptTextCollapser(options: o)
        try text.withUnsafeBytes { try c.feed($0) }
        c.finish()
        return (c.folded(), c.unrecognizedLines)
    }

    @Test(arguments: layouts)
    func oneLineSamplesFoldAsThePerlScriptFoldsTheirLeaves(_ layout: String) throws {
        let text = try zstdDecompress(Data(contentsOf: Self.dir.appendingPathComponent("\(layout).oneline.txt.zst")), name: layout)
        // Every line is a one-line sample with its comm right-aligned.
        #expect(text.first == 0x20)
        #expect(!text.contains(0x09))
        for opt in ["default", "pid", "tid", "kernel", "jit"] {
            let expected = try Data(contentsOf: Self.dir.appendingPathComponent("\(layout).collapsed-\(opt).txt"))
            let (ours, unrecognized) = try Self.collapse(text, opt)
            #expect(unrecognized == 0, "\(layout) --\(opt)")
            #expect(String(decoding: ours, as: UTF8.self) == String(decoding: expected, as: UTF8.self), "\(layout) --\(opt)")
        }
    }

    /// Each line stands alone: a sample is never read as the frames of the one before it.
    @Test func aRightAlignedLineIsNeverAFrameOfTheLineBefore() throws {
        let text = """
                       false 39654 19115.489719:          1 cycles:  7fa68b1f2d84 _dl_start+0x4 (/usr/lib/ld.so)
                       false 39654 19115.489720:          3 cycles:  7fa68b1f2d90 _dl_start+0x10 (/usr/lib/ld.so)
                          sh 39655 19115.489721:          5 cycles:  ffffffff8225a0d6 do_syscall_64+0x46 ([kernel.kallsyms])

        """
        let (ours, unrecognized) = try Self.collapse(Data(text.utf8), "default")
        #expect(String(decoding: ours, as: UTF8.self) == "false;_dl_start 4\nsh;do_syscall_64 5\n")
        #expect(unrecognized == 0)
    }

    /// A header that ends with its event still starts a multi-line sample, and the Perl mode is unchanged.
    @Test func multiLineSamplesAndPerlModeAreUnchanged() throws {
        let text = "ab 1 1.0: 10 cycles: \n\t 1 f (/x)\n\t 2 g (/x)\n\n"
        #expect(String(decoding: try Self.collapse(Data(text.utf8), "default").folded, as: UTF8.self) == "ab;g;f 10\n")
        var o = ScriptCollapseOptions()
        o.perlCompatible = true
        var c = ScriptTextCollapser(options: o)
        let oneLine = Array("ab 1 1.0: 10 cycles:  7f f (/x)\n\n".utf8)
        try oneLine.withUnsafeBytes { try c.feed($0) }
        c.finish()
        #expect(c.folded().isEmpty || !String(decoding: c.folded(), as: UTF8.self).contains("ab;f"))
    }
}

extension ScriptLayoutTests {
    /// `-F comm,pid,tid,time,event,ip,sym` prints frames without their dso, which the Perl script skips;
    /// stackfold folds them as the Perl script folds the same capture printed with `dso` too, except the
    /// names it makes from the dso (`[dd]` for an unknown symbol in dd): those are `[unknown]` here.
    @Test(arguments: ["oneline", "chains"])
    func framesWithoutTheirDSOFoldAsWithIt(_ form: String) throws {
        let text = try zstdDecompress(Data(contentsOf: Self.dir.appendingPathComponent("nodso.\(form).txt.zst")), name: form)
        let perl = try String(contentsOf: Self.dir.appendingPathComponent("nodso.\(form).perl-with-dso.txt"), encoding: .utf8)
        var expected: [String: UInt64] = [:]
        for line in perl.split(separator: "\n") {
            let sp = line.lastIndex(of: " ")!
            let frames = line[..<sp].split(separator: ";", omittingEmptySubsequences: false).enumerated().map { i, f in
                i > 0 && f.hasPrefix("[") && f.hasSuffix("]") ? "[unknown]" : String(f)
            }
            expected[frames.joined(separator: ";"), default: 0] += UInt64(line[line.index(after: sp)...])!
        }
        let (ours, unrecognized) = try Self.collapse(text, "default")
        #expect(unrecognized == 0)
        let rendered = expected.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\($0.key) \($0.value)\n" }.joined()
        #expect(String(decoding: ours, as: UTF8.self) == rendered)
        #expect(expected.count > 20)
    }
}

/// Rust names that perf versions without a Rust demangler print half-demangled, as inferno fixes them
/// (the cases of inferno's `fix_partially_demangled_rust_symbols` test); names without the hash stay.
@Suite struct PartlyDemangledRustTests {
    func fixed(_ s: String) -> String {
        var b = Array(s.utf8)
        ScriptTextCollapser(options: ScriptCollapseOptions()).fixPartlyDemangledRust(&b)
        return String(decoding: b, as: UTF8.self)
    }

    @Test func asInferno() {
        let cases = [
            ("std::sys::unix::fs::File::open::hb90e1c1c787080f0", "std::sys::unix::fs::File::open"),
            ("_$LT$std..fs..ReadDir$u20$as$u20$core..iter..traits..iterator..Iterator$GT$::next::hc14f1750ca79129b",
             "<std::fs::ReadDir as core::iter::traits::iterator::Iterator>::next"),
            ("rg::search_parallel::_$u7b$$u7b$closure$u7d$$u7d$::_$u7b$$u7b$closure$u7d$$u7d$::h6e849b55a66fcd85",
             "rg::search_parallel::_{{closure}}::_{{closure}}"),
            ("_$LT$$RF$std..fs..File$u20$as$u20$std..io..Read$GT$::read::h5d84059cf335c8e6", "<&std::fs::File as std::io::Read>::read"),
            ("std::sync::mpsc::shared::Packet$LT$T$GT$::recv::hfde2d9e28d13fd56", "std::sync::mpsc::shared::Packet<T>::recv"),
        ]
        for (input, expected) in cases { #expect(fixed(input) == expected) }
        for same in ["_ZN4testE", "_ZN3std2rt19lang_start_internal17h540c897fe52ba9c5E", "std::sys::unix::fs::File::open",
                     "<F as alloc::boxed::FnBox<A>>::call_box", "main.(*T).m", "runtime.mallocgc"] {
            #expect(fixed(same) == same)
        }
    }

    @Test func inAFold() throws {
        let text = "prog 1 1.0: 1 cycles: \n\t 1 _$LT$a..B$u20$as$u20$c..D$GT$::f::h0123456789abcdef+0x10 (/x)\n\n"
        var c = ScriptTextCollapser(options: ScriptCollapseOptions())
        let b = Array(text.utf8)
        try b.withUnsafeBytes { try c.feed($0) }
        c.finish()
        #expect(String(decoding: c.folded(), as: UTF8.self) == "prog;<a::B as c::D>::f 1\n")
    }
}

import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Collapse
import PerfData
import Symbolize

/// Kernel-module frames against perf script's own text (issue 18). This kernel loads no modules, so a real
/// kernel capture had frames moved into a crafted module map (Fixtures/generate-script-kmod.sh): perf 6.1
/// names them from the module's `.ko` under --symfs when it is there (kallsyms' module lines then unused),
/// else from kallsyms' `[foo]` lines, else `[unknown] ([foo])`.
@Suite struct ScriptKmodTests {
    static let dir = Paths.fixtures.appendingPathComponent("script-kmod")

    static func perfText(_ kallsyms: String, _ symfs: String) throws -> String {
        let name = "kmod.data.script-\(kallsyms)-\(symfs).txt"
        let data = try Data(contentsOf: dir.appendingPathComponent(name + ".zst"))
        return String(decoding: try zstdDecompress(data, name: name), as: UTF8.self)
    }

    static func options(_ kallsyms: String, symfs: String?) -> PerfCollapseOptions {
        var o = PerfCollapseOptions()
        o.binaries.symfs = symfs.map { dir.appendingPathComponent($0).path } ?? "/nonexistent"
        o.binaries.captureFolder = nil
        o.kallsyms = dir.appendingPathComponent("\(kallsyms).kallsyms").path
        o.useRunningKernel = false
        o.elfNames = true
        o.inlines = false
        o.recordedStacks = true
        o.maxStack = 127
        return o
    }

    static func script(_ kallsyms: String, symfs: String?) throws -> (text: String, warnings: [String]) {
        var w = PerfScriptWriter(options: options(kallsyms, symfs: symfs))
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(try PerfFile(file: try openInput(dir.appendingPathComponent("kmod.data.zst").path)), to: &out)
        return (String(decoding: out.take(), as: UTF8.self), w.warnings)
    }

    /// Each source of module symbols, as perf script names the frames with it; the perf text has the
    /// names the case is about, so the comparison covers them.
    @Test(arguments: [("mod", "symfs", " foo_leaf+0x"), ("base", "symfs", " foo_caller+0x"),
                      ("mod", "none", " kfoo_leaf+0x"), ("base", "none", " [unknown] ([foo])")])
    func moduleFramesEqualPerfScript(kallsyms: String, symfs: String, frame: String) throws {
        let theirs = try Self.perfText(kallsyms, symfs)
        #expect(theirs.contains(frame))
        #expect(theirs.contains("([foo])") && theirs.contains("([kernel.kallsyms])"))
        let ours = try Self.script(kallsyms, symfs: symfs == "none" ? nil : "symfs")
        let diff = PerfScriptTests.firstDifference(ours.text, theirs.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        #expect(diff == nil, "\(kallsyms)-\(symfs): \(diff ?? "")")
        // perf says nothing when neither names a module's frames; stackfold says what to pass, once.
        let said = ours.warnings.filter { $0.hasPrefix("kernel module frames of [foo] stay [unknown]: /lib/modules/") }
        #expect(said.count == (kallsyms == "base" && symfs == "none" ? 1 : 0), "\(ours.warnings)")
        #expect(said.allSatisfy { $0.contains("--symfs with a folder holding lib/modules/6.1.0-k18/kernel/drivers/misc/") })
    }

    /// A map of `foo.ko.gz`, `.ko.xz`, `.ko.zst`, `foo.o` with the compressed files under --symfs: perf 6.1
    /// decompresses the first two and names their frames; the others are not modules to it (the dso is their
    /// file name) and are not read.
    @Test(arguments: [("ko.gz", " foo_leaf+0x"), ("ko.xz", " foo_caller+0x"), ("ko.zst", " [unknown] (foo.ko.zst)"),
                      ("o", " [unknown] (foo.o)")])
    func compressedModulesAndOtherFiles(ext: String, frame: String) throws {
        let data = try Data(contentsOf: Self.dir.appendingPathComponent("kmod-\(ext).data.script.txt.zst"))
        let theirs = String(decoding: try zstdDecompress(data, name: ext), as: UTF8.self)
        #expect(theirs.contains(frame))
        var w = PerfScriptWriter(options: Self.options("base", symfs: "symfs-compressed"))
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(try PerfFile(file: try openInput(Self.dir.appendingPathComponent("kmod-\(ext).data.zst").path)), to: &out)
        let ours = String(decoding: out.take(), as: UTF8.self)
        let diff = PerfScriptTests.firstDifference(ours, theirs.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        #expect(diff == nil, "\(ext): \(diff ?? "")")
    }

    /// The `.ko`'s other code sections (`.init.text`, `.text.unlikely`) start at 0 of their own: they must
    /// not name addresses of `.text`, which perf maps at the module's start.
    @Test func moduleTextOnly() throws {
        let ko = Self.dir.appendingPathComponent("symfs/lib/modules/6.1.0-k18/kernel/drivers/misc/foo.ko").path
        let elf = try ELFFile(path: ko)
        #expect(elf.type == 1)
        #expect(elf.perfModuleTextSymbols.map { $0.name } == ["foo_leaf", "foo_caller"])
        #expect(elf.perfSymbol(at: 0x10, moduleText: true)?.name == "foo_leaf")
        #expect(elf.perfSymbol(at: 0x1e7, moduleText: true) == nil, "past .text's last symbol")
    }

    /// A module has no loadable segments to check: an object of another name in --binaries (the module
    /// renamed, or any other) is not taken for it; under the recorded name it is, as perf takes it under --symfs.
    @Test func moduleFoundOnlyByItsName() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-kmod-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let ko = Self.dir.appendingPathComponent("symfs/lib/modules/6.1.0-k18/kernel/drivers/misc/foo.ko")
        try FileManager.default.copyItem(at: ko, to: tmp.appendingPathComponent("bar.ko"))
        var o = Self.options("base", symfs: nil)
        o.binaries.searchDirs = [tmp.path]
        var w = PerfScriptWriter(options: o)
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(try PerfFile(file: try openInput(Self.dir.appendingPathComponent("kmod.data.zst").path)), to: &out)
        let text = String(decoding: out.take(), as: UTF8.self)
        #expect(!text.contains("foo_leaf") && text.contains("[unknown] ([foo])"))
        // Under its own name in --binaries, it is found there as perf finds it under --symfs.
        try FileManager.default.moveItem(at: tmp.appendingPathComponent("bar.ko"), to: tmp.appendingPathComponent("foo.ko"))
        var w2 = PerfScriptWriter(options: o)
        try w2.write(try PerfFile(file: try openInput(Self.dir.appendingPathComponent("kmod.data.zst").path)), to: &out)
        #expect(String(decoding: out.take(), as: UTF8.self) == (try Self.perfText("base", "symfs")))
    }
}

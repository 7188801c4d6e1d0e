import Foundation
import Testing
import TestSupport
@testable import Collapse
import BinaryIO
import PerfData

/// Records a fold cannot read or does not use are said, never dropped silently (issue 18). The captures
/// are go1.25-fp-default-clock.data with records changed by scripts/corners/perfcraft.py
/// (Fixtures/generate-corners.sh); perf 6.1's view of each (`perf report -D`, `perf script`) is committed
/// beside it.
@Suite struct SkippedRecordTests {
    static func path(_ name: String) -> String { Paths.fixtures.appendingPathComponent("corners/\(name)").path }

    static func perfText(_ name: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name + ".zst")))
        return String(decoding: try zstdDecompress(data, name: name), as: UTF8.self)
    }

    /// A crafted capture, read compressed as stackfold reads any input.
    static func open(_ name: String) throws -> PerfFile { try PerfFile(file: try openInput(path(name + ".zst"))) }

    static func fold(_ file: PerfFile) throws -> (folded: String, warnings: [String]) {
        try foldWithGo125Binaries(file) { $0.recordedStacks = true }
    }

    static func original() throws -> PerfFile {
        try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/go1.25-fp-default-clock.data").path)
    }

    /// The workload's MMAP2 cut to 40 bytes (perf report -D: `0x3be0 [0x28]: PERF_RECORD_MMAP2`, which perf
    /// itself reads past, into a nameless `---p` mapping). Its frames are [unknown] and one warning gives
    /// the count, the offset, and the samples after it with [unknown] frames: as many as perf script shows
    /// with a frame in no file.
    @Test func malformedMmap2IsCountedAndSaid() throws {
        let name = "go1.25-mmap2-cut.data"
        let dump = try Self.perfText(name + ".report-D.txt")
        #expect(dump.contains("0 0x3be0 [0x28]: PERF_RECORD_MMAP2 3515/3515: [0x400000(0xcc000) @ 0 "))
        let script = try Self.perfText(name + ".script.txt")
        let blocks = script.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(blocks.count == 298)
        let unnamed = blocks.filter { $0.contains(" [unknown] ()") || $0.contains("[unknown] ([unknown])") }.count
        #expect(unnamed > 200)
        let r = try Self.fold(try Self.open(name))
        #expect(!r.folded.contains("main."))
        #expect(
            r.warnings == [
                "\(Self.path(name)).zst: 1 malformed record skipped (MMAP2 ×1); the first, MMAP2 at offset 15328 (0x3be0): "
                    + "reading MMAP2.len: needed 8 bytes, only 0 left; frames in the mapping it described show as [unknown] "
                    + "(\(unnamed) of the 298 samples after it have [unknown] frames); the capture is damaged: record it again or copy it whole"
            ])
        // info counts it.
        let file = try Self.open(name)
        let summary = PerfFileSummary(file)
        #expect(summary.notes.malformed == [.mmap2: 1])
        #expect(
            file.describe(capturedOn: nil, summary: summary).contains(
                "\n# malformed records: 1 (MMAP2 ×1), skipped; the first: MMAP2 at offset 15328 (0x3be0): "))
        // script says it too.
        var w = PerfScriptWriter(options: PerfCollapseOptions())
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(file, to: &out)
        #expect(w.warnings.contains { $0.contains("1 malformed record skipped (MMAP2 ×1)") })
    }

    /// AUXTRACE_INFO (intel_bts), AUX and a 4096-byte AUXTRACE added: perf script prints what it printed
    /// for the original, and so does the fold, with one warning naming the AUX data.
    @Test func auxDataIsSaid() throws {
        let name = "go1.25-aux.data"
        let dump = try Self.perfText(name + ".report-D.txt")
        #expect(dump.contains("PERF_RECORD_AUXTRACE_INFO type: 2"))
        #expect(dump.contains("PERF_RECORD_AUXTRACE size: 0x1000 "))
        let original = try Self.perfText("source.script.txt")
        #expect(try Self.perfText(name + ".script.txt") == original)
        let r = try Self.fold(try Self.open(name))
        #expect(r.folded == (try Self.fold(try Self.original())).folded)
        #expect(
            r.warnings == [
                "this capture holds 4096 bytes of AUX area trace data (intel_bts) in 1 AUXTRACE records; stackfold folds "
                    + "only sampled stacks and does not decode it: use perf script --itrace (e.g. --itrace=i100us) for its samples"
            ])
        let file = try Self.open(name)
        #expect(file.describe(capturedOn: nil, summary: PerfFileSummary(file)).contains(
            "\n# AUX area trace data (intel_bts): 4096 bytes in 1 AUXTRACE records, 1 AUX records; not folded"))
        #expect(try Self.fold(try Self.original()).warnings.isEmpty)
    }

    /// Every sample given an LBR call stack (perf report -D: 298 `branch callstack` lines; perf script
    /// builds the same stacks from them): the fold, from the callchains, is the original's, and one
    /// warning says LBR stacks were not read.
    @Test func lbrCallStacksAreSaid() throws {
        let name = "go1.25-lbr.data"
        let dump = try Self.perfText(name + ".report-D.txt")
        #expect(dump.components(separatedBy: "... branch callstack: nr:").count - 1 == 298)
        let original = try Self.perfText("source.script.txt")
        #expect(try Self.perfText(name + ".script.txt") == original)
        let r = try Self.fold(try Self.open(name))
        #expect(r.folded == (try Self.fold(try Self.original())).folded)
        #expect(r.warnings.count == 1)
        #expect(
            r.warnings.first?.hasPrefix(
                "298 samples (cpu-clock) carry LBR call stacks (--call-graph lbr), which stackfold does not read")
                == true)
        let file = try Self.open(name)
        #expect(
            file.describe(capturedOn: nil, summary: PerfFileSummary(file)).contains(
                "\n# LBR call stacks: 298 samples (cpu-clock); not folded"))
    }
}

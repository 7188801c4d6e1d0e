import BinaryIO
import Foundation
import Testing
@testable import Collapse
import PerfData

/// The first perf.data header ("PERFFILE"), which perf 6.1 still reads (util/header.c: the byte order from
/// attr_size, a 72-byte header without features): go1.25-fp-default-clock.data rewritten by
/// scripts/corners/perfcraft.py (Fixtures/generate-corners.sh), with perf's view of each.
@Suite struct LegacyHeaderTests {
    static func open(_ name: String) throws -> PerfFile { try SkippedRecordTests.open(name) }

    /// perf script text with kernel and vdso frames unnamed: without build-ids perf took this machine's
    /// kallsyms and vdso.
    static func unnamed(_ text: String) -> String {
        GroupReadTests.unnamedKernel(text).split(separator: "\n", omittingEmptySubsequences: false)
            .map(PerfScriptTests.withoutVDSONames).joined(separator: "\n")
    }

    /// perf reads both (298 samples, and the source's perf script text, kernel and vdso frames aside);
    /// stackfold reads them as the source: the same fold,
    /// and script text equal to perf's.
    @Test(arguments: ["go1.25-v1.data", "go1.25-v1-72.data"]) func readAsPerfReadsIt(_ name: String) throws {
        #expect(try SkippedRecordTests.perfText(name + ".report-D.txt").contains("SAMPLE events:        298\n"))
        let perf = Self.unnamed(try SkippedRecordTests.perfText(name + ".script.txt"))
        #expect(perf == Self.unnamed(try SkippedRecordTests.perfText("source.script.txt")))
        let file = try Self.open(name)
        #expect(file.isLegacy)
        #expect(file.headerSize == (name.contains("72") ? 72 : 104))
        #expect(file.featureBits.isEmpty == name.contains("72"))
        #expect(
            try SkippedRecordTests.fold(file).folded
                == (try SkippedRecordTests.fold(try SkippedRecordTests.original())).folded)
        let ours = try PerfScriptTests.script(name, file: try Self.open(name)) {
            $0.elfNames = true
            $0.inlines = false
            $0.recordedStacks = true
        }
        #expect(Self.unnamed(ours.text) == perf)
        #expect(PerfFileSummary(file).samples == 298)
    }

    /// A "PERFFILE" header whose attr_size is no ABI's size in either byte order: an error naming it.
    @Test func unknownAttrSizeIsAnError() throws {
        let source = try openInput(SkippedRecordTests.path("go1.25-v1.data.zst"))
        var bytes = Array(source.bytes)
        bytes[16] = 144
        let file = MappedFile(path: "v1-bad", copying: bytes)
        #expect(throws: PerfDataError.self) { try PerfFile(file: file) }
        do { _ = try PerfFile(file: file) } catch {
            #expect(error.description.contains("attr_size 144"))
        }
    }

    /// Without hostname and osrelease, this machine's kallsyms is not assumed: the kernel frames stay
    /// unnamed, and a warning says why.
    @Test func noHostKnownIsSaid() throws {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.25").path]
        var c = PerfCollapser(options: o)
        try c.collapse(try Self.open("go1.25-v1-72.data"))
        #expect(
            c.warnings.contains {
                $0.hasPrefix("kernel frames stay [unknown]: the capture does not record its host and kernel")
            })
    }
}

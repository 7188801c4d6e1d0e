import Foundation
import Testing
@testable import Collapse
import PerfData
import Symbolize

/// Which binary names a capture's frames, and saying so when none does (issue 18).
@Suite struct BinaryIdentityTests {
    static func url(_ name: String) -> URL { Paths.fixtures.appendingPathComponent("perf/\(name)") }

    static func fold(_ name: String, _ configure: (inout PerfCollapseOptions) -> Void) throws -> (
        folded: String, warnings: [String]
    ) {
        var o = PerfCollapseOptions()
        // Not at the recorded path (/work/main/Fixtures/bin/...), not in ~/.debug: only where a test says.
        o.binaries.symfs = "/nonexistent"
        o.useRunningKernel = false
        configure(&o)
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: url(name).path))
        return (String(decoding: c.folded(), as: UTF8.self), c.warnings.filter { !$0.hasPrefix("kernel frames") })
    }

    /// perf script's samples, and how many of them have a frame in `dso`.
    static func perfScriptShare(_ name: String, dso: String) throws -> (withDSO: Int, all: Int) {
        let text = try String(contentsOf: url(name + ".script.txt"), encoding: .utf8)
        let blocks = text.components(separatedBy: "\n\n").filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        return (blocks.filter { $0.contains("(\(dso))\n") || $0.hasSuffix("(\(dso))") }.count, blocks.count)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-binid-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// A binary found nowhere: one warning with the recorded path, build-id (as `perf buildid-list` prints
    /// it), and the samples it leaves unnamed, counted as perf script shows them.
    @Test(arguments: ["go1.25-fp-mono.data", "go1.25-system-wide.data", "go1.21-fp-mono.data"])
    func missingBinaryIsWarnedWithItsShare(_ name: String) throws {
        let version = String(name.dropFirst(2).prefix(4))
        let dso = "/work/main/Fixtures/bin/go\(version)/workload"
        let r = try Self.fold(name) { _ in }
        let share = try Self.perfScriptShare(name, dso: dso)
        #expect(share.withDSO > 0)
        let id = version == "1.25" ? "build-id e36743a4395ef50425a2e7612f66d554dabe440b" : "no build-id recorded"
        let pct = String(format: "%.1f", Double(share.withDSO) * 100 / Double(share.all))
        #expect(
            r.warnings == [
                "\(dso) (\(id)): no matching binary found; \(share.withDSO) of \(share.all) samples (\(pct) %) "
                    + "have its frames unnamed ([workload]); pass --binaries with the binary or its folder"
            ])
        #expect(!r.folded.contains("main."))
    }

    /// Found binaries give no such warning.
    @Test func foundBinaryIsNotWarned() throws {
        let r = try Self.fold("go1.25-fp-mono.data") {
            $0.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.25").path]
        }
        #expect(r.warnings.isEmpty)
        #expect(r.folded.contains("main."))
    }

    /// `--binaries` given the binary itself, not a folder.
    @Test(arguments: ["go1.25-fp-mono.data", "go1.21-fp-mono.data"])
    func binaryGivenAsAFile(_ name: String) throws {
        let version = String(name.dropFirst(2).prefix(4))
        let bin = Paths.fixtures.appendingPathComponent("bin/go\(version)/workload").path
        let byFile = try Self.fold(name) { $0.binaries.searchDirs = [bin] }
        let byFolder = try Self.fold(name) {
            $0.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go\(version)").path]
        }
        #expect(byFile.warnings.isEmpty)
        #expect(byFile.folded.contains("main.hashLoop"))
        #expect(byFile.folded == byFolder.folded)
    }

    /// The capture's own folder is searched: a copy of perf.data with its binary beside it, as taken off a host.
    @Test func captureFolderIsSearched() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            at: Self.url("go1.21-fp-mono.data"), to: dir.appendingPathComponent("perf.data"))
        try FileManager.default.copyItem(
            at: Paths.fixtures.appendingPathComponent("bin/go1.21/workload"), to: dir.appendingPathComponent("workload")
        )
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.useRunningKernel = false
        o.binaries.captureFolder = dir.path
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: dir.appendingPathComponent("perf.data").path))
        let folded = String(decoding: c.folded(), as: UTF8.self)
        let reference = try Self.fold("go1.21-fp-mono.data") {
            $0.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.21").path]
        }
        #expect(folded == reference.folded)
        #expect(c.warnings.filter { !$0.hasPrefix("kernel frames") }.isEmpty)
    }

    /// Go 1.21 writes no GNU build-id: another program renamed to the recorded name is refused by its
    /// segments (the capture's mapping, `perf report -D`: 0xa6000 bytes at offset 0; readelf -l of the
    /// go1.22 build: its text is longer), and the right binary under another name is found by them.
    @Test func binaryWithoutBuildIDIsCheckedByLayout() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wrong = dir.appendingPathComponent("wrong"), renamed = dir.appendingPathComponent("renamed")
        try FileManager.default.createDirectory(at: wrong, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: renamed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Paths.fixtures.appendingPathComponent("bin/go1.22/workload"),
            to: wrong.appendingPathComponent("workload"))
        try FileManager.default.copyItem(
            at: Paths.fixtures.appendingPathComponent("bin/go1.21/workload"),
            to: renamed.appendingPathComponent("app-v1"))

        let refused = try Self.fold("go1.21-fp-mono.data") { $0.binaries.searchDirs = [wrong.path] }
        #expect(!refused.folded.contains("main."))
        let path = wrong.appendingPathComponent("workload").path
        #expect(
            refused.warnings.first == "\(path): its loadable segments do not match the capture's mapping of "
                + "/work/main/Fixtures/bin/go1.21/workload (0xa6000 bytes at file offset 0x0); another build or program, not used"
        )
        #expect(refused.warnings.count == 2)
        #expect(
            refused.warnings.last?.contains("no matching binary found; refused \(path); 298 of 298 samples") == true)

        let found = try Self.fold("go1.21-fp-mono.data") { $0.binaries.searchDirs = [renamed.path] }
        let reference = try Self.fold("go1.21-fp-mono.data") {
            $0.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.21").path]
        }
        #expect(found.warnings.isEmpty)
        #expect(found.folded == reference.folded)
    }

    /// The layout check against every Go build of the fixtures, with each capture's mappings of its binary
    /// as `perf report -D` prints them: each build fits its own capture only (their text lengths differ).
    @Test func layoutFitsOnlyItsOwnBuild() throws {
        let versions = ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
        for v in versions {
            let report = try String(contentsOf: Self.url("go\(v)-fp-mono.data.report-D.txt"), encoding: .utf8)
            // `PERF_RECORD_MMAP2 3123/3123: [0x400000(0xa6000) @ 0 fe:00 … ]: r-xp /…/workload`
            var maps: [Mapping] = []
            for line in report.split(separator: "\n")
            where line.contains("PERF_RECORD_MMAP2") && line.hasSuffix("go\(v)/workload") {
                let inside = line[line.range(of: ": [0x")!.upperBound...]
                let start = UInt64(inside.prefix { $0 != "(" }, radix: 16)!
                let length = UInt64(inside.drop { $0 != "(" }.dropFirst(3).prefix { $0 != ")" }, radix: 16)!
                let offset = inside[inside.range(of: " @ ")!.upperBound...].prefix { $0 != " " }
                let pgoff = offset.hasPrefix("0x") ? UInt64(offset.dropFirst(2), radix: 16)! : UInt64(offset)!
                maps.append(
                    Mapping(
                        start: start, end: start + length, pageOffset: pgoff,
                        filename: String(line.split(separator: " ").last!)))
            }
            #expect(!maps.isEmpty)
            for w in versions {
                let elf = try ELFFile(path: Paths.fixtures.appendingPathComponent("bin/go\(w)/workload").path)
                #expect(
                    maps.allSatisfy { PerfCollapser.layoutFits(elf, $0) } == (v == w), "capture go\(v), binary go\(w)")
            }
        }
    }
}

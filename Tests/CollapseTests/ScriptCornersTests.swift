import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Collapse
import PerfData
import Symbolize

/// `script --elf-names --no-inline` against perf script's own text where perf names frames its own way
/// (issue 18): JIT code by /tmp/perf-PID.map, a zero-size symbol and a label, return addresses just past a
/// symbol, callchains cut at --max-stack, pipe-mode event names. One real capture of
/// Fixtures/script-corners/corners.c (Fixtures/generate-script-corners.sh); its perf map lies beside it.
@Suite struct ScriptCornersTests {
    static let dir = Paths.fixtures.appendingPathComponent("script-corners")

    // libc is not in the repository: its frames are compared as stackfold names them without it.
    static func perfText(_ name: String) throws -> [String] {
        try CFixtureScript.perfText(dir, name, absent: [".so.6)"])
    }

    static func script(_ name: String, maxStack: Int? = 127, captureFolder: String? = dir.path) throws
        -> (text: String, warnings: [String])
    {
        try CFixtureScript.script(dir, name, maxStack: maxStack, captureFolder: captureFolder)
    }

    static func expectEqual(_ ours: String, _ theirs: [String], _ name: String) {
        let diff = PerfScriptTests.firstDifference(ours, theirs)
        #expect(diff == nil, "\(name): \(diff ?? "")")
    }

    /// perf script's default --max-stack (127 where it was made) and every corner's name.
    @Test func cornersEqualPerfScript() throws {
        let theirs = try Self.perfText("corners.data.script.txt")
        let ours = try Self.script("corners.data")
        Self.expectEqual(ours.text, theirs, "corners.data")
        // The corners are there: each line below is perf's, so the comparison covers it.
        for frame in [" jit_leaf+0x7 (/tmp/perf-", " jit caller [JIT] tier1+0x9 (/tmp/perf-", " [unknown] (/tmp/perf-",
                      " zerosize+0x7 (", " zerosize_loop+0x1 (", " after_next+0x0 (", " recurse+0x0 ("] {
            #expect(theirs.contains { $0.contains(frame) }, "perf's text has \(frame)")
        }
        // Some chains were recorded deeper than 127 (kernel.perf_event_max_stack 512) and cut.
        let cut = ours.warnings.first { $0.contains("--max-stack 127") }
        #expect(cut != nil, "\(ours.warnings)")
        let all = try Self.script("corners.data", maxStack: nil).text
        #expect(all.split(separator: "\n").count > ours.text.split(separator: "\n").count)
    }

    @Test func maxStackTwentyEqualsPerfScript() throws {
        let theirs = try Self.perfText("corners.data.script-max-stack-20.txt")
        let ours = try Self.script("corners.data", maxStack: 20)
        Self.expectEqual(ours.text, theirs, "--max-stack 20")
        #expect(ours.warnings.contains { $0.contains("--max-stack 20") })
    }

    /// Pipe mode with named events (`cpu-clock:u`, `task-clock/name=mytask/`).
    @Test func pipeModeEventNames() throws {
        let theirs = try Self.perfText("corners-pipe.data.script.txt")
        #expect(theirs.contains { $0.hasSuffix(" mytask: ") } && theirs.contains { $0.hasSuffix(" cpu-clock:u: ") })
        Self.expectEqual(try Self.script("corners-pipe.data").text, theirs, "corners-pipe.data")
    }

    /// Without the map (not beside the capture, no --symfs holding it), JIT frames stay perf's
    /// `[unknown] (/tmp/perf-PID.map)` and a warning says which file to copy where.
    @Test func missingPerfMapIsSaid() throws {
        let r = try Self.script("corners.data", captureFolder: nil)
        #expect(!r.text.contains("jit_leaf"))
        #expect(r.text.contains("[unknown] (/tmp/perf-"))
        #expect(r.warnings.contains { $0.contains(".map: JIT symbol file not found") && $0.contains("copy it beside the capture") })
    }

    /// `collapse --elf-names` names JIT, zero-size and label frames as stackcollapse-perf.pl folds perf
    /// script's text; only the chains perf script cut at 127 differ (collapse does not cut), and they are
    /// compared cut.
    @Test func collapseEqualsPerlFoldOfPerfScript() throws {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/c").path]
        o.binaries.captureFolder = Self.dir.path
        o.useRunningKernel = false
        o.elfNames = true
        o.recordedStacks = true
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(file: try openInput(Self.dir.appendingPathComponent("corners.data.zst").path)))
        // A chain of more than 127 entries, cut to its innermost 127 below the comm, as perf script cuts it.
        var cut: [String: UInt64] = [:]
        var deep = 0
        for line in String(decoding: c.folded(), as: UTF8.self).split(separator: "\n") {
            let sp = line.lastIndex(of: " ")!
            var frames = line[..<sp].split(separator: ";").map(String.init)
            if frames.count - 1 > 127 {
                frames = [frames[0]] + frames.suffix(127)
                deep += 1
            }
            cut[frames.joined(separator: ";"), default: 0] += UInt64(line[line.index(after: sp)...])!
        }
        let ours = cut.map { "\($0.key) \($0.value)" }.sorted()
        let perl = try String(contentsOf: Self.dir.appendingPathComponent("corners.data.collapsed-pl.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(deep > 0)
        #expect(ours == perl)
        #expect(perl.contains { $0.contains(";jit caller [JIT] tier1;jit_leaf ") } && perl.contains { $0.contains(";zerosize_loop ") })
    }

    /// The map is the JIT's file, hostile like any input: a FIFO in its place is refused (not waited on),
    /// and a --symfs path leading out of its root (a symlink to /etc) is not followed.
    @Test func perfMapOnlyARegularFileInsideItsRoot() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-jit-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: tmp.appendingPathComponent("root/tmp"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let perf = try Self.perfText("corners.data.script.txt")
        let line = perf.first { $0.contains("(/tmp/perf-") }!
        let name = String(line[line.range(of: "(/tmp/")!.upperBound...].prefix { $0 != ")" })  // perf-PID.map
        #expect(mkfifo(tmp.appendingPathComponent(name).path, 0o600) == 0)
        let fifo = try Self.script("corners.data", captureFolder: tmp.path)
        #expect(!fifo.text.contains("jit_leaf"))
        #expect(fifo.warnings.contains { $0.contains("not a regular file") && $0.contains("JIT frames of /tmp/\(name) stay [unknown]") })
        try FileManager.default.createSymbolicLink(atPath: tmp.appendingPathComponent("root/tmp/\(name)").path,
                                                   withDestinationPath: "/etc/passwd")
        var o = PerfCollapseOptions()
        o.binaries.symfs = tmp.appendingPathComponent("root").path
        let c = PerfCollapser(options: o)
        #expect(c.perfMapCandidates("/tmp/\(name)") == [])
    }

    /// perf's reading of a map line (dso__load_perf_map): strtoull numbers, names of 3 bytes or more, the
    /// last byte of a last line without a newline dropped.
    @Test func perfMapLinesAsPerfReadsThem() throws {
        let text = "10 8 alpha\n0x40 0x10 with 0x prefix\n  80 10 spaced\n90 10 ab\nzz\n100 0 empty\nffffffffffffffffff 0 big\n200 10 last!"
        let map = PerfMap(file: MappedFile(path: "t.map", copying: Array(text.utf8)))
        func name(_ a: UInt64) -> String? { map.entry(at: a).map { map.name(of: $0) } }
        #expect(name(0x10) == "alpha" && name(0x17) == "alpha" && name(0x18) == nil)
        #expect(name(0x4f) == "with 0x prefix")
        #expect(name(0x80) == "spaced")
        #expect(name(0x90) == nil, "a 2-byte name is skipped")
        #expect(name(0x100) == "empty" && name(0x101) == nil, "size 0 holds its start only")
        #expect(name(.max) == "big", "saturated as strtoull saturates")
        #expect(name(0x200) == "last", "perf drops a last byte it takes for the newline")
        #expect(map.entries.count == 6)
    }
}

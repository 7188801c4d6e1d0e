import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Collapse
import PerfData
import Symbolize

/// Captures crafted at one field each (issue 22; Fixtures/hostile, made by Fixtures/generate-hostile.sh
/// with scripts/hostile/perfgen.py): each is folded within seconds, never read outside its root, and
/// a name in it cannot forge folded lines.
@Suite struct HostileInputTests {
    static func path(_ name: String) -> String {
        Paths.fixtures.appendingPathComponent("hostile").appendingPathComponent(name).path
    }

    static func collapse(_ name: String, _ configure: (inout PerfCollapseOptions) -> Void = { _ in }) throws -> (
        folded: String, warnings: [String]
    ) {
        var o = PerfCollapseOptions()
        o.useRunningKernel = false
        configure(&o)
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: path(name)))
        return (String(decoding: c.folded(), as: UTF8.self), c.warnings)
    }

    /// Mappings of /dev/zero and /dev/tty: not opened as binaries (one reads without end, the other
    /// waits on the terminal); their frames stay unnamed. perf counts /dev/zero as anonymous memory and
    /// names it after the process's JIT map (`perf script`: `[unknown] (/tmp/perf-100.map)`); the map is not
    /// looked for here (--symfs elsewhere).
    @Test(arguments: ["zero", "tty"]) func deviceMappingsAreNotRead(_ dev: String) throws {
        let start = ThreadCPUClock()
        let r = try Self.collapse("mmap-dev-\(dev).data") { $0.binaries.symfs = "/nonexistent" }
        let name = dev == "zero" ? "perf-100.map" : dev
        #expect(r.folded == "work;[\(name)];[\(name)] 12000000\n")
        #expect(start.seconds < 10)
    }

    /// A mapping named `/../../../../../../../../tmp/stackfold-hostile-outside/secret` under --symfs: the
    /// name is normalised inside the root (where nothing is), so the file outside is never a candidate.
    @Test func recordedNameStaysInsideSymfs() throws {
        let fm = FileManager.default
        let d = fm.temporaryDirectory.appendingPathComponent("stackfold-symfs-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: d + "/root/usr/bin", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: d) }
        var locator = SymbolSources.Options()
        locator.symfs = d + "/root"
        let name = "/../../../../../../../../tmp/stackfold-hostile-outside/secret"
        #expect(locator.candidates(path: name, buildID: nil).isEmpty)
        // Once the file exists inside the root under the normalised name, that copy is the one found.
        try fm.createDirectory(atPath: d + "/root/tmp/stackfold-hostile-outside", withIntermediateDirectories: true)
        try fm.copyItem(
            atPath: Paths.fixtures.appendingPathComponent("bin/c/cwork").path,
            toPath: d + "/root/tmp/stackfold-hostile-outside/secret")
        #expect(locator.candidates(path: name, buildID: nil) == [d + "/root/tmp/stackfold-hostile-outside/secret"])
        // A symlink in the root leading out of it is not followed.
        try fm.createSymbolicLink(
            atPath: d + "/root/usr/bin/work",
            withDestinationPath: Paths.fixtures.appendingPathComponent("bin/c/cwork").path)
        #expect(locator.candidates(path: "/usr/bin/work", buildID: nil).isEmpty)
        #expect(locator.candidates(path: "/usr/bin/work", buildID: "../../../etc").isEmpty)
        let r = try Self.collapse("mmap-escape.data") { $0.binaries.symfs = d + "/nothing-here" }
        #expect(r.folded == "work;[secret];[secret] 12000000\n")
    }

    /// A comm of `\nEVIL\t99999999\n` (15 bytes, as prctl(PR_SET_NAME) allows): one folded line, its
    /// controls escaped, no forged `EVIL 99999999` line; the flame graph cannot be given a fake root.
    @Test func commCannotSplitFoldedLines() throws {
        let r = try Self.collapse("comm-newline.data")
        #expect(r.folded == "\\x0aEVIL\\x0999999999\\x0a;[work];[work] 12000000\n")
        #expect(r.folded.split(separator: "\n").count == 1)
    }

    /// A comm holding an OSC window title, a clear screen and a C1 CSI: written as `\x1b…`, and its `;`
    /// as `:` (a frame separator in folded text), both in collapse and in script.
    @Test func terminalEscapesAreEscaped() throws {
        let r = try Self.collapse("comm-escape.data")
        #expect(r.folded == "\\x1b]0:pwn\\x07\\x1b[2J\\x9b;[work];[work] 12000000\n")
        var o = PerfCollapseOptions()
        o.useRunningKernel = false
        var w = PerfScriptWriter(options: o)
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(try PerfFile(path: Self.path("comm-escape.data")), to: &out)
        let text = String(decoding: out.take(), as: UTF8.self)
        #expect(text.hasPrefix("\\x1b]0;pwn\\x07\\x1b[2J\\x9b   100 "), "\(text)")
        #expect(!text.utf8.contains(0x1b) && !text.unicodeScalars.contains("\u{9b}"))
    }

    /// A pipe-mode capture cut before its first sample (Fixtures/go1.25-pipe.data up to that record):
    /// warned, not folded to nothing in silence (`collapse` fails with the same message); the whole
    /// capture is not warned.
    @Test func pipeCutBeforeItsFirstSample() throws {
        let r = try Self.collapse("pipe-cut-before-sample.data")
        #expect(r.folded.isEmpty)
        #expect(r.warnings.contains(PerfCollapser.noSampleInPipe(Self.path("pipe-cut-before-sample.data"))))
        var o = PerfCollapseOptions()
        o.useRunningKernel = false
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/go1.25-pipe.data").path))
        #expect(c.capturedSamples > 100)
        #expect(!c.warnings.contains { $0.contains("no sample record") })
    }

    /// perf script text with a header line of `x` and 2M spaces, another of 2M colons, and a frame line
    /// with 100,000 ` (`: each line is parsed once (the header parser rescanned the run of spaces from
    /// every space: 200 KB took 12 s).
    @Test func longLinesParseInLinearTime() throws {
        let spaces = "x" + String(repeating: " ", count: 2_000_000) + "\n\n"
        let colons = "ab 1 1.0: 10 " + String(repeating: ":", count: 2_000_000) + " cycles: \n\t 1 f (/x)\n\n"
        let parens =
            "ab 1 1.0: 10 cycles: \n\t 1 " + String(repeating: "g (", count: 100_000) + " (/x)\n\t 2 f (/x)\n\n"
        for text in [spaces, colons, parens] {
            let start = ThreadCPUClock()
            var c = ScriptTextCollapser(options: ScriptCollapseOptions())
            try Array(text.utf8).withUnsafeBytes { try c.feed($0) }
            c.finish()
            _ = c.folded()
            #expect(start.seconds < 5, "\(text.prefix(20))")
        }
    }
}


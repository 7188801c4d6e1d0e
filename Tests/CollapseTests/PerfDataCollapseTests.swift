import Foundation
import Testing
@testable import Collapse
import PerfData
import Symbolize
import TestSupport

/// Folding perf.data directly, checked against perf's own view of the same capture.
@Suite struct PerfDataCollapseTests {
    static func url(_ name: String) -> URL { Paths.fixtures.appendingPathComponent("perf/\(name)") }

    static func collapse(_ name: String, _ configure: (inout PerfCollapseOptions) -> Void) throws -> String {
        var o = PerfCollapseOptions()
        // Recorded paths are /work/main/Fixtures/bin/...: find the binaries in this clone by build-id.
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin").path]
        // The same output on every machine: not this machine's kernel symbols, even where the captures were made.
        o.useRunningKernel = false
        configure(&o)
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: url(name).path))
        return String(decoding: c.folded(), as: UTF8.self)
    }

    /// perf script's text, with frames outside the Go binary turned into `[unknown] (dso)` (this machine's
    /// kallsyms and vdso are not in the capture), folded by the stackcollapse-perf.pl rules.
    static func perfScriptFolded(_ name: String, keepKernel: Bool = false) throws -> String {
        let text = try String(contentsOf: url(name + ".script.txt"), encoding: .utf8)
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\t"), !line.contains("/Fixtures/bin/"),
                !(keepKernel && line.hasSuffix("([kernel.kallsyms])")),
                let open = line.range(of: " (", options: .backwards)
            {
                let addr = line.drop { $0 == "\t" || $0 == " " }.prefix { $0 != " " }
                lines.append("\t\(addr) [unknown]\(line[open.lowerBound...])")
            } else {
                lines.append(String(line))
            }
        }
        var c = ScriptTextCollapser(options: ScriptCollapseOptions())
        let bytes = Array(lines.joined(separator: "\n").utf8)
        try bytes.withUnsafeBytes { try c.feed($0) }
        c.finish()
        return String(decoding: c.folded(), as: UTF8.self)
    }

    @Test(arguments: [
        "go1.21-fp-mono.data", "go1.25-fp-mono.data", "go1.27-fp-mono.data", "go1.25-pie.data", "go1.25-zstd.data",
        "go1.25-pipe.data"
    ])
    func elfNamesFoldLikePerfScript(_ name: String) throws {
        let version = String(name.dropFirst(2).prefix(4))
        let ours = try Self.collapse(name) {
            // Each Go version's folder alone: captures without build-ids are matched by file name.
            $0.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go\(version)").path]
            $0.elfNames = true
            $0.keepWrappers = true
            $0.recordedStacks = true  // perf's stacks, as perf recorded them
        }
        let theirs = try Self.perfScriptFolded(name)
        #expect(!ours.isEmpty)
        #expect(ours == theirs)
    }

    @Test func strippedBinaryFoldsToRealNamesWithInlines() throws {
        let folded = try Self.collapse("go1.25-stripped.data") { _ in }
        #expect(folded.contains(";main.hashLoop;main.rotate;main.mix "))   // inlined helpers shown
        #expect(!folded.contains("runtime.goexit"))                        // hidden as Go's tracebacks do
        #expect(!folded.contains("gowrap"))
        // perf itself could name none of the Go frames of the stripped binary.
        let script = try String(contentsOf: Self.url("go1.25-stripped.data.script.txt"), encoding: .utf8)
        #expect(!script.contains("main.hashLoop"))
        // The same capture symbolized with the unstripped twin (same build-id) gives the same stacks.
        let noInline = try Self.collapse("go1.25-stripped.data") { $0.inlines = false }
        #expect(!noInline.contains("main.rotate"))
        #expect(total(noInline) == total(folded))
        #expect(total(folded) > 0)
    }

    func total(_ folded: String) -> UInt64 {
        var t: UInt64 = 0
        for line in folded.split(separator: "\n") {
            if let n = line.split(separator: " ").last.flatMap({ UInt64($0) }) { t += n }
        }
        return t
    }

    /// A symfs root holding go1.24's `workload` where the go1.25 capture recorded its binary.
    static func wrongBinaryRoot() throws -> URL {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-symfs-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        let target = tmp.appendingPathComponent("work/main/Fixtures/bin/go1.25")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Paths.fixtures.appendingPathComponent("bin/go1.24/workload"),
            to: target.appendingPathComponent("workload"))
        return tmp
    }

    @Test func mismatchedBuildIDIsRefused() throws {
        // A different Go version's binary at the "recorded" path must not be used.
        let tmp = try Self.wrongBinaryRoot()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var o = PerfCollapseOptions()
        o.binaries.symfs = tmp.path
        o.useRunningKernel = false
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Self.url("go1.25-fp-mono.data").path))
        // The ids as readelf -n prints them for bin/go1.24/workload and for the capture's go1.25 binary
        // (perf buildid-list), and the refused path.
        let path = tmp.appendingPathComponent("work/main/Fixtures/bin/go1.25/workload").path
        let have = "b49dd8da08899b9b1c423c79c16c7ebac64c1702", want = "e36743a4395ef50425a2e7612f66d554dabe440b"
        let refusals = c.warnings.filter { $0.contains("does not match") }
        #expect(
            refusals == [
                "\(path): build-id \(have) does not match the capture's build-id \(want) for /work/main/Fixtures/bin/go1.25/workload; not used"
            ])
        let folded = String(decoding: c.folded(), as: UTF8.self)
        #expect(!folded.contains("main."))
        #expect(folded.contains(";[workload]"))
        // Nothing else was tried: debuginfod is off unless set.
        #expect(o.binaries.debuginfod == nil)
        #expect(!c.warnings.contains { $0.contains("debuginfod") })
    }

    /// After a refused local binary, a debuginfod server is asked; one that is down gives one warning with
    /// the build-id and the error, and the frames stay unnamed. A closed loopback port stands for the server.
    @Test func refusedBinaryThenServerDownWarns() throws {
        let tmp = try Self.wrongBinaryRoot()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var o = PerfCollapseOptions()
        o.binaries.symfs = tmp.path
        o.useRunningKernel = false
        let url = "http://127.0.0.1:\(try closedLoopbackPort())"
        o.binaries.debuginfod = DebuginfodConfig(
            urls: [url], cachePath: tmp.appendingPathComponent("cache").path, timeoutSeconds: 5)
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Self.url("go1.25-fp-mono.data").path))
        let want = "e36743a4395ef50425a2e7612f66d554dabe440b"
        #expect(c.warnings.filter { $0.contains("does not match") }.count == 1)
        let down = c.warnings.filter { $0.contains("debuginfod") }
        #expect(
            down == [
                "/work/main/Fixtures/bin/go1.25/workload: not found locally; debuginfod \(url): build-id \(want): connection refused (is the server running?) (errno 111); its frames stay unnamed ([workload])"
            ])
        #expect(!String(decoding: c.folded(), as: UTF8.self).contains("main."))
    }
    /// Golden folded stacks per capture (symbolized from pclntab, inlines shown, Go-style wrappers hidden).
    /// Their frames are checked against perf and the Go runtime by the tests above and in SymbolizeTests;
    /// this pins the whole output. Regenerate on purpose: STACKFOLD_BLESS=1 swift test --filter goldenFolded.
    @Test(arguments: ["go1.21-fp-mono.data", "go1.22-fp-mono.data", "go1.23-fp-mono.data", "go1.24-fp-mono.data",
                      "go1.25-fp-mono.data", "go1.26-fp-mono.data", "go1.27-fp-mono.data", "go1.25-stripped.data",
                      "go1.25-pie.data", "go1.25-dwarf.data"])
    func goldenFolded(_ name: String) throws {
        let folded = try Self.collapse(name) { _ in }
        let golden = Paths.fixtures.appendingPathComponent("golden/\(name).folded")
        if Paths.bless {
            try FileManager.default.createDirectory(
                at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try folded.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: golden, encoding: .utf8) else {
            Issue.record("missing \(golden.path): create it on purpose with STACKFOLD_BLESS=1")
            return
        }
        #expect(folded == expected)
    }

    /// Kernel frames named from a kallsyms file, as perf script names them (captured with the same kernel;
    /// the subset of /proc/kallsyms the captures need is committed, see Fixtures/README.md).
    @Test(arguments: ["go1.25-fp-mono.data", "go1.27-fp-mono.data", "go1.25-system-wide.data"])
    func kernelFramesNamedLikePerfScript(_ name: String) throws {
        let version = String(name.dropFirst(2).prefix(4))
        let ours = try Self.collapse(name) {
            $0.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go\(version)").path]
            $0.elfNames = true
            $0.keepWrappers = true
            $0.recordedStacks = true  // perf's stacks, as perf recorded them
            $0.kallsyms = Paths.fixtures.appendingPathComponent("perf/kallsyms-subset.txt").path
        }
        let theirs = try Self.perfScriptFolded(name, keepKernel: true)
        #expect(!ours.contains("[kernel.kallsyms]"), "every kernel frame named")
        #expect(try String(contentsOf: Self.url(name + ".script.txt"), encoding: .utf8).contains("([kernel.kallsyms])"))
        #expect(ours == theirs)
    }
}

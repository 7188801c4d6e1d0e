import Align
import Collapse
import Foundation
import GoTrace
import PerfData
import Pprof
import SwiftProtobuf
import Testing
import TestSupport

/// The pprof writer against `go tool pprof`: `Fixtures/pprof/written/*.raw.txt.zst` is what
/// `go tool pprof -raw` printed for stackfold's profile of a capture (Fixtures/generate-pprof.sh, commands
/// logged). Go's reading of the profile must give collapse's stacks and totals, and the profile written
/// now must read as Go read it then.
@Suite struct WriteTests {
    static func perf(_ name: String) -> URL { Paths.fixtures.appendingPathComponent("perf/\(name)") }

    static func options() -> PerfCollapseOptions {
        var o = PerfCollapseOptions()
        // As the generator ran stackfold: binaries by build-id, the committed kallsyms subset.
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin").path]
        o.kallsyms = Paths.fixtures.appendingPathComponent("perf/kallsyms-subset.txt").path
        o.useRunningKernel = false
        return o
    }

    static func goRaw(_ name: String) throws -> String {
        let url = Paths.fixtures.appendingPathComponent("pprof/written/\(name).raw.txt.zst")
        return String(decoding: try zstdDecompress(Data(contentsOf: url), name: url.path), as: UTF8.self)
    }

    static func write(_ name: String) throws -> Perftools_Profiles_Profile {
        let r = try PprofWriter.profile(perf: try PerfFile(path: perf(name).path), options: options())
        // Through the wire format, as any reader gets it.
        return try Perftools_Profiles_Profile(serializedBytes: try r.profile.serializedBytes() as [UInt8])
    }

    @Test(arguments: ["go1.25-fp-mono.data", "go1.25-stripped.data", "go1.21-fp-mono.data"])
    func goToolPprofReadsCollapseStacks(_ name: String) throws {
        let raw = try RawProfile(Self.goRaw(name))
        var c = PerfCollapser(options: Self.options())
        try c.collapse(try PerfFile(path: Self.perf(name).path))
        let collapsed = String(decoding: c.folded(), as: UTF8.self)
        // Go's reading (value: the period, pprof's default type) is collapse's fold, line for line.
        #expect(raw.folded(value: 1) == collapsed)
        #expect(raw.sampleTypes == ["samples/count", "cpu/nanoseconds"])
        #expect(raw.total(0) == c.samples)

        // The profile written now is the one Go read: same stacks, values and labels per sample.
        let p = try Self.write(name)
        #expect(RawProfile(p).folded(value: 1) == collapsed)
        #expect(RawProfile(p).samples.map(\.values) == raw.samples.map(\.values))
        #expect(RawProfile(p).samples.map(\.labels) == raw.samples.map(\.labels))
    }

    /// Same input, same bytes.
    @Test func deterministic() throws {
        let a = try PprofWriter.profile(perf: try PerfFile(path: Self.perf("go1.25-pie.data").path), options: Self.options())
        let b = try PprofWriter.profile(perf: try PerfFile(path: Self.perf("go1.25-pie.data").path), options: Self.options())
        #expect(try a.gzipped() == b.gzipped())
        #expect(try a.gzipped().prefix(4) == [0x1f, 0x8b, 8, 0] && a.gzipped()[4..<8] == [0, 0, 0, 0])  // gzip, no mtime
    }

    /// pid, tid, comm and event on every sample; cpu only where the capture records it.
    @Test(arguments: ["go1.25-fp-mono.data", "go1.25-system-wide.data"])
    func labelsAsRecorded(_ name: String) throws {
        let file = try PerfFile(path: Self.perf(name).path)
        let p = try Self.write(name)
        let keys = p.sample.map { Set($0.label.map { p.stringTable[Int($0.key)] }) }
        #expect(keys.allSatisfy { $0.isSuperset(of: ["pid", "tid", "comm", "event"]) })
        #expect(keys.allSatisfy { $0.contains("cpu") } == file.recordsCPU)
        #expect(keys.allSatisfy { !$0.contains("cpu") } == !file.recordsCPU)
        #expect(keys.allSatisfy { $0.isDisjoint(with: ["gc", "goroutine", "region", "task"]) })
        // Numeric labels carry a unit, so that pprof keeps pid 0 and cpu 0.
        #expect(p.sample.allSatisfy { $0.label.allSatisfy { $0.str != 0 || $0.numUnit != 0 } })
    }

    /// Mappings: the Go binary first, with its build-id and all four has_* set; locations point into it.
    @Test func mappingsAndLines() throws {
        let p = try Self.write("go1.25-fp-mono.data")
        let m = p.mapping[0]
        #expect(p.stringTable[Int(m.filename)].hasSuffix("/go1.25/workload"))
        #expect(p.stringTable[Int(m.buildID)] == "e36743a4395ef50425a2e7612f66d554dabe440b")
        #expect(m.hasFunctions_p && m.hasFilenames_p && m.hasLineNumbers_p && m.hasInlineFrames_p)
        #expect(p.mapping.enumerated().allSatisfy { $0.element.id == UInt64($0.offset + 1) })
        #expect(p.location.enumerated().allSatisfy { $0.element.id == UInt64($0.offset + 1) })
        let inGo = p.location.filter { $0.mappingID == 1 }
        #expect(inGo.allSatisfy { $0.address >= m.memoryStart && $0.address < m.memoryLimit && !$0.line.isEmpty })
        // Some location holds inlined frames: innermost first, the physical function last.
        #expect(inGo.contains { $0.line.count > 1 })
        let fn = Dictionary(uniqueKeysWithValues: p.function.map { ($0.id, $0) })
        #expect(p.function.allSatisfy { $0.id > 0 && $0.name != 0 })
        #expect(inGo.allSatisfy { l in l.line.allSatisfy { fn[$0.functionID].map { p.stringTable[Int($0.filename)].hasSuffix(".go") || p.stringTable[Int($0.filename)].hasSuffix(".s") } ?? false } })
    }
}

/// With the Go trace of the same run: every sample has a gc label, and as many samples are `assist` as
/// attribution put in assists (the GC-heavy capture: hundreds of them).
@Suite struct TraceLabelTests {
    @Test func gcLabelsAreAttributions() throws {
        let file = try PerfFile(path: WriteTests.perf("go1.27-alloc-mono.data").path)
        let bytes = try Data(contentsOf: Paths.fixtures.appendingPathComponent("gotrace/go1.27-alloc-mono.trace"))
        let trace = try bytes.withUnsafeBytes { try GoTrace(bytes: $0) }
        let a = try AlignedCapture(perf: file, options: PprofWriter.collapseOptions(WriteTests.options()), trace: trace)
        let p = PprofWriter.profile(aligned: a, perf: file, window: nil).profile
        let s = p.stringTable
        func value(_ x: Perftools_Profiles_Sample, _ key: String) -> String? {
            x.label.first { s[Int($0.key)] == key }.map { s[Int($0.str)] }
        }
        #expect(p.sample.allSatisfy { value($0, "gc") != nil })
        var counts: [String: Int64] = [:]
        for x in p.sample { counts[value(x, "gc")!, default: 0] += x.value[0] }
        var expected: [String: Int64] = [:]
        for i in a.attributions.indices { expected[a.attributions.state(i).rawValue, default: 0] += 1 }
        #expect(counts == expected)
        #expect((counts["assist"] ?? 0) > 50)
        // Goroutine labels are numeric, on samples that ran one.
        #expect(p.sample.contains { $0.label.contains { s[Int($0.key)] == "goroutine" && $0.num > 0 } })
    }
}

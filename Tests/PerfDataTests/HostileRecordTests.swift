import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import PerfData

/// Records whose numbers size memory (issue 22; Fixtures/hostile, made by Fixtures/generate-hostile.sh
/// with scripts/hostile/perfgen.py): refused with the offset, within a budget, never read to the end.
@Suite struct HostileRecordTests {
    static func path(_ name: String) -> String { Paths.fixtures.appendingPathComponent("hostile/\(name)").path }

    /// PERF_RECORD_COMPRESSED records holding one zstd frame of 2 GiB of zeros (72 KB of file): the first
    /// record to expand past 1024× its size is an error naming its offset, long before 2 GiB.
    @Test func zstdBombIsRefused() throws {
        let start = ThreadCPUClock()
        let file = try PerfFile(path: Self.path("zstd-bomb.data"))
        let r = BadInputTests.readAll(file)
        let error = try #require(r.error)
        #expect(error.description.contains("expands past"), "\(error)")
        #expect(error.description.contains("offset "))
        #expect(r.samples <= 3)
        #expect(start.seconds < 10)
    }
}

/// Maps: a table shared between forked processes, inserts that are not quadratic.
@Suite struct HostileMapTests {
    /// Every map and fork record through the model, then a lookup per process.
    static func model(_ c: CraftedPerfData) throws -> (ProcessModel, PerfFile) {
        let file = try PerfFile(file: c.file())
        var model = ProcessModel(file: file)
        var r = file.records()
        while let rec = try r.nextRecord() { model.process(rec, in: file) }
        return (model, file)
    }

    /// 20,000 maps of one process, inserted from the top of memory down (each at the front): seconds,
    /// not the minutes a copy per insert took; every map found at its address, with its own file offset.
    @Test func manyMapsInOneProcess() throws {
        var c = CraftedPerfData()
        c.comm(pid: 100, name: "work")
        let n: UInt64 = 20_000
        for i in (0..<n).reversed() {
            c.mmap2(pid: 100, start: 0x10_0000 + i * 0x2000, length: 0x2000, name: "/lib/m\(i).so")
        }
        // One map over the middle, cutting two.
        c.mmap2(pid: 100, start: 0x10_0000 + 100 * 0x2000 + 0x1000, length: 0x2000, name: "/over")
        let start = ThreadCPUClock()
        let (model, _) = try Self.model(c)
        #expect(start.seconds < 10)
        for i: UInt64 in [0, 1, 99, 100, 102, 5_000, n - 1] {
            let m = try #require(model.mapping(pid: 100, address: 0x10_0000 + i * 0x2000 + 0x10, mode: .user))
            #expect(m.filename == "/lib/m\(i).so")
            #expect(m.fileOffset(of: 0x10_0000 + i * 0x2000 + 0x10) == 0x10)
        }
        // m101's first half is under /over; its second half keeps its own file offsets.
        let a = 0x10_0000 + 101 * 0x2000 as UInt64
        let over = try #require(model.mapping(pid: 100, address: a + 0x10, mode: .user))
        #expect(over.filename == "/over" && over.fileOffset(of: a + 0x10) == 0x1010)
        let right = try #require(model.mapping(pid: 100, address: a + 0x1800, mode: .user))
        #expect(right.filename == "/lib/m101.so" && right.fileOffset(of: a + 0x1800) == 0x1800)
    }

    /// 30,000 kernel maps (pid -1), from the top of memory down, 4 KB each with a 4 KB gap: seconds (the
    /// one-array insert moved every map per insert); an address in a gap is the map below's, as perf
    /// stretches kernel maps to the next.
    @Test func manyKernelMaps() throws {
        var c = CraftedPerfData()
        let n: UInt64 = 30_000, base: UInt64 = 0xffff_ffff_8000_0000
        for i in (0..<n).reversed() {
            c.mmap2(pid: UInt32.max, start: base + i * 0x2000, length: 0x1000, name: "[m\(i)]")
        }
        c.mmap2(pid: UInt32.max, start: base + 100 * 0x2000 + 0x800, length: 0x1000, name: "[over]")
        let start = ThreadCPUClock()
        let (model, _) = try Self.model(c)
        #expect(start.seconds < 10)
        for i: UInt64 in [0, 1, 99, 102, 15_000, n - 1] {
            #expect(model.mapping(pid: 7, address: base + i * 0x2000 + 0x10, mode: .kernel)?.filename == "[m\(i)]")
            #expect(model.mapping(pid: 7, address: base + i * 0x2000 + 0x1800, mode: .kernel)?.filename == "[m\(i)]")
        }
        #expect(model.mapping(pid: 7, address: base + 100 * 0x2000 + 0x10, mode: .kernel)?.filename == "[m100]")
        #expect(model.mapping(pid: 7, address: base + 100 * 0x2000 + 0x900, mode: .kernel)?.filename == "[over]")
        #expect(model.mapping(pid: 7, address: base + 100 * 0x2000 + 0x1900, mode: .kernel)?.filename == "[over]")
        #expect(model.mapping(pid: 7, address: base - 1, mode: .kernel) == nil)
        #expect(model.kernelMaps.count == Int(n) + 1)
    }

    /// The kernel lookup of the two-level table (the last map starting at or below an address) equals
    /// the one-array table's, at random addresses after random inserts, before and after a merge.
    @Test func twoLevelKernelLookupEqualsOneArray() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var table = MapTable(), flat: [Mapping] = []
            for id in 0..<300 {
                let start = UInt64.random(in: 0..<0x10_0000, using: &rng) & ~0xff
                let m = Mapping(
                    start: start, end: start + UInt64.random(in: 1...0x4_0000, using: &rng), pageOffset: 0,
                    filename: "f\(id)", id: id)
                table.insert(m)
                ProcessModel.insert(m, into: &flat)
                if id % 37 == 0 {
                    for _ in 0..<200 {
                        let a = UInt64.random(in: 0..<0x15_0000, using: &rng)
                        #expect(table.findBelow(a) == ProcessModel.findBelow(a, in: flat), "0x\(String(a, radix: 16))")
                    }
                }
            }
            table.merge()
            for _ in 0..<500 {
                let a = UInt64.random(in: 0..<0x15_0000, using: &rng)
                #expect(table.findBelow(a) == ProcessModel.findBelow(a, in: flat))
            }
        }
    }

    /// A process with 2,000 maps forked 20,000 times, each child mapping one more file: the children share
    /// the parent's table (the old model copied it per child: 20,000 × 2,000 maps, 3 GB).
    @Test func forksShareTheirParentsMaps() throws {
        var c = CraftedPerfData()
        c.comm(pid: 1, name: "parent")
        for i: UInt64 in 0..<2_000 {
            c.mmap2(pid: 1, start: 0x40_0000 + i * 0x1000, length: 0x1000, name: "/lib/p\(i).so")
        }
        for k: UInt32 in 0..<20_000 {
            c.fork(pid: 1000 + k, ppid: 1)
            c.mmap2(pid: 1000 + k, start: 0x7000_0000 + UInt64(k) * 0x1000, length: 0x1000, name: "/child")
        }
        let start = ThreadCPUClock()
        let before = residentBytes()
        let (model, _) = try Self.model(c)
        #expect(start.seconds < 10)
        #expect(residentBytes() - before < 256 << 20)
        #expect(
            model.mapping(pid: 19_999 + 1000, address: 0x40_0000 + 1_999 * 0x1000, mode: .user)?.filename
                == "/lib/p1999.so")
        #expect(model.mapping(pid: 1000, address: 0x7000_0000, mode: .user)?.filename == "/child")
        #expect(model.mapping(pid: 1000, address: 0x7000_1000, mode: .user) == nil)
        #expect(model.mapping(pid: 1, address: 0x7000_0000, mode: .user) == nil)
    }

    /// The two-level table answers as one sorted array with each map cutting what it overlaps: random
    /// maps, compared at random addresses with the kernel maps' single-array insert.
    @Test func twoLevelTableEqualsOneArray() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var table = MapTable(), flat: [Mapping] = []
            for id in 0..<300 {
                let start = UInt64.random(in: 0..<0x10_0000, using: &rng) & ~0xff
                let m = Mapping(
                    start: start, end: start + UInt64.random(in: 1...0x4_0000, using: &rng),
                    pageOffset: UInt64.random(in: 0..<0x1000_0000, using: &rng), filename: "f\(id)", id: id)
                table.insert(m)
                ProcessModel.insert(m, into: &flat)
            }
            for _ in 0..<2_000 {
                let a = UInt64.random(in: 0..<0x15_0000, using: &rng)
                let fromFlat = ProcessModel.find(a, in: flat)
                #expect(table.find(a) == fromFlat, "0x\(String(a, radix: 16))")
            }
            table.merge()
            #expect(table.base == flat)
        }
    }
}

/// This process's resident set (VmRSS), in bytes.
func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

/// Attr ids sections that overlap: 6,000 attrs pointing at the same 100,000 ids (1.6 MB of file)
/// read 600 million ids (past 3 GB); refused at the attr that passes what the file can hold.
@Suite struct HostileAttrTests {
    @Test func overlappingIDsSectionsAreRefused() throws {
        let attrs = 6_000, ids = 100_000
        var out: [UInt8] = []
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        let attrsOffset: UInt64 = 104, attrSize: UInt64 = 128
        let idsOffset = attrsOffset + UInt64(attrs) * attrSize
        let dataOffset = idsOffset + UInt64(ids) * 8
        out += Array("PERFILE2".utf8)
        put(104); put(attrSize)
        put(attrsOffset); put(UInt64(attrs) * attrSize)
        put(dataOffset); put(0)
        put(0); put(0)
        out += [UInt8](repeating: 0, count: 32)
        var attr = [UInt8](repeating: 0, count: 112)
        attr[0] = 1; attr[4] = 112; attr[24] = 0x07  // software, size 112, sample_type IP|TID|TIME
        let section = [idsOffset, UInt64(ids) * 8]  // every attr: the same ids
        section.withUnsafeBytes { attr.append(contentsOf: $0) }
        for _ in 0..<attrs { out.append(contentsOf: attr) }
        Array(0..<UInt64(ids)).withUnsafeBytes { out.append(contentsOf: $0) }
        let start = ThreadCPUClock()
        #expect(throws: PerfDataError.self) { _ = try PerfFile(file: MappedFile(path: "overlap.data", copying: out)) }
        do { _ = try PerfFile(file: MappedFile(path: "overlap.data", copying: out)) } catch {
            #expect(error.description.contains("attrs' ids sections overlap"), "\(error)")
            // The file holds 196,013 ids' worth of bytes: the second attr's 100,000 pass it.
            #expect(error.description.contains("attr[1] ids.size"), "\(error)")
        }
        #expect(start.seconds < 10)
    }
}

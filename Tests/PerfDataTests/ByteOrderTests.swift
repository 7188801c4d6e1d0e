import BinaryIO
import Foundation
import Testing
@testable import PerfData

/// A capture written on a big-endian machine reads the same as its little-endian twin. The two are
/// made by one small writer that lays out perf's structures in either byte order (perf_event_attr,
/// with its bitfield word allocated from the top bit on big-endian, as the kernel headers make it).
@Suite struct ByteOrderTests {
    struct Writer {
        var big: Bool
        var bytes: [UInt8] = []
        mutating func u16(_ v: UInt16) { put(UInt64(v), 2) }
        mutating func u32(_ v: UInt32) { put(UInt64(v), 4) }
        mutating func u64(_ v: UInt64) { put(v, 8) }
        mutating func put(_ v: UInt64, _ n: Int) {
            for i in 0..<n {
                let shift = big ? (n - 1 - i) * 8 : i * 8
                bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
            }
        }
        mutating func text(_ s: String, padTo n: Int) {
            var b = Array(s.utf8) + [0]
            while b.count % n != 0 { b.append(0) }
            bytes += b
        }
        mutating func patch64(at o: Int, _ v: UInt64) {
            var w = Writer(big: big)
            w.u64(v)
            bytes.replaceSubrange(o..<(o + 8), with: w.bytes)
        }
    }

    /// Flags: disabled(0), mmap(8), comm(9), freq(10), sample_id_all(18), mmap2(23), use_clockid(25).
    static let flags: UInt64 = 1 << 0 | 1 << 8 | 1 << 9 | 1 << 10 | 1 << 18 | 1 << 23 | 1 << 25
    static let sampleType: SampleFormat = [.ip, .tid, .time, .callchain, .period, .cpu]

    static func capture(bigEndian big: Bool) -> [UInt8] {
        var w = Writer(big: big)
        // perf_file_header: magic, size, attr_size, attrs, data, event_types, features.
        w.u64(PerfFile.magic)
        w.u64(104)
        w.u64(128 + 16)
        w.u64(104); w.u64(128 + 16)  // attrs
        w.u64(0); w.u64(0)           // data, patched below
        w.u64(0); w.u64(0)
        for _ in 0..<4 { w.u64(0) }
        // perf_event_attr, 128 bytes (VER7).
        w.u32(1); w.u32(128); w.u64(0); w.u64(999); w.u64(sampleType.rawValue); w.u64(0)
        w.u64(big ? flags.bitReversed : flags)
        w.u32(0); w.u32(0); w.u64(0); w.u64(0); w.u64(0); w.u64(0); w.u32(0)
        w.put(UInt64(UInt32(bitPattern: 1)), 4)  // clockid CLOCK_MONOTONIC
        w.u64(0); w.u32(0); w.u16(127); w.u16(0); w.u32(0); w.u32(0); w.u64(0)
        w.u64(0); w.u64(0)  // ids section: none
        let dataStart = w.bytes.count
        // COMM: pid, tid, comm, trailer (tid, time, cpu).
        w.u32(3); w.u16(0); w.u16(8 + 8 + 16 + 24)
        w.u32(42); w.u32(43); w.text("gowork", padTo: 16)
        w.u32(42); w.u32(43); w.u64(1000); w.u32(1); w.u32(0)
        // MMAP2 of an executable.
        let name = "/srv/app"
        w.u32(10); w.u16(2); w.u16(8 + 8 + 24 + 24 + 8 + 16 + 24)
        w.u32(42); w.u32(43); w.u64(0x400000); w.u64(0x10000); w.u64(0)
        w.u32(8); w.u32(1); w.u64(1234); w.u64(0); w.u32(5); w.u32(2); w.text(name, padTo: 16)
        w.u32(42); w.u32(43); w.u64(1001); w.u32(1); w.u32(0)
        // SAMPLE: ip, pid/tid, time, cpu, period, callchain.
        let chain: [UInt64] = [CallchainContext.user, 0x401234, 0x405678]
        w.u32(9); w.u16(2); w.u16(UInt16(8 + 8 + 8 + 8 + 8 + 8 + 8 + 8 * chain.count))
        w.u64(0x401234); w.u32(42); w.u32(43); w.u64(2000); w.u32(1); w.u32(0); w.u64(4_000_000)
        w.u64(UInt64(chain.count)); for c in chain { w.u64(c) }
        w.u32(68); w.u16(0); w.u16(8)
        w.patch64(at: 40, UInt64(dataStart))
        w.patch64(at: 48, UInt64(w.bytes.count - dataStart))
        return w.bytes
    }

    struct Decoded: Equatable {
        var flags: UInt64, clock: Int32, maxStack: UInt16, comm: String, map: Mapping?, sample: [UInt64]
        var pid: Int32, tid: Int32, time: UInt64, cpu: UInt32, period: UInt64, types: [UInt32]
    }

    static func decode(_ bytes: [UInt8], _ name: String) throws -> Decoded {
        let f = try PerfFile(file: MappedFile(path: name, copying: bytes))
        var model = ProcessModel(file: f)
        var d = Decoded(
            flags: f.events[0].attr.flags, clock: f.events[0].attr.clockID, maxStack: f.events[0].attr.sampleMaxStack,
            comm: "", map: nil, sample: [], pid: 0, tid: 0, time: 0, cpu: 0, period: 0, types: [])
        var it = f.orderedRecords()
        while let rec = it.next() {
            d.types.append(rec.type.rawValue)
            if rec.type == .sample {
                let s = try f.sample(rec)
                d.sample = Array(s.callchain)
                (d.pid, d.tid, d.time, d.cpu, d.period) = (s.pid, s.tid, s.time, s.cpu, s.period)
                d.comm = model.comm(tid: s.tid)
                d.map = model.mapping(pid: s.pid, address: s.ip, mode: s.cpuMode)
            } else {
                model.process(rec, in: f)
            }
        }
        #expect(it.error == nil)
        return d
    }

    @Test func bigEndianCaptureReadsLikeLittleEndian() throws {
        let le = Self.capture(bigEndian: false)
        let be = Self.capture(bigEndian: true)
        #expect(le != be)
        #expect(Array(be.prefix(8)) == Array("2ELIFREP".utf8))
        let a = try Self.decode(le, "le.data")
        let b = try Self.decode(be, "be.data")
        #expect(a == b)
        #expect(a.flags == Self.flags)
        #expect(a.clock == 1 && a.maxStack == 127)
        #expect(a.comm == "gowork")
        #expect(a.map?.filename == "/srv/app")
        #expect(a.map?.fileOffset(of: 0x401234) == 0x1234)
        #expect(a.sample == [CallchainContext.user, 0x401234, 0x405678])
        #expect(a.pid == 42 && a.tid == 43 && a.time == 2000 && a.cpu == 1 && a.period == 4_000_000)
        // perf handles FINISHED_ROUND as it reads it; the timed records follow at the final flush.
        #expect(a.types == [68, 3, 10, 9])
    }

    /// Older perf wrote smaller attrs (VER0 = 64 bytes): the same capture with a short attr still reads.
    @Test func shortAttrSizeIsAccepted() throws {
        var w = Writer(big: false)
        w.u32(1); w.u32(64); w.u64(0); w.u64(1); w.u64(SampleFormat([.ip, .tid]).rawValue); w.u64(0); w.u64(0)
        w.u32(0); w.u32(0); w.u64(0)
        try w.bytes.withUnsafeBytes { raw in
            var c = ByteCursor(raw)
            let attr = try EventAttr.parse(&c, available: raw.count, what: "attr")
            #expect(attr.size == 64)
            #expect(attr.sampleType == [.ip, .tid])
            #expect(attr.sampleMaxStack == 0)
            #expect(c.offset == 64)
        }
    }
}

// libFuzzer entry point that builds a well-formed perf.data from the input, reading it as choices: which
// record comes next and its sizes, counts, times, addresses and names (issue 22). Mutating raw captures
// (PerfDataFuzz.swift) rarely gets past the header with one field extreme; this reaches the readers and
// the process model with every field at values a crafted file can hold: times near 0 and 2^64, maps
// that wrap or overlap, forks of large tables, long and control-character names, lost counts near 2^64,
// compressed records of any bytes. Built and run by scripts/fuzz.sh perfstruct (Choices: Choices.swift).
import BinaryIO
import PerfData

/// perf.data bytes: header, one attr with the chosen sample_type, the records.
struct Builder {
    var data: [UInt8] = []
    mutating func put(_ v: UInt64, _ n: Int = 8) { for k in 0..<n { data.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
    mutating func record(_ type: UInt32, _ body: [UInt8]) {
        var r = Builder()
        r.put(UInt64(type), 4); r.put(0, 2); r.put(UInt64(min(8 + body.count, 0xfff8)), 2)
        data += r.data + body.prefix(0xfff0)
    }
    static func padded(_ s: [UInt8]) -> [UInt8] {
        var b = s + [0]
        while b.count % 8 != 0 { b.append(0) }
        return b
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var c = Choices(bytes: UnsafeBufferPointer(start: data, count: size))
    var recs = Builder()
    let trailer = { (b: inout Builder, c: inout Choices) in b.put(UInt64(c.u8()), 4); b.put(UInt64(c.u8()), 4); b.put(c.edgy()) }
    for _ in 0..<Int(c.u8()) + 1 {
        var b = Builder()
        switch c.u8() % 7 {
        case 0:  // COMM
            b.put(UInt64(c.u8()), 4); b.put(UInt64(c.u8()), 4); b.data += Builder.padded(c.name()); trailer(&b, &c)
            recs.record(3, b.data)
        case 1:  // FORK, with many maps to copy
            b.put(UInt64(c.u8()), 4); b.put(UInt64(c.u8()), 4); b.put(UInt64(c.u8()), 4); b.put(UInt64(c.u8()), 4); b.put(c.edgy()); trailer(&b, &c)
            for _ in 0..<Int(c.u8() & 15) { recs.record(7, b.data) }
        case 2:  // MMAP2: start, length, offset at the edges
            b.put(UInt64(c.u8()), 4); b.put(UInt64(c.u8()), 4); b.put(c.edgy()); b.put(c.edgy()); b.put(c.edgy())
            b.put(8, 4); b.put(1, 4); b.put(1234); b.put(0); b.put(5, 4); b.put(2, 4)
            b.data += Builder.padded(c.name()); trailer(&b, &c)
            recs.record(10, b.data)
        case 3:  // SAMPLE: ip, pid/tid, time, period, callchain
            b.put(c.edgy()); b.put(UInt64(c.u8()), 4); b.put(UInt64(c.u8()), 4); b.put(c.edgy()); b.put(c.edgy())
            let n = Int(c.u8())
            b.put(c.u8() & 1 == 0 ? UInt64(n) : c.edgy())  // nr: as many as follow, or any
            for _ in 0..<n { b.put(c.u8() & 3 == 0 ? 0xffff_ffff_ffff_fe00 : c.edgy()) }
            recs.record(9, b.data)
        case 4:  // LOST
            b.put(c.edgy()); b.put(c.edgy()); trailer(&b, &c)
            recs.record(2, b.data)
        case 5:  // COMPRESSED: any bytes
            b.data = (0..<Int(c.u8()) * 4).map { _ in c.u8() }
            recs.record(81, b.data)
        default:  // any type, any body
            b.data = (0..<Int(c.u8() & 63)).map { _ in c.u8() }
            recs.record(UInt32(c.u8()), b.data)
        }
    }
    var f = Builder()
    f.data = Array("PERFILE2".utf8)
    f.put(104); f.put(128); f.put(104); f.put(128); f.put(232); f.put(UInt64(recs.data.count)); f.put(0); f.put(0)
    f.data += [UInt8](repeating: 0, count: 32)
    var attr = Builder()
    attr.put(1, 4); attr.put(112, 4); attr.put(0); attr.put(250); attr.put(0x127); attr.put(0); attr.put((1 << 10) | (1 << 18))
    attr.data += [UInt8](repeating: 0, count: 112 - attr.data.count)
    f.data += attr.data
    f.put(0); f.put(0)
    f.data += recs.data
    let file = MappedFile(path: "fuzz-struct", copying: f.data)
    guard let perf = try? PerfFile(file: file) else { return 0 }
    readEveryRecord(perf)
    return 0
}

import BinaryIO
import PerfData

/// Writes perf.data bytes crafted at their counts (issue 22), at test time: the same layout as
/// scripts/hostile/perfgen.py (file mode, one cpu-clock attr with sample_id_all, samples with
/// IP|TID|TIME|PERIOD|CALLCHAIN), for inputs too large to commit (millions of maps).
public struct CraftedPerfData {
    private var data: [UInt8] = []
    /// Samples also carry REGS_USER and STACK_USER, as `--call-graph dwarf` records them (`dwarfSample`).
    public var dwarf = false

    public init() {}

    private mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    private mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    private mutating func header(_ type: UInt32, misc: UInt16, size: Int) {
        u32(type)
        withUnsafeBytes(of: misc.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(size).littleEndian) { data.append(contentsOf: $0) }
    }
    private mutating func trailer(pid: UInt32, tid: UInt32, time: UInt64) { u32(pid); u32(tid); u64(time) }
    private static func padded(_ s: String) -> [UInt8] {
        var b = Array(s.utf8) + [0]
        while b.count % 8 != 0 { b.append(0) }
        return b
    }

    public mutating func comm(pid: UInt32, name: String, time: UInt64 = 1) {
        let n = Self.padded(name)
        header(3, misc: 0, size: 8 + 8 + n.count + 16)
        u32(pid); u32(pid)
        data += n
        trailer(pid: pid, tid: pid, time: time)
    }

    public mutating func fork(pid: UInt32, ppid: UInt32) {
        header(7, misc: 0, size: 8 + 24 + 16)
        u32(pid); u32(ppid); u32(pid); u32(ppid); u64(1)
        trailer(pid: pid, tid: pid, time: 1)
    }

    public mutating func mmap2(pid: UInt32, start: UInt64, length: UInt64, name: String, time: UInt64 = 1) {
        let n = Self.padded(name)
        header(10, misc: 2, size: 8 + 64 + n.count + 16)
        u32(pid); u32(pid); u64(start); u64(length); u64(0)
        u32(8); u32(1); u64(1234); u64(0); u32(5); u32(2)
        data += n
        trailer(pid: pid, tid: pid, time: time)
    }

    public mutating func sample(pid: UInt32, time: UInt64, chain: [UInt64]) {
        header(9, misc: 2, size: 8 + 32 + 8 + 8 * (chain.count + 1))
        u64(chain[0]); u32(pid); u32(pid); u64(time); u64(4_000_000)
        u64(UInt64(chain.count + 1)); u64(0xffff_ffff_ffff_fe00)
        for ip in chain { u64(ip) }
    }

    /// A `--call-graph dwarf` sample (set `dwarf`) whose user registers were not recorded (ABI none) and
    /// whose stack dump is 8 bytes: it carries what unwinding needs except the registers.
    public mutating func dwarfSample(pid: UInt32, time: UInt64, chain: [UInt64]) {
        header(9, misc: 2, size: 8 + 32 + 8 + 8 * (chain.count + 1) + 8 + 8 + 8 + 8)
        u64(chain[0]); u32(pid); u32(pid); u64(time); u64(4_000_000)
        u64(UInt64(chain.count + 1)); u64(0xffff_ffff_ffff_fe00)
        for ip in chain { u64(ip) }
        u64(0)  // regs ABI: none
        u64(8); u64(0x1234); u64(8)  // stack: size, bytes, dynamic size
    }

    public mutating func finishedRound() { header(68, misc: 0, size: 8) }

    /// The whole file: header, the attr (no ids), the records.
    public func file(path: String = "crafted.data") -> MappedFile {
        var out: [UInt8] = []
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        out += Array("PERFILE2".utf8)
        put(104); put(128)  // header size; attr (112) + ids section (16)
        put(104); put(128)  // attrs
        put(104 + 128); put(UInt64(data.count))  // data
        put(0); put(0)  // event types
        out += [UInt8](repeating: 0, count: 32)  // no features
        var attr = [UInt8](repeating: 0, count: 112)
        func set(_ at: Int, _ v: UInt64, _ n: Int) {
            for k in 0..<n { attr[at + k] = UInt8((v >> (8 * UInt64(k))) & 0xff) }
        }
        set(0, 1, 4); set(4, 112, 4); set(16, 250, 8); set(24, dwarf ? 0x3127 : 0x127, 8)
        set(40, (1 << 10) | (1 << 18), 8)
        if dwarf { set(80, 0xff_0fff, 8); set(88, 8, 4) }  // sample_regs_user, sample_stack_user
        out += attr
        put(0); put(0)  // ids: none
        out += data
        return MappedFile(path: path, copying: out)
    }
}

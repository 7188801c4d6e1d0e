import BinaryIO

/// Where a SAMPLE's fixed-size head sits: the fields before READ (identifier, ip, pid/tid, time, addr,
/// id, stream_id, cpu, period) are 8 bytes each, so their byte offsets follow from the sample type
/// alone. Computed once per attr; a sample's head is then read after one bounds check instead of one
/// check per field (the head of every sample of the capture is decoded this way).
public struct FixedSampleFields: Sendable, Equatable {
    /// Bytes the head takes.
    public let size: Int
    // Byte offsets in the body, -1 where the type lacks the field.
    public let ip: Int
    public let tid: Int
    public let time: Int
    public let addr: Int
    /// ID's offset, else IDENTIFIER's (both name the same id; ID comes later and wins, as in decoding).
    public let id: Int
    public let streamID: Int
    public let cpu: Int
    public let period: Int

    init(_ t: SampleFormat) {
        var at = 0
        func next(_ f: SampleFormat) -> Int {
            guard t.contains(f) else { return -1 }
            defer { at += 8 }
            return at
        }
        // In the kernel's order (perf_output_sample).
        let identifier = next(.identifier)
        ip = next(.ip)
        tid = next(.tid)
        time = next(.time)
        addr = next(.addr)
        let id = next(.id)
        self.id = id >= 0 ? id : identifier
        streamID = next(.streamID)
        cpu = next(.cpu)
        period = next(.period)
        size = at
    }
}

extension Sample {
    /// The head of a SAMPLE body (`f.size` bytes, known to be there), read with straight-line loads.
    @inline(__always) @inlinable
    mutating func readHead(_ p: UnsafeRawPointer, _ f: FixedSampleFields, swaps: Bool, defaultPeriod: UInt64) {
        @inline(__always) func u64(_ at: Int) -> UInt64 {
            let v = p.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            return swaps ? v.byteSwapped : v
        }
        @inline(__always) func u32(_ at: Int) -> UInt32 {
            let v = p.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return swaps ? v.byteSwapped : v
        }
        if f.id >= 0 { id = u64(f.id) }
        if f.ip >= 0 { ip = u64(f.ip) }
        if f.tid >= 0 {
            pid = Int32(bitPattern: u32(f.tid))
            tid = Int32(bitPattern: u32(f.tid &+ 4))
        }
        if f.time >= 0 { time = u64(f.time) }
        if f.addr >= 0 { addr = u64(f.addr) }
        if f.streamID >= 0 { streamID = u64(f.streamID) }
        if f.cpu >= 0 { cpu = u32(f.cpu) }
        period = f.period >= 0 ? u64(f.period) : defaultPeriod
    }
}

extension SampleLayout {
    /// Sample-type bits of the fields after the head (any bit but the head's nine).
    @inlinable static var tailFields: UInt64 { ~(0x1_0000 | 0x3cf) }
}

extension Sample {
    /// Sample-type bits of the tail fields `decodeFast` reads (CALLCHAIN, REGS_USER, STACK_USER, WEIGHT,
    /// DATA_SRC: what `-g` and `--call-graph dwarf` record).
    @inlinable static var fastTailFields: UInt64 { 1 << 5 | 1 << 12 | 1 << 13 | 1 << 14 | 1 << 15 }

    /// Decodes a sample of a capture in the host's byte order whose type has no tail field but
    /// `fastTailFields`, reading through one pointer with the bounds checked per variable-size field. False
    /// (with `c` untouched) for any other type or byte order and for any body that does not hold what its
    /// sizes say: `decode` then reads it again and names the problem. (Host order only: a swap per field
    /// cost ~25 instructions a sample, for captures of another machine's order that `decode` reads as well.)
    @inline(__always) @inlinable
    mutating func decodeFast(_ c: inout ByteCursor, _ l: SampleLayout) -> Bool {
        let r = c.rest
        let n = r.count
        guard let p = r.baseAddress, !c.swapsBytes, l.head.size <= n,
            l.type.rawValue & SampleLayout.tailFields & ~Self.fastTailFields == 0
        else { return false }
        @inline(__always) func u64(_ at: Int) -> UInt64 { p.loadUnaligned(fromByteOffset: at, as: UInt64.self) }
        readHead(p, l.head, swaps: false, defaultPeriod: l.defaultPeriod)
        var at = l.head.size
        let t = l.type
        if t.contains(.callchain) {
            guard n &- at >= 8 else { return false }
            let nr = u64(at)
            at &+= 8
            // n &- at >= 0 here: a shift, not a signed division, and no conversion check.
            guard nr <= UInt64(truncatingIfNeeded: n &- at) &>> 3 else { return false }
            callchain = U64View(base: p + at, count: Int(truncatingIfNeeded: nr), swaps: false)
            at &+= Int(truncatingIfNeeded: nr) &* 8
        }
        if t.contains(.regsUser) {
            guard n &- at >= 8 else { return false }
            regsUserABI = u64(at)
            at &+= 8
            if regsUserABI != 0 {
                let k = l.regsUserCount
                guard k <= (n &- at) &>> 3 else { return false }
                regsUser = U64View(base: p + at, count: k, swaps: false)
                at &+= k &* 8
            }
        }
        if t.contains(.stackUser) {
            guard n &- at >= 8 else { return false }
            let size = u64(at)
            at &+= 8
            guard size <= UInt64(n &- at) else { return false }
            userStack = UnsafeRawBufferPointer(start: p + at, count: Int(size))
            at &+= Int(size)
            if size != 0 {
                guard n &- at >= 8 else { return false }
                userStackDynSize = u64(at)
                at &+= 8
            }
        }
        if t.contains(.weight) {
            guard n &- at >= 8 else { return false }
            weight = u64(at)
            at &+= 8
        }
        if t.contains(.dataSrc) {
            guard n &- at >= 8 else { return false }
            dataSrc = u64(at)
            at &+= 8
        }
        c.position &+= at
        return true
    }
}

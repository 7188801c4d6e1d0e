import BinaryIO

/// `struct perf_event_attr`, any of its sizes (64 bytes for VER0 up to 136 and beyond).
/// Fields past the recorded `size` are zero, as the kernel treats them.
public struct EventAttr: Sendable, Equatable {
    public var type: UInt32 = 0
    public var size: UInt32 = 0
    public var config: UInt64 = 0
    /// `sample_period`, or `sample_freq` when `freq` is set.
    public var samplePeriodOrFreq: UInt64 = 0
    public var sampleType = SampleFormat()
    public var readFormat = ReadFormat()
    /// The bitfield word (`disabled`, `inherit`, ... `sigtrap`), bit 0 = `disabled`, in host layout.
    public var flags: UInt64 = 0
    public var wakeupEventsOrWatermark: UInt32 = 0
    public var bpType: UInt32 = 0
    public var config1: UInt64 = 0
    public var config2: UInt64 = 0
    public var branchSampleType: UInt64 = 0
    public var sampleRegsUser: UInt64 = 0
    public var sampleStackUser: UInt32 = 0
    public var clockID: Int32 = 0
    public var sampleRegsIntr: UInt64 = 0
    public var auxWatermark: UInt32 = 0
    public var sampleMaxStack: UInt16 = 0
    public var auxSampleSize: UInt32 = 0
    public var sigData: UInt64 = 0
    public var config3: UInt64 = 0

    public init() {}

    @inlinable func flag(_ bit: Int) -> Bool { flags & (1 << UInt64(bit)) != 0 }
    public var disabled: Bool { flag(0) }
    public var inherit: Bool { flag(1) }
    public var excludeUser: Bool { flag(4) }
    public var excludeKernel: Bool { flag(5) }
    public var mmap: Bool { flag(8) }
    public var comm: Bool { flag(9) }
    public var freq: Bool { flag(10) }
    public var enableOnExec: Bool { flag(12) }
    public var task: Bool { flag(13) }
    public var preciseIP: Int { Int((flags >> 15) & 3) }
    public var sampleIDAll: Bool { flag(18) }
    public var excludeGuest: Bool { flag(20) }
    public var excludeCallchainKernel: Bool { flag(21) }
    public var excludeCallchainUser: Bool { flag(22) }
    public var mmap2: Bool { flag(23) }
    public var commExec: Bool { flag(24) }
    public var useClockID: Bool { flag(25) }
    public var contextSwitch: Bool { flag(26) }
    public var ksymbol: Bool { flag(29) }
    public var bpfEvent: Bool { flag(30) }
    public var buildID: Bool { flag(34) }

    /// Names of the set flag bits, in perf's order and spelling.
    public var flagNames: [String] {
        let names = ["disabled", "inherit", "pinned", "exclusive", "exclude_user", "exclude_kernel", "exclude_hv",
                     "exclude_idle", "mmap", "comm", "freq", "inherit_stat", "enable_on_exec", "task", "watermark",
                     "precise_ip", "precise_ip", "mmap_data", "sample_id_all", "exclude_host", "exclude_guest",
                     "exclude_callchain_kernel", "exclude_callchain_user", "mmap2", "comm_exec", "use_clockid",
                     "context_switch", "write_backward", "namespaces", "ksymbol", "bpf_event", "aux_output",
                     "cgroup", "text_poke", "build_id", "inherit_thread", "remove_on_exec", "sigtrap"]
        var out: [String] = []
        for (i, n) in names.enumerated() where flag(i) && i != 16 && i != 15 { out.append(n) }
        if preciseIP != 0 { out.append("precise_ip") }
        return out
    }

    /// Parses an attr whose first bytes are at the cursor. `available` bounds how much may be read
    /// (the file's attr slot or the record); the attr's own `size` field decides how much is used.
    static func parse(_ c: inout ByteCursor, available: Int, what: String) throws(ReadError) -> EventAttr {
        let start = c.position
        var a = EventAttr()
        a.type = try c.u32(what + ".type")
        a.size = try c.u32(what + ".size")
        // perf writes size 0 for VER0 in some old files; treat 0 as 64 (PERF_ATTR_SIZE_VER0).
        let size = a.size == 0 ? 64 : Int(a.size)
        guard size >= 64 else { throw c.error(what + ".size", "attr size \(a.size) is below the minimum 64") }
        guard size <= available else {
            throw c.error(what + ".size", "attr size \(size) exceeds the \(available) bytes available")
        }
        var f = try c.slice(start..<(start + size), what)
        try f.skip(8)
        a.config = try f.u64(what + ".config")
        a.samplePeriodOrFreq = try f.u64(what + ".sample_period")
        a.sampleType = SampleFormat(rawValue: try f.u64(what + ".sample_type"))
        a.readFormat = ReadFormat(rawValue: try f.u64(what + ".read_format"))
        let rawFlags = try f.u64(what + ".flags")
        // Bitfields are allocated from the most significant bit on big-endian machines: perf's swap_bitfield.
        a.flags = f.order == .big ? rawFlags.bitReversed : rawFlags
        a.wakeupEventsOrWatermark = try f.u32()
        a.bpType = try f.u32()
        a.config1 = try f.u64()
        if f.remaining >= 8 { a.config2 = try f.u64() }  // VER1
        if f.remaining >= 8 { a.branchSampleType = try f.u64() }
        if f.remaining >= 16 {
            a.sampleRegsUser = try f.u64()
            a.sampleStackUser = try f.u32()
            a.clockID = try f.i32()
        }
        if f.remaining >= 8 { a.sampleRegsIntr = try f.u64() }
        if f.remaining >= 8 {
            a.auxWatermark = try f.u32()
            a.sampleMaxStack = try f.u16()
            try f.skip(2)
        }
        if f.remaining >= 8 {
            a.auxSampleSize = try f.u32()
            try f.skip(4)
        }
        if f.remaining >= 8 { a.sigData = try f.u64() }
        if f.remaining >= 8 { a.config3 = try f.u64() }
        c.position = start + size
        return a
    }
}

extension UInt64 {
    @inlinable var bitReversed: UInt64 {
        var v = self
        var r: UInt64 = 0
        for _ in 0..<64 {
            r = (r << 1) | (v & 1)
            v >>= 1
        }
        return r
    }
}

/// An event of the capture: its attr, the sample ids that belong to it, and its name.
public struct EventDesc: Sendable {
    public var attr: EventAttr
    public var ids: [UInt64]
    public var name: String
    /// Precomputed decoding facts for this event's records.
    public var layout: SampleLayout

    init(attr: EventAttr, ids: [UInt64], name: String) {
        self.attr = attr
        self.ids = ids
        self.name = name
        self.layout = SampleLayout(attr)
    }
}

/// Where fields sit in this event's SAMPLE records and `sample_id_all` trailers, computed once per attr.
public struct SampleLayout: Sendable, Equatable {
    public let type: SampleFormat
    public let readFormat: ReadFormat
    public let sampleIDAll: Bool
    public let regsUserCount: Int
    public let regsIntrCount: Int
    public let branchHWIndex: Bool
    /// The period of samples that do not record one (a fixed `-c` period), as perf reports it.
    public let defaultPeriod: UInt64
    /// Size in bytes of the `sample_id_all` trailer on non-sample records.
    public let trailerSize: Int
    /// u64 index of the id in a SAMPLE, or -1 (`evsel->id_pos`).
    public let idPosition: Int
    /// u64 index counted from the end of a non-sample record, or -1 (`evsel->is_pos`).
    public let idPositionFromEnd: Int
    /// Where a SAMPLE's fixed-size fields sit.
    public let head: FixedSampleFields

    init(_ attr: EventAttr) {
        let t = attr.sampleType
        type = t
        head = FixedSampleFields(t)
        readFormat = attr.readFormat
        sampleIDAll = attr.sampleIDAll
        regsUserCount = attr.sampleRegsUser.nonzeroBitCount
        regsIntrCount = attr.sampleRegsIntr.nonzeroBitCount
        branchHWIndex = attr.branchSampleType & (1 << 17) != 0
        defaultPeriod = attr.freq ? 0 : attr.samplePeriodOrFreq
        var trailer = 0
        for f in [SampleFormat.tid, .time, .id, .streamID, .cpu, .identifier] where t.contains(f) { trailer += 8 }
        trailerSize = trailer
        if t.contains(.identifier) {
            idPosition = 0
            idPositionFromEnd = 1
        } else if t.contains(.id) {
            var p = 0
            for f in [SampleFormat.ip, .tid, .time, .addr] where t.contains(f) { p += 1 }
            idPosition = p
            var e = 1
            if t.contains(.cpu) { e += 1 }
            if t.contains(.streamID) { e += 1 }
            idPositionFromEnd = e
        } else {
            idPosition = -1
            idPositionFromEnd = -1
        }
    }
}

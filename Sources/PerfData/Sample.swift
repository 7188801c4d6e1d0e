import BinaryIO

/// A borrowed array of u64 in the file's byte order (callchains, registers). Valid while its file lives.
@frozen
public struct U64View: RandomAccessCollection {
    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline let swaps: Bool
    public let count: Int

    @inlinable
    init(base: UnsafeRawPointer?, count: Int, swaps: Bool) {
        self.base = base
        self.count = count
        self.swaps = swaps
    }

    @inlinable public static var empty: U64View { U64View(base: nil, count: 0, swaps: false) }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable
    public subscript(i: Int) -> UInt64 {
        precondition(i >= 0 && i < count, "U64View index out of range")
        let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
        return swaps ? v.byteSwapped : v
    }
}

extension ByteCursor {
    @inlinable
    mutating func u64View(_ n: Int, _ what: @autoclosure () -> String) throws(ReadError) -> U64View {
        guard n >= 0, n <= remaining / 8 else {
            throw ReadError(.truncated(needed: n &* 8, available: remaining), offset: offset, what: what())
        }
        let b = try bytes(n * 8, what())
        return U64View(base: b.baseAddress, count: n, swaps: swapsBytes)
    }
}

/// The `sample_id_all` fields carried by non-sample records (and all of them by samples).
public struct SampleID: Sendable, Equatable {
    public var pid: Int32 = -1
    public var tid: Int32 = -1
    /// Zero when not recorded: perf treats records without time as "deliver immediately".
    public var time: UInt64 = 0
    public var id: UInt64 = 0
    public var streamID: UInt64 = 0
    public var cpu: UInt32 = 0
    public var hasTime = false
    public var hasCPU = false
    public init() {}
}

/// One PERF_RECORD_SAMPLE, decoded. Array-like fields borrow from the file.
///
/// The fields `-g` and `--call-graph dwarf` captures record are stored here, the rest (raw, branches,
/// regs_intr, read values, aux and five rare u64) in `rare`, allocated only by a sample that has one: the
/// fold copies each Sample into its entry point, and glibc's memcpy costs ~70 instructions above 256
/// bytes against ~20 below (352 bytes inline cost 93 instructions a sample with the model's copy).
public struct Sample {
    /// Index into `PerfFile.events`.
    public var eventIndex: Int
    public var ip: UInt64 = 0
    public var time: UInt64 = 0
    public var addr: UInt64 = 0
    public var id: UInt64 = 0
    public var streamID: UInt64 = 0
    public var period: UInt64 = 0
    public var weight: UInt64 = 0
    public var dataSrc: UInt64 = 0
    public var pid: Int32 = -1
    public var tid: Int32 = -1
    public var cpu: UInt32 = 0
    public var misc: UInt16
    /// Raw callchain entries including `PERF_CONTEXT_*` markers, leaf first.
    public var callchain: U64View = .empty
    public var regsUserABI: UInt64 = 0
    public var regsUser: U64View = .empty
    public var userStack: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    public var userStackDynSize: UInt64 = 0
    /// The rare fields, nil until one of them is set (SampleRare.swift).
    @usableFromInline var rare: SampleRareFields?

    @inlinable public var cpuMode: CPUMode { CPUMode(rawValue: misc & 7) }

    // Always inlined: `PerfFile.sample(_:into:)` resets a Sample with it, and an outlined init filled a
    // temporary that was then copied (352 bytes) into place.
    @inline(__always) @inlinable
    init(eventIndex: Int, misc: UInt16) {
        self.eventIndex = eventIndex
        self.misc = misc
    }

    /// An empty sample, for `PerfFile.sample(_:into:)` to fill.
    @inlinable public init() { self.init(eventIndex: 0, misc: 0) }

    /// What `Sample(eventIndex:misc:)` holds, field by field: assigning a new Sample destroyed the old
    /// one whole (an outlined destroy and a release of the nil box, ~22 instructions a sample).
    @inline(__always) @inlinable
    mutating func reset(eventIndex: Int, misc: UInt16) {
        if rare != nil { rare = nil }
        self.eventIndex = eventIndex
        self.misc = misc
        (ip, time, addr, id, streamID, period, weight, dataSrc) = (0, 0, 0, 0, 0, 0, 0, 0)
        (pid, tid, cpu) = (-1, -1, 0)
        callchain = .empty
        regsUserABI = 0
        regsUser = .empty
        userStack = UnsafeRawBufferPointer(start: nil, count: 0)
        userStackDynSize = 0
    }

    /// Callchain addresses with the context markers removed, each with the cpu mode its marker set.
    /// Without a callchain, the sample's ip alone.
    public func frames() -> [(address: UInt64, mode: CPUMode)] {
        var out: [(UInt64, CPUMode)] = []
        if callchain.isEmpty {
            out.append((ip, cpuMode))
            return out
        }
        out.reserveCapacity(callchain.count)
        var mode = cpuMode
        for v in callchain {
            if CallchainContext.isMarker(v) {
                mode = CallchainContext.mode(of: v)
            } else {
                out.append((v, mode))
            }
        }
        return out
    }
}

extension Sample {
    /// Decodes a SAMPLE body (after the 8-byte header) with the event's layout, in kernel order.
    @inlinable
    static func decode(_ c: inout ByteCursor, layout l: SampleLayout, eventIndex: Int, misc: UInt16) throws(ReadError)
        -> Sample
    {
        var s = Sample(eventIndex: eventIndex, misc: misc)
        if _fastPath(l.head.size <= c.remaining) {
            if l.head.size > 0 {
                let p = try c.bytes(l.head.size, "sample")
                s.readHead(p.baseAddress.unsafelyUnwrapped, l.head, swaps: c.swapsBytes, defaultPeriod: l.defaultPeriod)
            } else {
                s.period = l.defaultPeriod
            }
        } else {
            // Cut short in the head: read field by field, so that the error names the field.
            try s.readHeadChecked(&c, l)
        }
        if l.type.rawValue & SampleLayout.tailFields != 0 { try s.readTail(&c, l) }
        return s
    }

    @inlinable
    mutating func readHeadChecked(_ c: inout ByteCursor, _ l: SampleLayout) throws(ReadError) {
        let t = l.type
        if t.contains(.identifier) { id = try c.u64("sample.identifier") }
        if t.contains(.ip) { ip = try c.u64("sample.ip") }
        if t.contains(.tid) {
            pid = try c.i32("sample.pid")
            tid = try c.i32("sample.tid")
        }
        if t.contains(.time) { time = try c.u64("sample.time") }
        if t.contains(.addr) { addr = try c.u64("sample.addr") }
        if t.contains(.id) { id = try c.u64("sample.id") }
        if t.contains(.streamID) { streamID = try c.u64("sample.stream_id") }
        if t.contains(.cpu) {
            cpu = try c.u32("sample.cpu")
            try c.skip(4, "sample.cpu reserved")
        }
        period = t.contains(.period) ? try c.u64("sample.period") : l.defaultPeriod
    }

    /// The fields from READ on, each after its own bounds check (their sizes come from the record).
    @inlinable
    mutating func readTail(_ c: inout ByteCursor, _ l: SampleLayout) throws(ReadError) {
        let t = l.type
        if t.contains(.read) { readValues = try Sample.decodeRead(&c, l.readFormat) }
        if t.contains(.callchain) {
            let nr = try c.u64("sample.callchain.nr")
            guard nr <= UInt64(c.remaining / 8) else {
                throw c.error(
                    "sample.callchain.nr", "\(nr) entries do not fit in the \(c.remaining) bytes left in the record")
            }
            callchain = try c.u64View(Int(nr), "sample.callchain")
        }
        if t.contains(.raw) {
            let size = Int(try c.u32("sample.raw.size"))
            raw = try c.bytes(size, "sample.raw.data")
            // The u32 size and the data are padded together to a multiple of 8.
            let pad = (8 - (4 + size) % 8) % 8
            try c.skip(pad, "sample.raw padding")
        }
        if t.contains(.branchStack) {
            let nr = try c.u64("sample.branch_stack.nr")
            if l.branchHWIndex { branchHWIndex = try c.u64("sample.branch_stack.hw_idx") }
            guard nr <= UInt64(c.remaining / 24) else {
                throw c.error("sample.branch_stack.nr", "\(nr) entries do not fit in the record")
            }
            branchCount = Int(nr)
            branches = try c.u64View(Int(nr) * 3, "sample.branch_stack.entries")
        }
        if t.contains(.regsUser) {
            regsUserABI = try c.u64("sample.regs_user.abi")
            if regsUserABI != 0 { regsUser = try c.u64View(l.regsUserCount, "sample.regs_user") }
        }
        if t.contains(.stackUser) {
            let size = try c.u64("sample.stack_user.size")
            guard size <= UInt64(c.remaining) else {
                throw c.error("sample.stack_user.size", "\(size) bytes do not fit in the record")
            }
            userStack = try c.bytes(Int(size), "sample.stack_user.data")
            if size != 0 { userStackDynSize = try c.u64("sample.stack_user.dyn_size") }
        }
        if t.contains(.weight) || t.contains(.weightStruct) { weight = try c.u64("sample.weight") }
        if t.contains(.dataSrc) { dataSrc = try c.u64("sample.data_src") }
        if t.contains(.transaction) { transaction = try c.u64("sample.transaction") }
        if t.contains(.regsIntr) {
            regsIntrABI = try c.u64("sample.regs_intr.abi")
            if regsIntrABI != 0 { regsIntr = try c.u64View(l.regsIntrCount, "sample.regs_intr") }
        }
        if t.contains(.physAddr) { physAddr = try c.u64("sample.phys_addr") }
        if t.contains(.cgroup) { cgroup = try c.u64("sample.cgroup") }
        if t.contains(.dataPageSize) { dataPageSize = try c.u64("sample.data_page_size") }
        if t.contains(.codePageSize) { codePageSize = try c.u64("sample.code_page_size") }
        if t.contains(.aux) {
            let size = try c.u64("sample.aux.size")
            guard size <= UInt64(c.remaining) else {
                throw c.error("sample.aux.size", "\(size) bytes do not fit in the record")
            }
            aux = try c.bytes(Int(size), "sample.aux.data")
        }
    }

    @inlinable
    static func decodeRead(_ c: inout ByteCursor, _ f: ReadFormat) throws(ReadError) -> U64View {
        let start = c.rest.baseAddress
        var words = 0
        if f.contains(.group) {
            let nr = try c.u64("sample.read.nr")
            words = 1
            if f.contains(.totalTimeEnabled) { words += 1 }
            if f.contains(.totalTimeRunning) { words += 1 }
            var per = 1
            if f.contains(.id) { per += 1 }
            if f.contains(.lost) { per += 1 }
            guard nr <= UInt64(c.remaining / (8 * per)) else {
                throw c.error("sample.read.nr", "\(nr) values do not fit in the record")
            }
            words += Int(nr) * per
            try c.skip((words - 1) * 8, "sample.read values")
        } else {
            words = 1
            for b in [ReadFormat.totalTimeEnabled, .totalTimeRunning, .id, .lost] where f.contains(b) { words += 1 }
            try c.skip(words * 8, "sample.read values")
        }
        return U64View(base: start, count: words, swaps: c.swapsBytes)
    }
}

extension SampleID {
    /// Reads the `sample_id_all` trailer at the end of a non-sample record body.
    @inlinable
    static func decodeTrailer(_ body: ByteCursor, layout l: SampleLayout) throws(ReadError) -> SampleID {
        var id = SampleID()
        guard l.sampleIDAll, l.trailerSize > 0, body.count >= l.trailerSize else { return id }
        var c = try body.slice((body.count - l.trailerSize)..<body.count, "sample_id trailer")
        let t = l.type
        if t.contains(.tid) {
            id.pid = try c.i32("sample_id.pid")
            id.tid = try c.i32("sample_id.tid")
        }
        if t.contains(.time) {
            id.time = try c.u64("sample_id.time")
            id.hasTime = true
        }
        if t.contains(.id) { id.id = try c.u64("sample_id.id") }
        if t.contains(.streamID) { id.streamID = try c.u64("sample_id.stream_id") }
        if t.contains(.cpu) {
            id.cpu = try c.u32("sample_id.cpu")
            id.hasCPU = true
            try c.skip(4)
        }
        if t.contains(.identifier) { id.id = try c.u64("sample_id.identifier") }
        return id
    }
}

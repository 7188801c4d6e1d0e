/// An executable mapping of a process (or of the kernel, pid -1).
public struct Mapping: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public var pageOffset: UInt64
    public var filename: String
    public var buildID: String?
    /// Stable small id for caches keyed by (mapping, address).
    public var id: Int
    /// Recorded as a kernel map (pid -1 or kernel mode): the kernel or a module, whatever its name
    /// (perf names modules `[name]` when it found no `.ko` file on the recording host).
    public var inKernelSpace = false

    public init(start: UInt64, end: UInt64, pageOffset: UInt64, filename: String, buildID: String? = nil, id: Int = 0,
                inKernelSpace: Bool = false) {
        self.start = start
        self.end = end
        self.pageOffset = pageOffset
        self.filename = filename
        self.buildID = buildID
        self.id = id
        self.inKernelSpace = inKernelSpace
    }

    /// The offset in the file that `address` maps (perf's `map__map_ip` for file-backed maps).
    @inlinable public func fileOffset(of address: UInt64) -> UInt64 { address &- start &+ pageOffset }
    @inlinable public func contains(_ a: UInt64) -> Bool { a >= start && a < end }
    public var isKernel: Bool { inKernelSpace || filename.hasPrefix("[kernel.kallsyms]") || filename.hasPrefix("/lib/modules/") }
}

/// Processes, threads, comms and maps over time, built by feeding records in perf's order
/// (`machine__process_event`): COMM, FORK, EXIT, MMAP, MMAP2.
public struct ProcessModel {
    struct Process {
        /// Sorted by start; non-overlapping (a new map cuts the ones it overlaps, as perf's maps__fixup_overlappings);
        /// shared with forked children until either side maps something.
        var maps = MapTable()
    }
    var processes: [Int32: Process] = [:]
    var threadPid: [Int32: Int32] = [:]
    var comms: [Int32: String] = [:]
    /// The kernel's maps: the same two-level table as a process's (50,000 kernel maps inserted one by
    /// one into one array took minutes).
    var kernelTable = MapTable()
    /// The kernel's maps in one sorted array.
    public var kernelMaps: [Mapping] {
        var t = kernelTable
        t.merge()
        return t.base
    }
    /// Executable mappings seen so far: it changes exactly when a record changed some process's maps.
    public var mappingCount: Int { allMappings.count }
    /// All mappings ever seen, by id.
    public private(set) var allMappings: [Mapping] = []
    let buildIDs: [String: String]
    /// Malformed records skipped and AUX data passed over, for the warnings (RecordNotes.swift).
    public private(set) var notes = RecordNotes()

    public init(file: PerfFile) {
        var ids: [String: String] = [:]
        for b in file.features.buildIDs { ids[b.filename] = b.buildID }
        buildIDs = ids
    }

    public mutating func process(_ rec: RawRecord, in file: PerfFile) {
        switch rec.type {
        case .comm:
            guard let c = decoded({ () throws(PerfDataError) in try file.comm(rec) }, rec) else { return }
            // perf keeps the old maps across exec (the new image's maps overwrite them as they arrive):
            // samples taken inside execve still resolve against the old image.
            comms[c.tid] = c.comm
            threadPid[c.tid] = c.pid
        case .fork:
            guard let t = decoded({ () throws(PerfDataError) in try file.task(rec) }, rec) else { return }
            threadPid[t.tid] = t.pid
            if comms[t.tid] == nil, let parent = comms[t.ptid] { comms[t.tid] = parent }
            if t.pid != t.ppid, processes[t.pid] == nil {
                // A new process starts with a copy of its parent's maps (fork without exec).
                // The parent's recent maps merged first: the child then shares every map with it.
                processes[t.ppid]?.maps.merge()
                processes[t.pid] = processes[t.ppid] ?? Process()
            }
        case .exit:
            break  // Samples may still arrive for an exiting thread; keep its state.
        case .mmap, .mmap2:
            guard let m = decoded({ () throws(PerfDataError) in try file.mmap(rec) }, rec), m.isExecutable else { return }
            // perf names the kernel map after its dso, without the "_text" reference symbol.
            var name = m.filename.hasPrefix("[kernel.kallsyms]") ? "[kernel.kallsyms]" : m.filename
            let kernel = m.pid == -1 || m.cpuMode == .kernel
            // Memory without a file is named after the process's perf map, its addresses shown as they are.
            var pageOffset = m.pageOffset
            if !kernel, let jit = Mapping.jitMapName(name, pid: m.pid) { (name, pageOffset) = (jit, m.start) }
            let map = Mapping(start: m.start, end: m.start &+ m.length, pageOffset: pageOffset, filename: name,
                              buildID: m.buildID ?? buildIDs[name], id: allMappings.count, inKernelSpace: kernel)
            allMappings.append(map)
            if kernel {
                kernelTable.insert(map)
            } else {
                if threadPid[m.tid] == nil { threadPid[m.tid] = m.pid }
                processes[m.pid, default: Process()].maps.insert(map)
            }
        default:
            notes.observe(rec)
        }
    }

    /// The record decoded, or nil with the failure counted: a malformed record is skipped, never silently.
    private mutating func decoded<T>(_ decode: () throws(PerfDataError) -> T, _ rec: RawRecord) -> T? {
        do { return try decode() } catch {
            notes.noteMalformed(rec, error)
            return nil
        }
    }

    /// Inserts into one sorted array, moving all of it: the reference the two-level table is tested against.
    static func insert(_ m: Mapping, into maps: inout [Mapping]) {
        var out: [Mapping] = []
        out.reserveCapacity(maps.count + 2)
        for old in maps {
            if old.end <= m.start || old.start >= m.end {
                out.append(old)
                continue
            }
            if old.start < m.start {
                var left = old
                left.end = m.start
                out.append(left)
            }
            if old.end > m.end {
                var right = old
                right.pageOffset = old.pageOffset &+ (m.end - old.start)
                right.start = m.end
                out.append(right)
            }
        }
        let i = out.firstIndex { $0.start > m.start } ?? out.count
        out.insert(m, at: i)
        maps = out
    }

    /// The comm of a thread at this point of the stream; perf prints `:tid` for threads it never saw named.
    /// The idle task (tid 0) is "swapper", as perf names it.
    public func comm(tid: Int32) -> String { comms[tid] ?? (tid == 0 ? "swapper" : ":\(tid)") }

    public func pid(ofThread tid: Int32) -> Int32? { threadPid[tid] }

    /// The mapping that holds `address` for process `pid`, or the kernel's for kernel modes.
    public func mapping(pid: Int32, address: UInt64, mode: CPUMode) -> Mapping? {
        if mode.isKernel { return findKernel(address) }
        if let m = processes[pid]?.maps.find(address) { return m }
        // perf falls back to the kernel maps for user-mode addresses above the user range.
        return mode == .unknown ? findKernel(address) : nil
    }

    /// perf stretches each kernel map to the start of the next (maps__fixup_end) and the last one to the
    /// end of the address space, so kernel addresses past `_text`'s recorded length still resolve.
    func findKernel(_ a: UInt64) -> Mapping? { kernelTable.findBelow(a) }

    /// The reference for `findKernel`: the last map of the one-array table starting at or below `a`.
    static func findBelow(_ a: UInt64, in maps: [Mapping]) -> Mapping? {
        MapTable.lastStarting(atOrBelow: a, in: maps).map { maps[$0] }
    }

    /// The map of `maps` (sorted, non-overlapping) that holds `a`.
    static func find(_ a: UInt64, in maps: [Mapping]) -> Mapping? { MapTable.find(a, in: maps) }
}

import BinaryIO

/// A build-id from the BUILD_ID feature (or HEADER_BUILD_ID records).
public struct BuildIDEntry: Sendable, Equatable {
    public var pid: Int32
    public var cpuMode: CPUMode
    /// Lowercase hex.
    public var buildID: String
    public var filename: String
}

/// The decoded feature sections; anything not decoded is listed in `present` only.
public struct Features: Sendable {
    public var present: [FeatureID] = []
    public var hostname: String?
    public var osRelease: String?
    public var perfVersion: String?
    public var arch: String?
    public var nrCPUsAvailable: UInt32?
    public var nrCPUsOnline: UInt32?
    public var cpuDesc: String?
    public var cpuID: String?
    /// kB.
    public var totalMemory: UInt64?
    public var cmdline: [String]?
    public var buildIDs: [BuildIDEntry] = []
    /// Clock resolution in ns (CLOCKID feature).
    public var clockResolutionNs: UInt64?
    /// CLOCK_DATA: the clock samples use and a (wall, clock) reference pair.
    public var clockData: ClockData?
    public var sampleTime: (first: UInt64, last: UInt64)?
    public var compression: (version: UInt32, type: UInt32, level: UInt32, ratio: UInt32, mmapLen: UInt32)?
    public var pmuMappings: [(type: UInt32, name: String)] = []

    public struct ClockData: Sendable, Equatable {
        public var version: UInt32
        public var clockID: UInt32
        /// Wall clock (gettimeofday, µs resolution) in ns since the epoch.
        public var todNs: UInt64
        /// The sampling clock at the same instant.
        public var clockNs: UInt64
    }

    mutating func decode(_ id: FeatureID, _ c: inout ByteCursor, file: PerfFile) throws(ReadError) {
        if !present.contains(id) { present.append(id) }
        switch id {
        case .hostname: hostname = try Self.string(&c, "HOSTNAME")
        case .osRelease: osRelease = try Self.string(&c, "OSRELEASE")
        case .version: perfVersion = try Self.string(&c, "VERSION")
        case .arch: arch = try Self.string(&c, "ARCH")
        case .cpuDesc: cpuDesc = try Self.string(&c, "CPUDESC")
        case .cpuID: cpuID = try Self.string(&c, "CPUID")
        case .nrCPUs:
            nrCPUsAvailable = try c.u32("NRCPUS available")
            nrCPUsOnline = try c.u32("NRCPUS online")
        case .totalMem: totalMemory = try c.u64("TOTAL_MEM")
        case .cmdline:
            let n = try c.u32("CMDLINE count")
            guard n <= UInt32(c.remaining / 4) else { throw c.error("CMDLINE count", "\(n) strings cannot fit") }
            var args: [String] = []
            for _ in 0..<n { args.append(try Self.string(&c, "CMDLINE argument")) }
            cmdline = args
        case .eventDesc:
            let n = try c.u32("EVENT_DESC count")
            let attrSize = Int(try c.u32("EVENT_DESC attr size"))
            var list: [(attr: EventAttr, name: String, ids: [UInt64])] = []
            guard n <= UInt32(c.remaining / max(attrSize, 1)) else { throw c.error("EVENT_DESC count", "\(n) events cannot fit") }
            for i in 0..<n {
                let start = c.position
                let attr = try EventAttr.parse(&c, available: attrSize, what: "EVENT_DESC[\(i)].attr")
                c.position = start
                try c.skip(attrSize, "EVENT_DESC attr")
                let nrIDs = try c.u32("EVENT_DESC nr_ids")
                let name = try Self.string(&c, "EVENT_DESC name")
                guard nrIDs <= UInt32(c.remaining / 8) else { throw c.error("EVENT_DESC nr_ids", "\(nrIDs) ids cannot fit") }
                var ids: [UInt64] = []
                for _ in 0..<nrIDs { ids.append(try c.u64("EVENT_DESC id")) }
                list.append((attr, name, ids))
            }
            file.applyEventDesc(list)
        case .buildID:
            buildIDs.append(contentsOf: try Self.buildIDs(&c))
        case .clockID:
            clockResolutionNs = try c.u64("CLOCKID")
        case .clockData:
            clockData = ClockData(version: try c.u32("CLOCK_DATA version"), clockID: try c.u32("CLOCK_DATA clockid"),
                                  todNs: try c.u64("CLOCK_DATA tod_ns"), clockNs: try c.u64("CLOCK_DATA clockid_ns"))
        case .sampleTime:
            sampleTime = (try c.u64("SAMPLE_TIME first"), try c.u64("SAMPLE_TIME last"))
        case .compressed:
            compression = (try c.u32(), try c.u32(), try c.u32(), try c.u32(), try c.u32())
        case .pmuMappings:
            let n = try c.u32("PMU_MAPPINGS count")
            guard n <= UInt32(c.remaining / 8) else { throw c.error("PMU_MAPPINGS count", "\(n) entries cannot fit") }
            for _ in 0..<n {
                let type = try c.u32("PMU type")
                pmuMappings.append((type, try Self.string(&c, "PMU name")))
            }
        default:
            break
        }
    }

    /// `struct perf_header_string`: u32 len (padded), then NUL-terminated bytes.
    static func string(_ c: inout ByteCursor, _ what: String) throws(ReadError) -> String {
        let len = Int(try c.u32(what + " length"))
        return try c.paddedString(len, what)
    }

    /// A run of `build_id_event` records.
    static func buildIDs(_ c: inout ByteCursor) throws(ReadError) -> [BuildIDEntry] {
        var out: [BuildIDEntry] = []
        while c.remaining >= 8 {
            let start = c.position
            _ = try c.u32("build_id_event type")
            let misc = try c.u16("build_id_event misc")
            let size = Int(try c.u16("build_id_event size"))
            guard size >= 8 + 4 + 24, size - 8 <= c.remaining else {
                throw c.error("build_id_event size", "size \(size) at decoded position \(start) is invalid")
            }
            var body = try c.sub(size - 8, "build_id_event")
            let pid = try body.i32("build_id_event pid")
            let raw = try body.bytes(24, "build_id_event build_id")
            // PERF_RECORD_MISC_BUILD_ID_SIZE: byte 20 holds the length; otherwise SHA-1 length.
            let n = misc & (1 << 15) != 0 ? min(Int(raw[20]), 20) : 20
            var hex = ""
            for b in raw[0..<n] { hex += String(format2: b) }
            let name = try body.paddedString(body.remaining, "build_id_event filename")
            out.append(BuildIDEntry(pid: pid, cpuMode: CPUMode(rawValue: misc & 7), buildID: hex, filename: name))
        }
        return out
    }
}

/// Event names as perf prints them when no EVENT_DESC names the event.
public enum EventNames {
    static let hardware = ["cycles", "instructions", "cache-references", "cache-misses", "branches",
                           "branch-misses", "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles"]
    static let software = ["cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations",
                           "minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy", "bpf-output",
                           "cgroup-switches"]

    public static func name(for a: EventAttr) -> String {
        switch a.type {
        case 0 where a.config < UInt64(hardware.count): return hardware[Int(a.config)]
        case 1 where a.config < UInt64(software.count): return software[Int(a.config)]
        case 2: return "tracepoint:\(a.config)"
        default: return "type\(a.type)/config 0x\(String(a.config, radix: 16))"
        }
    }
}

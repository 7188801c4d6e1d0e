/// `perf_event_header.type`. Open: unknown values survive and print as numbers.
public struct RecordType: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let mmap = RecordType(rawValue: 1)
    public static let lost = RecordType(rawValue: 2)
    public static let comm = RecordType(rawValue: 3)
    public static let exit = RecordType(rawValue: 4)
    public static let throttle = RecordType(rawValue: 5)
    public static let unthrottle = RecordType(rawValue: 6)
    public static let fork = RecordType(rawValue: 7)
    public static let read = RecordType(rawValue: 8)
    public static let sample = RecordType(rawValue: 9)
    public static let mmap2 = RecordType(rawValue: 10)
    public static let aux = RecordType(rawValue: 11)
    public static let itraceStart = RecordType(rawValue: 12)
    public static let lostSamples = RecordType(rawValue: 13)
    public static let switchRecord = RecordType(rawValue: 14)
    public static let switchCPUWide = RecordType(rawValue: 15)
    public static let namespaces = RecordType(rawValue: 16)
    public static let ksymbol = RecordType(rawValue: 17)
    public static let bpfEvent = RecordType(rawValue: 18)
    public static let cgroup = RecordType(rawValue: 19)
    public static let textPoke = RecordType(rawValue: 20)
    public static let auxOutputHWID = RecordType(rawValue: 21)
    // perf's own records (PERF_RECORD_USER_TYPE_START = 64).
    public static let headerAttr = RecordType(rawValue: 64)
    public static let headerEventType = RecordType(rawValue: 65)
    public static let headerTracingData = RecordType(rawValue: 66)
    public static let headerBuildID = RecordType(rawValue: 67)
    public static let finishedRound = RecordType(rawValue: 68)
    public static let idIndex = RecordType(rawValue: 69)
    public static let auxtraceInfo = RecordType(rawValue: 70)
    public static let auxtrace = RecordType(rawValue: 71)
    public static let auxtraceError = RecordType(rawValue: 72)
    public static let threadMap = RecordType(rawValue: 73)
    public static let cpuMap = RecordType(rawValue: 74)
    public static let statConfig = RecordType(rawValue: 75)
    public static let stat = RecordType(rawValue: 76)
    public static let statRound = RecordType(rawValue: 77)
    public static let eventUpdate = RecordType(rawValue: 78)
    public static let timeConv = RecordType(rawValue: 79)
    public static let headerFeature = RecordType(rawValue: 80)
    public static let compressed = RecordType(rawValue: 81)
    public static let finishedInit = RecordType(rawValue: 82)
    public static let compressed2 = RecordType(rawValue: 83)

    /// Records the kernel writes (as opposed to perf's own, >= 64).
    @inlinable public var isKernelRecord: Bool { rawValue < 64 }

    static let names: [UInt32: String] = [
        1: "MMAP", 2: "LOST", 3: "COMM", 4: "EXIT", 5: "THROTTLE", 6: "UNTHROTTLE", 7: "FORK", 8: "READ",
        9: "SAMPLE", 10: "MMAP2", 11: "AUX", 12: "ITRACE_START", 13: "LOST_SAMPLES", 14: "SWITCH",
        15: "SWITCH_CPU_WIDE", 16: "NAMESPACES", 17: "KSYMBOL", 18: "BPF_EVENT", 19: "CGROUP", 20: "TEXT_POKE",
        21: "AUX_OUTPUT_HW_ID", 64: "HEADER_ATTR", 65: "HEADER_EVENT_TYPE", 66: "HEADER_TRACING_DATA",
        67: "HEADER_BUILD_ID", 68: "FINISHED_ROUND", 69: "ID_INDEX", 70: "AUXTRACE_INFO", 71: "AUXTRACE",
        72: "AUXTRACE_ERROR", 73: "THREAD_MAP", 74: "CPU_MAP", 75: "STAT_CONFIG", 76: "STAT", 77: "STAT_ROUND",
        78: "EVENT_UPDATE", 79: "TIME_CONV", 80: "HEADER_FEATURE", 81: "COMPRESSED", 82: "FINISHED_INIT",
        83: "COMPRESSED2",
    ]

    /// perf's name without the `PERF_RECORD_` prefix, or `UNKNOWN(n)`.
    public var name: String { Self.names[rawValue] ?? "UNKNOWN(\(rawValue))" }
    public var description: String { name }
    public static func < (a: RecordType, b: RecordType) -> Bool { a.rawValue < b.rawValue }
}

/// `perf_event_attr.sample_type` bits (`PERF_SAMPLE_*`).
public struct SampleFormat: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let ip = SampleFormat(rawValue: 1 << 0)
    public static let tid = SampleFormat(rawValue: 1 << 1)
    public static let time = SampleFormat(rawValue: 1 << 2)
    public static let addr = SampleFormat(rawValue: 1 << 3)
    public static let read = SampleFormat(rawValue: 1 << 4)
    public static let callchain = SampleFormat(rawValue: 1 << 5)
    public static let id = SampleFormat(rawValue: 1 << 6)
    public static let cpu = SampleFormat(rawValue: 1 << 7)
    public static let period = SampleFormat(rawValue: 1 << 8)
    public static let streamID = SampleFormat(rawValue: 1 << 9)
    public static let raw = SampleFormat(rawValue: 1 << 10)
    public static let branchStack = SampleFormat(rawValue: 1 << 11)
    public static let regsUser = SampleFormat(rawValue: 1 << 12)
    public static let stackUser = SampleFormat(rawValue: 1 << 13)
    public static let weight = SampleFormat(rawValue: 1 << 14)
    public static let dataSrc = SampleFormat(rawValue: 1 << 15)
    public static let identifier = SampleFormat(rawValue: 1 << 16)
    public static let transaction = SampleFormat(rawValue: 1 << 17)
    public static let regsIntr = SampleFormat(rawValue: 1 << 18)
    public static let physAddr = SampleFormat(rawValue: 1 << 19)
    public static let aux = SampleFormat(rawValue: 1 << 20)
    public static let cgroup = SampleFormat(rawValue: 1 << 21)
    public static let dataPageSize = SampleFormat(rawValue: 1 << 22)
    public static let codePageSize = SampleFormat(rawValue: 1 << 23)
    public static let weightStruct = SampleFormat(rawValue: 1 << 24)

    static let bitNames = ["IP", "TID", "TIME", "ADDR", "READ", "CALLCHAIN", "ID", "CPU", "PERIOD", "STREAM_ID",
                           "RAW", "BRANCH_STACK", "REGS_USER", "STACK_USER", "WEIGHT", "DATA_SRC", "IDENTIFIER",
                           "TRANSACTION", "REGS_INTR", "PHYS_ADDR", "AUX", "CGROUP", "DATA_PAGE_SIZE",
                           "CODE_PAGE_SIZE", "WEIGHT_STRUCT"]

    /// `IP|TID|TIME`, as `perf report --header-only` prints it; unknown bits as `0x...`.
    public var description: String { describeBits(rawValue, Self.bitNames) }
}

/// `perf_event_attr.read_format` bits.
public struct ReadFormat: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let totalTimeEnabled = ReadFormat(rawValue: 1 << 0)
    public static let totalTimeRunning = ReadFormat(rawValue: 1 << 1)
    public static let id = ReadFormat(rawValue: 1 << 2)
    public static let group = ReadFormat(rawValue: 1 << 3)
    public static let lost = ReadFormat(rawValue: 1 << 4)
    public var description: String {
        describeBits(rawValue, ["TOTAL_TIME_ENABLED", "TOTAL_TIME_RUNNING", "ID", "GROUP", "LOST"])
    }
}

func describeBits(_ value: UInt64, _ names: [String]) -> String {
    var parts: [String] = []
    var rest = value
    for (i, n) in names.enumerated() where value & (1 << UInt64(i)) != 0 {
        parts.append(n)
        rest &= ~(1 << UInt64(i))
    }
    if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
    return parts.isEmpty ? "0" : parts.joined(separator: "|")
}

/// `perf_event_header.misc & PERF_RECORD_MISC_CPUMODE_MASK`.
public struct CPUMode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let unknown = CPUMode(rawValue: 0)
    public static let kernel = CPUMode(rawValue: 1)
    public static let user = CPUMode(rawValue: 2)
    public static let hypervisor = CPUMode(rawValue: 3)
    public static let guestKernel = CPUMode(rawValue: 4)
    public static let guestUser = CPUMode(rawValue: 5)
    @inlinable public var isKernel: Bool { self == .kernel || self == .guestKernel || self == .hypervisor }
    public var description: String {
        ["unknown", "kernel", "user", "hypervisor", "guest-kernel", "guest-user"].indices.contains(Int(rawValue))
            ? ["unknown", "kernel", "user", "hypervisor", "guest-kernel", "guest-user"][Int(rawValue)] : "mode\(rawValue)"
    }
}

/// Callchain context markers (`PERF_CONTEXT_*`): entries at or above `max` are markers, not addresses.
public enum CallchainContext {
    public static let hv: UInt64 = UInt64(bitPattern: -32)
    public static let kernel: UInt64 = UInt64(bitPattern: -128)
    public static let user: UInt64 = UInt64(bitPattern: -512)
    public static let guest: UInt64 = UInt64(bitPattern: -2048)
    public static let guestKernel: UInt64 = UInt64(bitPattern: -2176)
    public static let guestUser: UInt64 = UInt64(bitPattern: -2560)
    public static let max: UInt64 = UInt64(bitPattern: -4095)

    @inlinable public static func isMarker(_ v: UInt64) -> Bool { v >= max }

    /// The cpu mode a marker switches to.
    @inlinable public static func mode(of marker: UInt64) -> CPUMode {
        switch marker {
        case kernel: return .kernel
        case user: return .user
        case hv: return .hypervisor
        case guestKernel: return .guestKernel
        case guestUser: return .guestUser
        default: return .unknown
        }
    }
}

/// Header feature bits (`HEADER_*` in tools/perf/util/header.h).
public struct FeatureID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: Int
    @inlinable public init(rawValue: Int) { self.rawValue = rawValue }
    public static let tracingData = FeatureID(rawValue: 1)
    public static let buildID = FeatureID(rawValue: 2)
    public static let hostname = FeatureID(rawValue: 3)
    public static let osRelease = FeatureID(rawValue: 4)
    public static let version = FeatureID(rawValue: 5)
    public static let arch = FeatureID(rawValue: 6)
    public static let nrCPUs = FeatureID(rawValue: 7)
    public static let cpuDesc = FeatureID(rawValue: 8)
    public static let cpuID = FeatureID(rawValue: 9)
    public static let totalMem = FeatureID(rawValue: 10)
    public static let cmdline = FeatureID(rawValue: 11)
    public static let eventDesc = FeatureID(rawValue: 12)
    public static let cpuTopology = FeatureID(rawValue: 13)
    public static let numaTopology = FeatureID(rawValue: 14)
    public static let branchStack = FeatureID(rawValue: 15)
    public static let pmuMappings = FeatureID(rawValue: 16)
    public static let groupDesc = FeatureID(rawValue: 17)
    public static let auxtrace = FeatureID(rawValue: 18)
    public static let stat = FeatureID(rawValue: 19)
    public static let cache = FeatureID(rawValue: 20)
    public static let sampleTime = FeatureID(rawValue: 21)
    public static let memTopology = FeatureID(rawValue: 22)
    public static let clockID = FeatureID(rawValue: 23)
    public static let dirFormat = FeatureID(rawValue: 24)
    public static let bpfProgInfo = FeatureID(rawValue: 25)
    public static let bpfBTF = FeatureID(rawValue: 26)
    public static let compressed = FeatureID(rawValue: 27)
    public static let cpuPMUCaps = FeatureID(rawValue: 28)
    public static let clockData = FeatureID(rawValue: 29)
    public static let hybridTopology = FeatureID(rawValue: 30)
    public static let pmuCaps = FeatureID(rawValue: 31)

    static let names = [
        1: "TRACING_DATA", 2: "BUILD_ID", 3: "HOSTNAME", 4: "OSRELEASE", 5: "VERSION", 6: "ARCH", 7: "NRCPUS",
        8: "CPUDESC", 9: "CPUID", 10: "TOTAL_MEM", 11: "CMDLINE", 12: "EVENT_DESC", 13: "CPU_TOPOLOGY",
        14: "NUMA_TOPOLOGY", 15: "BRANCH_STACK", 16: "PMU_MAPPINGS", 17: "GROUP_DESC", 18: "AUXTRACE", 19: "STAT",
        20: "CACHE", 21: "SAMPLE_TIME", 22: "MEM_TOPOLOGY", 23: "CLOCKID", 24: "DIR_FORMAT", 25: "BPF_PROG_INFO",
        26: "BPF_BTF", 27: "COMPRESSED", 28: "CPU_PMU_CAPS", 29: "CLOCK_DATA", 30: "HYBRID_TOPOLOGY",
        31: "PMU_CAPS",
    ]
    public var name: String { Self.names[rawValue] ?? "FEATURE(\(rawValue))" }
    public var description: String { name }
    public static func < (a: FeatureID, b: FeatureID) -> Bool { a.rawValue < b.rawValue }
}

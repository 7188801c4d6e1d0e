/// `perf_event_header.type`. Open: unknown values survive and print as numbers.
public struct RecordType: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable public static var mmap: RecordType { RecordType(rawValue: 1) }
    @inlinable public static var lost: RecordType { RecordType(rawValue: 2) }
    @inlinable public static var comm: RecordType { RecordType(rawValue: 3) }
    @inlinable public static var exit: RecordType { RecordType(rawValue: 4) }
    @inlinable public static var throttle: RecordType { RecordType(rawValue: 5) }
    @inlinable public static var unthrottle: RecordType { RecordType(rawValue: 6) }
    @inlinable public static var fork: RecordType { RecordType(rawValue: 7) }
    @inlinable public static var read: RecordType { RecordType(rawValue: 8) }
    @inlinable public static var sample: RecordType { RecordType(rawValue: 9) }
    @inlinable public static var mmap2: RecordType { RecordType(rawValue: 10) }
    @inlinable public static var aux: RecordType { RecordType(rawValue: 11) }
    @inlinable public static var itraceStart: RecordType { RecordType(rawValue: 12) }
    @inlinable public static var lostSamples: RecordType { RecordType(rawValue: 13) }
    @inlinable public static var switchRecord: RecordType { RecordType(rawValue: 14) }
    @inlinable public static var switchCPUWide: RecordType { RecordType(rawValue: 15) }
    @inlinable public static var namespaces: RecordType { RecordType(rawValue: 16) }
    @inlinable public static var ksymbol: RecordType { RecordType(rawValue: 17) }
    @inlinable public static var bpfEvent: RecordType { RecordType(rawValue: 18) }
    @inlinable public static var cgroup: RecordType { RecordType(rawValue: 19) }
    @inlinable public static var textPoke: RecordType { RecordType(rawValue: 20) }
    @inlinable public static var auxOutputHWID: RecordType { RecordType(rawValue: 21) }
    // perf's own records (PERF_RECORD_USER_TYPE_START = 64).
    @inlinable public static var headerAttr: RecordType { RecordType(rawValue: 64) }
    @inlinable public static var headerEventType: RecordType { RecordType(rawValue: 65) }
    @inlinable public static var headerTracingData: RecordType { RecordType(rawValue: 66) }
    @inlinable public static var headerBuildID: RecordType { RecordType(rawValue: 67) }
    @inlinable public static var finishedRound: RecordType { RecordType(rawValue: 68) }
    @inlinable public static var idIndex: RecordType { RecordType(rawValue: 69) }
    @inlinable public static var auxtraceInfo: RecordType { RecordType(rawValue: 70) }
    @inlinable public static var auxtrace: RecordType { RecordType(rawValue: 71) }
    @inlinable public static var auxtraceError: RecordType { RecordType(rawValue: 72) }
    @inlinable public static var threadMap: RecordType { RecordType(rawValue: 73) }
    @inlinable public static var cpuMap: RecordType { RecordType(rawValue: 74) }
    @inlinable public static var statConfig: RecordType { RecordType(rawValue: 75) }
    @inlinable public static var stat: RecordType { RecordType(rawValue: 76) }
    @inlinable public static var statRound: RecordType { RecordType(rawValue: 77) }
    @inlinable public static var eventUpdate: RecordType { RecordType(rawValue: 78) }
    @inlinable public static var timeConv: RecordType { RecordType(rawValue: 79) }
    @inlinable public static var headerFeature: RecordType { RecordType(rawValue: 80) }
    @inlinable public static var compressed: RecordType { RecordType(rawValue: 81) }
    @inlinable public static var finishedInit: RecordType { RecordType(rawValue: 82) }
    @inlinable public static var compressed2: RecordType { RecordType(rawValue: 83) }
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

    @inlinable public static var ip: SampleFormat { SampleFormat(rawValue: 1 << 0) }
    @inlinable public static var tid: SampleFormat { SampleFormat(rawValue: 1 << 1) }
    @inlinable public static var time: SampleFormat { SampleFormat(rawValue: 1 << 2) }
    @inlinable public static var addr: SampleFormat { SampleFormat(rawValue: 1 << 3) }
    @inlinable public static var read: SampleFormat { SampleFormat(rawValue: 1 << 4) }
    @inlinable public static var callchain: SampleFormat { SampleFormat(rawValue: 1 << 5) }
    @inlinable public static var id: SampleFormat { SampleFormat(rawValue: 1 << 6) }
    @inlinable public static var cpu: SampleFormat { SampleFormat(rawValue: 1 << 7) }
    @inlinable public static var period: SampleFormat { SampleFormat(rawValue: 1 << 8) }
    @inlinable public static var streamID: SampleFormat { SampleFormat(rawValue: 1 << 9) }
    @inlinable public static var raw: SampleFormat { SampleFormat(rawValue: 1 << 10) }
    @inlinable public static var branchStack: SampleFormat { SampleFormat(rawValue: 1 << 11) }
    @inlinable public static var regsUser: SampleFormat { SampleFormat(rawValue: 1 << 12) }
    @inlinable public static var stackUser: SampleFormat { SampleFormat(rawValue: 1 << 13) }
    @inlinable public static var weight: SampleFormat { SampleFormat(rawValue: 1 << 14) }
    @inlinable public static var dataSrc: SampleFormat { SampleFormat(rawValue: 1 << 15) }
    @inlinable public static var identifier: SampleFormat { SampleFormat(rawValue: 1 << 16) }
    @inlinable public static var transaction: SampleFormat { SampleFormat(rawValue: 1 << 17) }
    @inlinable public static var regsIntr: SampleFormat { SampleFormat(rawValue: 1 << 18) }
    @inlinable public static var physAddr: SampleFormat { SampleFormat(rawValue: 1 << 19) }
    @inlinable public static var aux: SampleFormat { SampleFormat(rawValue: 1 << 20) }
    @inlinable public static var cgroup: SampleFormat { SampleFormat(rawValue: 1 << 21) }
    @inlinable public static var dataPageSize: SampleFormat { SampleFormat(rawValue: 1 << 22) }
    @inlinable public static var codePageSize: SampleFormat { SampleFormat(rawValue: 1 << 23) }
    @inlinable public static var weightStruct: SampleFormat { SampleFormat(rawValue: 1 << 24) }
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
    @inlinable public static var totalTimeEnabled: ReadFormat { ReadFormat(rawValue: 1 << 0) }
    @inlinable public static var totalTimeRunning: ReadFormat { ReadFormat(rawValue: 1 << 1) }
    @inlinable public static var id: ReadFormat { ReadFormat(rawValue: 1 << 2) }
    @inlinable public static var group: ReadFormat { ReadFormat(rawValue: 1 << 3) }
    @inlinable public static var lost: ReadFormat { ReadFormat(rawValue: 1 << 4) }
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
    @inlinable public static var unknown: CPUMode { CPUMode(rawValue: 0) }
    @inlinable public static var kernel: CPUMode { CPUMode(rawValue: 1) }
    @inlinable public static var user: CPUMode { CPUMode(rawValue: 2) }
    @inlinable public static var hypervisor: CPUMode { CPUMode(rawValue: 3) }
    @inlinable public static var guestKernel: CPUMode { CPUMode(rawValue: 4) }
    @inlinable public static var guestUser: CPUMode { CPUMode(rawValue: 5) }
    @inlinable public var isKernel: Bool { self == .kernel || self == .guestKernel || self == .hypervisor }
    public var description: String {
        ["unknown", "kernel", "user", "hypervisor", "guest-kernel", "guest-user"].indices.contains(Int(rawValue))
            ? ["unknown", "kernel", "user", "hypervisor", "guest-kernel", "guest-user"][Int(rawValue)]
            : "mode\(rawValue)"
    }
}

/// Callchain context markers (`PERF_CONTEXT_*`): entries at or above `max` are markers, not addresses.
public enum CallchainContext {
    @inlinable public static var hv: UInt64 { UInt64(bitPattern: -32) }
    @inlinable public static var kernel: UInt64 { UInt64(bitPattern: -128) }
    @inlinable public static var user: UInt64 { UInt64(bitPattern: -512) }
    @inlinable public static var guest: UInt64 { UInt64(bitPattern: -2048) }
    @inlinable public static var guestKernel: UInt64 { UInt64(bitPattern: -2176) }
    @inlinable public static var guestUser: UInt64 { UInt64(bitPattern: -2560) }
    @inlinable public static var max: UInt64 { UInt64(bitPattern: -4095) }

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
    @inlinable public static var tracingData: FeatureID { FeatureID(rawValue: 1) }
    @inlinable public static var buildID: FeatureID { FeatureID(rawValue: 2) }
    @inlinable public static var hostname: FeatureID { FeatureID(rawValue: 3) }
    @inlinable public static var osRelease: FeatureID { FeatureID(rawValue: 4) }
    @inlinable public static var version: FeatureID { FeatureID(rawValue: 5) }
    @inlinable public static var arch: FeatureID { FeatureID(rawValue: 6) }
    @inlinable public static var nrCPUs: FeatureID { FeatureID(rawValue: 7) }
    @inlinable public static var cpuDesc: FeatureID { FeatureID(rawValue: 8) }
    @inlinable public static var cpuID: FeatureID { FeatureID(rawValue: 9) }
    @inlinable public static var totalMem: FeatureID { FeatureID(rawValue: 10) }
    @inlinable public static var cmdline: FeatureID { FeatureID(rawValue: 11) }
    @inlinable public static var eventDesc: FeatureID { FeatureID(rawValue: 12) }
    @inlinable public static var cpuTopology: FeatureID { FeatureID(rawValue: 13) }
    @inlinable public static var numaTopology: FeatureID { FeatureID(rawValue: 14) }
    @inlinable public static var branchStack: FeatureID { FeatureID(rawValue: 15) }
    @inlinable public static var pmuMappings: FeatureID { FeatureID(rawValue: 16) }
    @inlinable public static var groupDesc: FeatureID { FeatureID(rawValue: 17) }
    @inlinable public static var auxtrace: FeatureID { FeatureID(rawValue: 18) }
    @inlinable public static var stat: FeatureID { FeatureID(rawValue: 19) }
    @inlinable public static var cache: FeatureID { FeatureID(rawValue: 20) }
    @inlinable public static var sampleTime: FeatureID { FeatureID(rawValue: 21) }
    @inlinable public static var memTopology: FeatureID { FeatureID(rawValue: 22) }
    @inlinable public static var clockID: FeatureID { FeatureID(rawValue: 23) }
    @inlinable public static var dirFormat: FeatureID { FeatureID(rawValue: 24) }
    @inlinable public static var bpfProgInfo: FeatureID { FeatureID(rawValue: 25) }
    @inlinable public static var bpfBTF: FeatureID { FeatureID(rawValue: 26) }
    @inlinable public static var compressed: FeatureID { FeatureID(rawValue: 27) }
    @inlinable public static var cpuPMUCaps: FeatureID { FeatureID(rawValue: 28) }
    @inlinable public static var clockData: FeatureID { FeatureID(rawValue: 29) }
    @inlinable public static var hybridTopology: FeatureID { FeatureID(rawValue: 30) }
    @inlinable public static var pmuCaps: FeatureID { FeatureID(rawValue: 31) }
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

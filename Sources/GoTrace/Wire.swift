/// Event types of the Go ≥ 1.22 trace wire format (`internal/trace/tracev2/events.go`). Open: unknown
/// values survive and print as numbers. Numbering is shared by every version (only appended to).
public struct EventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var eventBatch: EventType { EventType(rawValue: 1) }
    @inlinable public static var stacks: EventType { EventType(rawValue: 2) }
    @inlinable public static var stack: EventType { EventType(rawValue: 3) }
    @inlinable public static var strings: EventType { EventType(rawValue: 4) }
    @inlinable public static var string: EventType { EventType(rawValue: 5) }
    @inlinable public static var cpuSamples: EventType { EventType(rawValue: 6) }
    @inlinable public static var cpuSample: EventType { EventType(rawValue: 7) }
    @inlinable public static var frequency: EventType { EventType(rawValue: 8) }
    @inlinable public static var procsChange: EventType { EventType(rawValue: 9) }
    @inlinable public static var procStart: EventType { EventType(rawValue: 10) }
    @inlinable public static var procStop: EventType { EventType(rawValue: 11) }
    @inlinable public static var procSteal: EventType { EventType(rawValue: 12) }
    @inlinable public static var procStatus: EventType { EventType(rawValue: 13) }
    @inlinable public static var goCreate: EventType { EventType(rawValue: 14) }
    @inlinable public static var goCreateSyscall: EventType { EventType(rawValue: 15) }
    @inlinable public static var goStart: EventType { EventType(rawValue: 16) }
    @inlinable public static var goDestroy: EventType { EventType(rawValue: 17) }
    @inlinable public static var goDestroySyscall: EventType { EventType(rawValue: 18) }
    @inlinable public static var goStop: EventType { EventType(rawValue: 19) }
    @inlinable public static var goBlock: EventType { EventType(rawValue: 20) }
    @inlinable public static var goUnblock: EventType { EventType(rawValue: 21) }
    @inlinable public static var goSyscallBegin: EventType { EventType(rawValue: 22) }
    @inlinable public static var goSyscallEnd: EventType { EventType(rawValue: 23) }
    @inlinable public static var goSyscallEndBlocked: EventType { EventType(rawValue: 24) }
    @inlinable public static var goStatus: EventType { EventType(rawValue: 25) }
    @inlinable public static var stwBegin: EventType { EventType(rawValue: 26) }
    @inlinable public static var stwEnd: EventType { EventType(rawValue: 27) }
    @inlinable public static var gcActive: EventType { EventType(rawValue: 28) }
    @inlinable public static var gcBegin: EventType { EventType(rawValue: 29) }
    @inlinable public static var gcEnd: EventType { EventType(rawValue: 30) }
    @inlinable public static var gcSweepActive: EventType { EventType(rawValue: 31) }
    @inlinable public static var gcSweepBegin: EventType { EventType(rawValue: 32) }
    @inlinable public static var gcSweepEnd: EventType { EventType(rawValue: 33) }
    @inlinable public static var gcMarkAssistActive: EventType { EventType(rawValue: 34) }
    @inlinable public static var gcMarkAssistBegin: EventType { EventType(rawValue: 35) }
    @inlinable public static var gcMarkAssistEnd: EventType { EventType(rawValue: 36) }
    @inlinable public static var heapAlloc: EventType { EventType(rawValue: 37) }
    @inlinable public static var heapGoal: EventType { EventType(rawValue: 38) }
    @inlinable public static var goLabel: EventType { EventType(rawValue: 39) }
    @inlinable public static var userTaskBegin: EventType { EventType(rawValue: 40) }
    @inlinable public static var userTaskEnd: EventType { EventType(rawValue: 41) }
    @inlinable public static var userRegionBegin: EventType { EventType(rawValue: 42) }
    @inlinable public static var userRegionEnd: EventType { EventType(rawValue: 43) }
    @inlinable public static var userLog: EventType { EventType(rawValue: 44) }
    @inlinable public static var goSwitch: EventType { EventType(rawValue: 45) }
    @inlinable public static var goSwitchDestroy: EventType { EventType(rawValue: 46) }
    @inlinable public static var goCreateBlocked: EventType { EventType(rawValue: 47) }
    @inlinable public static var goStatusStack: EventType { EventType(rawValue: 48) }
    @inlinable public static var experimentalBatch: EventType { EventType(rawValue: 49) }
    @inlinable public static var sync: EventType { EventType(rawValue: 50) }
    @inlinable public static var clockSnapshot: EventType { EventType(rawValue: 51) }
    @inlinable public static var endOfGeneration: EventType { EventType(rawValue: 52) }
    /// Not on the wire: the parser's generation boundary.
    @inlinable public static var syncMarker: EventType { EventType(rawValue: 255) }

    static let names: [UInt8: String] = [
        1: "EventBatch", 2: "Stacks", 3: "Stack", 4: "Strings", 5: "String", 6: "CPUSamples", 7: "CPUSample",
        8: "Frequency", 9: "ProcsChange", 10: "ProcStart", 11: "ProcStop", 12: "ProcSteal", 13: "ProcStatus",
        14: "GoCreate", 15: "GoCreateSyscall", 16: "GoStart", 17: "GoDestroy", 18: "GoDestroySyscall", 19: "GoStop",
        20: "GoBlock", 21: "GoUnblock", 22: "GoSyscallBegin", 23: "GoSyscallEnd", 24: "GoSyscallEndBlocked",
        25: "GoStatus", 26: "STWBegin", 27: "STWEnd", 28: "GCActive", 29: "GCBegin", 30: "GCEnd", 31: "GCSweepActive",
        32: "GCSweepBegin", 33: "GCSweepEnd", 34: "GCMarkAssistActive", 35: "GCMarkAssistBegin", 36: "GCMarkAssistEnd",
        37: "HeapAlloc", 38: "HeapGoal", 39: "GoLabel", 40: "UserTaskBegin", 41: "UserTaskEnd", 42: "UserRegionBegin",
        43: "UserRegionEnd", 44: "UserLog", 45: "GoSwitch", 46: "GoSwitchDestroy", 47: "GoCreateBlocked",
        48: "GoStatusStack", 49: "ExperimentalBatch", 50: "Sync", 51: "ClockSnapshot", 52: "EndOfGeneration",
        128: "Span", 129: "SpanAlloc", 130: "SpanFree", 131: "HeapObject", 132: "HeapObjectAlloc",
        133: "HeapObjectFree",
        134: "GoroutineStack", 135: "GoroutineStackAlloc", 136: "GoroutineStackFree", 255: "Sync(parser)"
    ]
    public var description: String { Self.names[rawValue] ?? "event\(rawValue)" }

    /// Arguments after the type byte of a timed event, the time delta included; nil if not a timed event.
    /// Go 1.22 knows 9…44, 1.23 adds 45…48 and experiments 128…136, 1.25 adds 51.
    static let timedArgCounts: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        let counts: [(UInt8, Int8)] = [
            (9, 3), (10, 3), (11, 1), (12, 4), (13, 3), (14, 4), (15, 2), (16, 3), (17, 1), (18, 1), (19, 3),
            (20, 3), (21, 4), (22, 3), (23, 1), (24, 1), (25, 4), (26, 3), (27, 1), (28, 2), (29, 3), (30, 2),
            (31, 2), (32, 2), (33, 3), (34, 2), (35, 2), (36, 1), (37, 2), (38, 2), (39, 2), (40, 5), (41, 3),
            (42, 4), (43, 4), (44, 5), (45, 3), (46, 3), (47, 4), (48, 5), (51, 4),
            (128, 4), (129, 4), (130, 2), (131, 3), (132, 3), (133, 2), (134, 3), (135, 3), (136, 2),
        ]
        for (k, v) in counts { t[Int(k)] = v }
        return t
    }()

    /// The highest event type each header version defines.
    static func isDefined(_ t: EventType, in version: TraceVersion) -> Bool {
        let v = t.rawValue
        switch version {
        case .go122: return v <= 44
        case .go123: return v <= 49 || (128...136).contains(v)
        case .go125: return v <= 51 || (128...136).contains(v)
        default: return v <= 52 || (128...136).contains(v)
        }
    }
}

/// The trace header's version (`go 1.NN trace`).
public struct TraceVersion: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int  // 1000 + minor
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let go121 = TraceVersion(rawValue: 1021)
    public static let go122 = TraceVersion(rawValue: 1022)
    public static let go123 = TraceVersion(rawValue: 1023)
    public static let go125 = TraceVersion(rawValue: 1025)
    public static let go126 = TraceVersion(rawValue: 1026)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "go 1.\(rawValue - 1000)" }
}

/// Goroutine and P states on the wire (`tracev2.GoStatus`, `tracev2.ProcStatus`).
enum WireGoStatus: UInt64 { case bad = 0, runnable, running, syscall, waiting }
enum WireProcStatus: UInt64 { case bad = 0, running, idle, syscall, syscallAbandoned }

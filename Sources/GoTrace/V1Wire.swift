// The v1 trace's wire types: event types, fake Ps, events as read and as kept.
import BinaryIO

/// Event types of the v1 wire format (go1.21 `src/runtime/trace.go`). Open: unknown values survive
/// and print as numbers.
public struct V1EventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var none: V1EventType { V1EventType(rawValue: 0) }
    @inlinable public static var batch: V1EventType { V1EventType(rawValue: 1) }
    @inlinable public static var frequency: V1EventType { V1EventType(rawValue: 2) }
    @inlinable public static var stack: V1EventType { V1EventType(rawValue: 3) }
    @inlinable public static var gomaxprocs: V1EventType { V1EventType(rawValue: 4) }
    @inlinable public static var procStart: V1EventType { V1EventType(rawValue: 5) }
    @inlinable public static var procStop: V1EventType { V1EventType(rawValue: 6) }
    @inlinable public static var gcStart: V1EventType { V1EventType(rawValue: 7) }
    @inlinable public static var gcDone: V1EventType { V1EventType(rawValue: 8) }
    @inlinable public static var stwStart: V1EventType { V1EventType(rawValue: 9) }
    @inlinable public static var stwDone: V1EventType { V1EventType(rawValue: 10) }
    @inlinable public static var gcSweepStart: V1EventType { V1EventType(rawValue: 11) }
    @inlinable public static var gcSweepDone: V1EventType { V1EventType(rawValue: 12) }
    @inlinable public static var goCreate: V1EventType { V1EventType(rawValue: 13) }
    @inlinable public static var goStart: V1EventType { V1EventType(rawValue: 14) }
    @inlinable public static var goEnd: V1EventType { V1EventType(rawValue: 15) }
    @inlinable public static var goStop: V1EventType { V1EventType(rawValue: 16) }
    @inlinable public static var goSched: V1EventType { V1EventType(rawValue: 17) }
    @inlinable public static var goPreempt: V1EventType { V1EventType(rawValue: 18) }
    @inlinable public static var goSleep: V1EventType { V1EventType(rawValue: 19) }
    @inlinable public static var goBlock: V1EventType { V1EventType(rawValue: 20) }
    @inlinable public static var goUnblock: V1EventType { V1EventType(rawValue: 21) }
    @inlinable public static var goBlockSend: V1EventType { V1EventType(rawValue: 22) }
    @inlinable public static var goBlockRecv: V1EventType { V1EventType(rawValue: 23) }
    @inlinable public static var goBlockSelect: V1EventType { V1EventType(rawValue: 24) }
    @inlinable public static var goBlockSync: V1EventType { V1EventType(rawValue: 25) }
    @inlinable public static var goBlockCond: V1EventType { V1EventType(rawValue: 26) }
    @inlinable public static var goBlockNet: V1EventType { V1EventType(rawValue: 27) }
    @inlinable public static var goSysCall: V1EventType { V1EventType(rawValue: 28) }
    @inlinable public static var goSysExit: V1EventType { V1EventType(rawValue: 29) }
    @inlinable public static var goSysBlock: V1EventType { V1EventType(rawValue: 30) }
    @inlinable public static var goWaiting: V1EventType { V1EventType(rawValue: 31) }
    @inlinable public static var goInSyscall: V1EventType { V1EventType(rawValue: 32) }
    @inlinable public static var heapAlloc: V1EventType { V1EventType(rawValue: 33) }
    @inlinable public static var heapGoal: V1EventType { V1EventType(rawValue: 34) }
    @inlinable public static var timerGoroutine: V1EventType { V1EventType(rawValue: 35) }
    @inlinable public static var futileWakeup: V1EventType { V1EventType(rawValue: 36) }
    @inlinable public static var string: V1EventType { V1EventType(rawValue: 37) }
    @inlinable public static var goStartLocal: V1EventType { V1EventType(rawValue: 38) }
    @inlinable public static var goUnblockLocal: V1EventType { V1EventType(rawValue: 39) }
    @inlinable public static var goSysExitLocal: V1EventType { V1EventType(rawValue: 40) }
    @inlinable public static var goStartLabel: V1EventType { V1EventType(rawValue: 41) }
    @inlinable public static var goBlockGC: V1EventType { V1EventType(rawValue: 42) }
    @inlinable public static var gcMarkAssistStart: V1EventType { V1EventType(rawValue: 43) }
    @inlinable public static var gcMarkAssistDone: V1EventType { V1EventType(rawValue: 44) }
    @inlinable public static var userTaskCreate: V1EventType { V1EventType(rawValue: 45) }
    @inlinable public static var userTaskEnd: V1EventType { V1EventType(rawValue: 46) }
    @inlinable public static var userRegion: V1EventType { V1EventType(rawValue: 47) }
    @inlinable public static var userLog: V1EventType { V1EventType(rawValue: 48) }
    @inlinable public static var cpuSample: V1EventType { V1EventType(rawValue: 49) }
    /// One past the last defined type.
    @inlinable public static var count: UInt8 { 50 }

    static let names = [
        "None", "Batch", "Frequency", "Stack", "Gomaxprocs", "ProcStart", "ProcStop", "GCStart", "GCDone", "GCSTWStart",
        "GCSTWDone", "GCSweepStart", "GCSweepDone", "GoCreate", "GoStart", "GoEnd", "GoStop", "GoSched", "GoPreempt",
        "GoSleep", "GoBlock", "GoUnblock", "GoBlockSend", "GoBlockRecv", "GoBlockSelect", "GoBlockSync", "GoBlockCond",
        "GoBlockNet", "GoSysCall", "GoSysExit", "GoSysBlock", "GoWaiting", "GoInSyscall", "HeapAlloc", "HeapGoal",
        "TimerGoroutine", "FutileWakeup", "String", "GoStartLocal", "GoUnblockLocal", "GoSysExitLocal", "GoStartLabel",
        "GoBlockGC", "GCMarkAssistStart", "GCMarkAssistDone", "UserTaskCreate", "UserTaskEnd", "UserRegion", "UserLog",
        "CPUSample",
    ]
    public var description: String { rawValue < Self.count ? Self.names[Int(rawValue)] : "v1 event \(rawValue)" }

    /// Named arguments of each type (`EventDescriptions[t].Args` in Go), the time delta and stack excluded.
    static let argCounts: [UInt8] = [
        0, 2, 1, 2, 1, 1, 0, 1, 0, 1, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 1, 1, 1, 1,
        1, 0, 0, 1, 1, 2, 3, 0, 0, 0, 3, 1, 3, 2, 3,
    ]
    /// Whether the last argument is a stack id (`EventDescriptions[t].Stack`).
    @inline(__always) var hasStack: Bool {
        switch rawValue {
        case 4, 7, 11, 13, 16...28, 39, 42, 43, 45...49: return true
        default: return false
        }
    }

    /// Wire arguments a well-formed event has (Go's `rawEvent.argNum`); not for Stack, whose count varies.
    static let wireArgCounts: [Int] = (0..<Int(count)).map { t in
        var n = Int(argCounts[t]) + (V1EventType(rawValue: UInt8(t)).hasStack ? 1 : 0)
        if t != 1 && t != 2 && t != 35 { n += 1 }  // every type but Batch, Frequency, TimerGoroutine is timed
        return n
    }
}

/// Fake Ps of Go's v1 parser (`tracev1.FakeP` …): where it moves timer unblocks, syscall exits, GC starts.
enum V1FakeP {
    static let timer: Int32 = 1_000_001
    static let netpoll: Int32 = 1_000_002
    static let syscall: Int32 = 1_000_003
    static let gc: Int32 = 1_000_004
    static let profile: Int32 = 1_000_005
}

/// One v1 event as Go's tracev1 parser keeps it (`tracev1.Event`), plus where it was read.
struct V1Event {
    /// Ticks while merging; nanoseconds since the first event afterwards.
    var ts: Int64 = 0
    var g: UInt64 = 0
    var a0: UInt64 = 0, a1: UInt64 = 0, a2: UInt64 = 0, a3: UInt64 = 0
    var stk: UInt32 = 0
    var p: Int32 = 0
    var type = V1EventType.none
    /// File offset of the event's header byte (saturated beyond 4 GiB), for errors.
    var offset: UInt32 = 0

    @inline(__always) mutating func setArg(_ i: Int, _ v: UInt64) {
        switch i {
        case 0: a0 = v
        case 1: a1 = v
        case 2: a2 = v
        default: a3 = v
        }
    }
}

/// An event as read off the wire, before `parseEvent` (Go's `rawEvent`). Arguments are kept inline
/// (no allocation per event); only Stack events, whose length varies, use `long`.
struct V1RawEvent {
    var type = V1EventType.none
    /// How many arguments were read (an event may carry more than the six kept inline: it is then rejected).
    var argc = 0
    var x0: UInt64 = 0, x1: UInt64 = 0, x2: UInt64 = 0, x3: UInt64 = 0, x4: UInt64 = 0, x5: UInt64 = 0
    var long: [UInt64] = []
    /// UserLog's inline value: where its bytes lie in the file.
    var stringStart = 0
    var stringCount = 0
    var batchPid: Int32 = 0
    var offset = 0

    @inline(__always) mutating func reset(_ t: V1EventType) {
        type = t
        argc = 0
        if t == .stack { long.removeAll(keepingCapacity: true) }
    }

    @inline(__always) mutating func append(_ v: UInt64) {
        if type == .stack {
            long.append(v)
        } else {
            switch argc {
            case 0: x0 = v
            case 1: x1 = v
            case 2: x2 = v
            case 3: x3 = v
            case 4: x4 = v
            case 5: x5 = v
            default: break
            }
        }
        argc += 1
    }

    @inline(__always) subscript(i: Int) -> UInt64 {
        if type == .stack { return long[i] }
        switch i {
        case 0: return x0
        case 1: return x1
        case 2: return x2
        case 3: return x3
        case 4: return x4
        default: return x5
        }
    }
}

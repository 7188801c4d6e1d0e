// Go 1.21 events turned into Go 1.22+ events, as Go 1.27's `internal/trace/tracev1.go` does for
// `internal/trace.Reader` (so `go tool trace -d=parsed` prints them): the whole trace is one
// generation; M is the runtime's m.id of the thread that last started the event's P.

import BinaryIO

/// Clock facts of a Go 1.21 trace: its times are `(ticks − minTicks) × 1e9 / ticksPerSecond` ns, where
/// ticks are `cputicks()/64` on amd64 (RDTSC) and `nanotime()/16` on arm64 — not CLOCK_MONOTONIC.
public struct V1Clock: Sendable, Equatable {
    /// Ticks of the first event (trace time 0).
    public var minTicks: Int64
    /// The footer's frequency, measured by the runtime when tracing stopped.
    public var ticksPerSecond: Int64
}

struct V1Converter {
    var events: [V1Event]
    var stacks: [UInt32: [UInt64]]
    var pcs: [UInt64: (fn: UInt64, file: UInt64, line: UInt64)]
    var strings: [UInt64: String] = [:]
    var inlineBase: UInt64 = 0
    /// String ids of the names the converter gives (block reasons, STW reasons), by `Builtin` index.
    var builtin: [UInt64] = []
    let clock: V1Clock

    var index = 0
    var preInit = true
    var createdPreInit: Set<UInt64> = []
    /// Goroutines that existed when tracing started: the GoCreate Go's converter drops (new stack, stack).
    var preInitCreations: [UInt64: (newStack: UInt64, stack: UInt64)] = [:]
    var extra: [TraceEvent] = []
    var extraHead = 0
    var tasks: [UInt64: (name: UInt64, parent: UInt64)] = [:]
    var seenProcs: Set<Int32> = []
    /// Time of the last event returned (Go's `lastTs`, -1 before the first).
    var lastTs: Int64 = -1
    var procMs = IntMap<Int64>()
    var lastStwReason: UInt64 = 0
    let stackArgIndex = V1Converter.stackArgIndexTable
    /// Indices of the GoSysCall events whose goroutine's next event is GoSysBlock.
    var blockedSyscalls: Set<Int> = []

    enum Builtin: Int {
        case forever, preempted, gosched, sleep, chanSend, chanRecv, network, sync, syncCond, select, empty,
            markAssistWait
        case stwUnknown
    }
    static let builtinNames = [
        "forever", "preempted", "runtime.Gosched", "sleep", "chan send", "chan receive", "network", "sync",
        "sync.(*Cond).Wait", "select", "", "GC mark assist wait for work",
        // STW reasons of Go 1.21 (stwReasonStrings), from index 12.
        "", "GC mark termination", "GC sweep termination", "write heap dump", "goroutine profile",
        "goroutine profile cleanup", "all goroutine stack trace", "read mem stats", "AllThreadsSyscall", "GOMAXPROCS",
        "start trace", "stop trace", "CountPagesInUse (test)", "ReadMetricsSlow (test)", "ReadMemStatsSlow (test)",
        "PageCachePagesLeaked (test)", "ResetDebugLog (test)",
    ]
    static let stwReasons = 17

    init(_ t: V1Trace) throws(GoTraceError) {
        events = t.events
        stacks = t.stacks
        pcs = t.pcs
        clock = V1Clock(minTicks: t.minTicks, ticksPerSecond: t.ticksPerSecond)
        blockedSyscalls = Self.blockedSyscalls(t.events)
        // The trace's strings keep their ids; inline log values and the converter's names follow them.
        strings = t.strings
        let maxID = t.strings.keys.max() ?? 0
        let total = UInt64(t.inlineStrings.count + Self.builtinNames.count)
        guard maxID <= UInt64.max - total else {
            throw GoTraceError(offset: 16, "trace contains too many strings (string id \(maxID))")
        }
        inlineBase = maxID + 1
        for (i, s) in t.inlineStrings.enumerated() { strings[inlineBase + UInt64(i)] = s }
        let builtinBase = inlineBase + UInt64(t.inlineStrings.count)
        for (i, s) in Self.builtinNames.enumerated() {
            builtin.append(builtinBase + UInt64(i))
            strings[builtinBase + UInt64(i)] = s
        }
    }

    /// Go's converter looks ahead from each GoSysCall for its goroutine's next event; one pass from the
    /// end gives the same answers in linear time (a crafted trace of N syscalls with no later event of
    /// their goroutines made the look-ahead read N × the trace).
    static func blockedSyscalls(_ events: [V1Event]) -> Set<Int> {
        var nextType: [UInt64: V1EventType] = [:]
        var blocked: Set<Int> = []
        for i in events.indices.reversed() {
            let ev = events[i]
            if ev.type == .goSysCall && nextType[ev.g] == .goSysBlock { blocked.insert(i) }
            nextType[ev.g] = ev.type
        }
        return blocked
    }

    func frames(_ stack: UInt64) -> [TraceFrame] {
        guard stack <= UInt64(UInt32.max), let pcList = stacks[UInt32(stack)] else { return [] }
        return pcList.map { pc in
            let f = pcs[pc]
            return TraceFrame(
                pc: pc, function: f.flatMap { strings[$0.fn] } ?? "", file: f.flatMap { strings[$0.file] } ?? "",
                line: f?.line ?? 0)
        }
    }

    /// Trace time of the first event (the first Sync is 1 ns before it), nil for an empty trace.
    var firstTime: Int64? { events.first?.ts }

    /// The next converted event, its time made strictly increasing (Go's `next`); nil at the end.
    mutating func next() throws(GoTraceError) -> TraceEvent? {
        if extraHead < extra.count {
            var e = extra[extraHead]
            extraHead += 1
            nudge(&e)
            return e
        }
        extra.removeAll(keepingCapacity: true)
        extraHead = 0
        while index < events.count {
            let ev = events[index]
            index += 1
            guard var e = try convert(ev) else { continue }
            nudge(&e)
            return e
        }
        return nil
    }

    @inline(__always) mutating func nudge(_ e: inout TraceEvent) {
        if e.time <= lastTs { e.time = lastTs &+ 1 }
        lastTs = e.time
    }

    @inline(__always) func event(_ type: EventType, _ time: Int64, m: Int64, p: Int64, g: Int64, _ args: EventArgs)
        -> TraceEvent
    {
        var e = TraceEvent(type: type, time: time, rawTime: time, m: m, p: p, g: g)
        e.args = args
        e.generation = 1
        return e
    }

    /// The stack argument's index in each Go 1.22+ event that has one (`tracev2.Specs()[t].StackIDs[0] − 1`).
    static let stackArgIndexTable: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        let pairs: [(EventType, Int8)] = [
            (.procsChange, 1), (.goCreate, 2), (.goStop, 1), (.goBlock, 1), (.goUnblock, 2), (.goSyscallBegin, 1),
            (.stwBegin, 1), (.gcBegin, 1), (.gcSweepBegin, 0), (.gcMarkAssistBegin, 0), (.userTaskBegin, 3),
            (.userTaskEnd, 1), (.userRegionBegin, 2), (.userRegionEnd, 2), (.userLog, 3), (.cpuSample, 3),
        ]
        for (k, v) in pairs { t[Int(k.rawValue)] = v }
        return t
    }()

    /// `convertEvent`: nil when the event gives nothing now; extra events wait in `extra`.
    mutating func convert(_ ev: V1Event) throws(GoTraceError) -> TraceEvent? {
        let converted: V1Converted
        switch ev.type {
        case .gomaxprocs, .procStart, .procStop, .gcStart, .gcDone, .stwStart, .stwDone, .gcSweepStart, .gcSweepDone:
            converted = convertProcsAndGC(ev)
        case .goCreate, .goStart, .goStartLabel, .goEnd, .goStop, .goSched, .goPreempt, .goSleep, .goBlock, .goUnblock,
             .goBlockSend, .goBlockRecv, .goBlockSelect, .goBlockSync, .goBlockCond, .goBlockNet, .goBlockGC:
            converted = convertGoroutine(ev)
        case .goSysCall, .goSysExit, .goSysBlock, .goWaiting, .goInSyscall:
            converted = convertSyscall(ev)
        case .heapAlloc, .heapGoal, .gcMarkAssistStart, .gcMarkAssistDone, .userTaskCreate, .userTaskEnd, .userRegion,
            .userLog,
            .cpuSample:
            converted = convertOther(ev)
        default:
            throw GoTraceError(offset: Int(ev.offset), "unexpected event type \(ev.type)")
        }
        guard case .mapped(let type, var args) = converted else {
            if case .made(let e) = converted { return e }
            return nil
        }
        let p = Int64(ev.p)
        if ev.type.hasStack {
            let i = stackArgIndex[Int(type.rawValue)]
            if i >= 0 { args[Int(i)] = UInt64(ev.stk) }
        }
        var m: Int64 = -1
        if ev.p != -1 && ev.type != .cpuSample, let t = procMs[p] { m = t }
        if ev.type == .procStop { procMs[p] = nil }
        return event(type, ev.ts, m: m, p: p, g: ev.g == 0 ? -1 : Int64(bitPattern: ev.g), args)
    }
}

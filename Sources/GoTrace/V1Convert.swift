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

    enum Builtin: Int {
        case forever, preempted, gosched, sleep, chanSend, chanRecv, network, sync, syncCond, select, empty, markAssistWait
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
        // The trace's strings keep their ids; inline log values and the converter's names follow them.
        strings = t.strings
        let maxID = t.strings.keys.max() ?? 0
        let total = UInt64(t.inlineStrings.count + Self.builtinNames.count)
        guard maxID <= UInt64.max - total else { throw GoTraceError(offset: 16, "trace contains too many strings (string id \(maxID))") }
        inlineBase = maxID + 1
        for (i, s) in t.inlineStrings.enumerated() { strings[inlineBase + UInt64(i)] = s }
        let builtinBase = inlineBase + UInt64(t.inlineStrings.count)
        for (i, s) in Self.builtinNames.enumerated() {
            builtin.append(builtinBase + UInt64(i))
            strings[builtinBase + UInt64(i)] = s
        }
    }

    func frames(_ stack: UInt64) -> [TraceFrame] {
        guard stack <= UInt64(UInt32.max), let pcList = stacks[UInt32(stack)] else { return [] }
        return pcList.map { pc in
            let f = pcs[pc]
            return TraceFrame(pc: pc, function: f.flatMap { strings[$0.fn] } ?? "", file: f.flatMap { strings[$0.file] } ?? "",
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

    @inline(__always) func event(_ type: EventType, _ time: Int64, m: Int64, p: Int64, g: Int64, _ args: EventArgs) -> TraceEvent {
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
        var type = EventType(rawValue: 0)
        var args = EventArgs(a0: ev.a0, a1: ev.a1, a2: ev.a2, a3: ev.a3)
        let p = Int64(ev.p)
        func reason(_ b: Builtin) -> UInt64 { builtin[b.rawValue] }
        func blockArgs(_ b: Builtin) -> EventArgs { EventArgs(a0: reason(b), a1: UInt64(ev.stk)) }
        switch ev.type {
        case .gomaxprocs:
            type = .procsChange
            if preInit {
                // The first Gomaxprocs ends the trace's start: goroutines created before it and neither
                // waiting, in a syscall nor started are runnable. (Go emits them in map order; here by id.)
                preInit = false
                for gid in createdPreInit.sorted() {
                    extra.append(event(.goStatus, ev.ts, m: -1, p: -1, g: -1,
                                       EventArgs(a0: gid, a1: .max, a2: WireGoStatus.runnable.rawValue)))
                }
                createdPreInit = []
                return nil
            }
        case .procStart:
            procMs[p] = Int64(bitPattern: ev.a0)
            if seenProcs.contains(ev.p) {
                type = .procStart
                args = EventArgs(a0: UInt64(bitPattern: p))
            } else {
                seenProcs.insert(ev.p)
                type = .procStatus
                args = EventArgs(a0: UInt64(bitPattern: p), a1: WireProcStatus.running.rawValue)
            }
        case .procStop:
            if seenProcs.contains(ev.p) {
                type = .procStop
                args = EventArgs(a0: UInt64(bitPattern: p))
            } else {
                seenProcs.insert(ev.p)
                type = .procStatus
                args = EventArgs(a0: UInt64(bitPattern: p), a1: WireProcStatus.idle.rawValue)
            }
        case .gcStart: type = .gcBegin
        case .gcDone: type = .gcEnd
        case .stwStart:
            let kind = ev.a0 < UInt64(Self.stwReasons) ? Int(ev.a0) : 0
            let sid = builtin[Builtin.stwUnknown.rawValue + kind]
            lastStwReason = sid
            type = .stwBegin
            args = EventArgs(a0: sid)
        case .stwDone:
            type = .stwEnd
            args = EventArgs(a0: lastStwReason)
        case .gcSweepStart: type = .gcSweepBegin
        case .gcSweepDone: type = .gcSweepEnd
        case .goCreate:
            if preInit {
                createdPreInit.insert(ev.a0)
                preInitCreations[ev.a0] = (ev.a1, UInt64(ev.stk))
                return nil
            }
            type = .goCreate
        case .goStart:
            if preInit {
                type = .goStatus
                args = EventArgs(a0: ev.a0, a1: .max, a2: WireGoStatus.running.rawValue)
                createdPreInit.remove(ev.a0)
            } else {
                type = .goStart
            }
        case .goStartLabel:
            // A start, then the label; M is the P's thread, 0 when unknown (Go's map default).
            let m = procMs[p] ?? 0
            let g = Int64(bitPattern: ev.g)
            extra.append(event(.goLabel, ev.ts, m: m, p: p, g: g, EventArgs(a0: ev.a2)))
            return event(.goStart, ev.ts, m: m, p: p, g: g, args)
        case .goEnd: type = .goDestroy
        case .goStop: type = .goBlock; args = blockArgs(.forever)
        case .goSched: type = .goStop; args = blockArgs(.gosched)
        case .goPreempt: type = .goStop; args = blockArgs(.preempted)
        case .goSleep: type = .goBlock; args = blockArgs(.sleep)
        case .goBlock: type = .goBlock; args = blockArgs(.empty)
        case .goUnblock: type = .goUnblock
        case .goBlockSend: type = .goBlock; args = blockArgs(.chanSend)
        case .goBlockRecv: type = .goBlock; args = blockArgs(.chanRecv)
        case .goBlockSelect: type = .goBlock; args = blockArgs(.select)
        case .goBlockSync: type = .goBlock; args = blockArgs(.sync)
        case .goBlockCond: type = .goBlock; args = blockArgs(.syncCond)
        case .goBlockNet: type = .goBlock; args = blockArgs(.network)
        case .goBlockGC: type = .goBlock; args = blockArgs(.markAssistWait)
        case .goSysCall:
            // The goroutine's next event says whether the syscall blocked (GoSysBlock follows).
            var blocked = false
            var j = index
            while j < events.count {
                if events[j].g == ev.g {
                    blocked = events[j].type == .goSysBlock
                    break
                }
                j += 1
            }
            if blocked {
                type = .goSyscallBegin
                args = EventArgs(a1: UInt64(ev.stk))
            } else {
                // An instantaneous syscall: a begin and an end 1 ns later.
                let m = procMs[p] ?? 0
                let g = Int64(bitPattern: ev.g)
                extra.append(event(.goSyscallEnd, ev.ts &+ 1, m: m, p: p, g: g, EventArgs()))
                return event(.goSyscallBegin, ev.ts, m: m, p: p, g: g, EventArgs(a1: UInt64(ev.stk)))
            }
        case .goSysExit: type = .goSyscallEndBlocked
        case .goSysBlock: return nil
        case .goWaiting:
            type = .goStatus
            args = EventArgs(a0: ev.a0, a1: .max, a2: WireGoStatus.waiting.rawValue)
            createdPreInit.remove(ev.a0)
        case .goInSyscall:
            // v1 does not say which thread the syscall is on.
            type = .goStatus
            args = EventArgs(a0: ev.a0, a1: .max, a2: WireGoStatus.syscall.rawValue)
            createdPreInit.remove(ev.a0)
        case .heapAlloc: type = .heapAlloc
        case .heapGoal: type = .heapGoal
        case .gcMarkAssistStart: type = .gcMarkAssistBegin
        case .gcMarkAssistDone: type = .gcMarkAssistEnd
        case .userTaskCreate:
            type = .userTaskBegin
            args = EventArgs(a0: ev.a0, a1: ev.a1 == 0 ? .max : ev.a1, a2: ev.a2, a3: UInt64(ev.stk))
            tasks[ev.a0] = (ev.a2, ev.a1)
        case .userTaskEnd:
            // Go smuggles the begin's parent (as written: 0 for none) and type into the end.
            type = .userTaskEnd
            if let t = tasks.removeValue(forKey: ev.a0) {
                args = EventArgs(a0: ev.a0, a1: ev.a1, a2: t.parent, a3: t.name)
            } else {
                args = EventArgs(a0: ev.a0, a1: ev.a1, a2: .max, a3: reason(.empty))
            }
        case .userRegion:
            switch ev.a1 {
            case 0: type = .userRegionBegin
            case 1: type = .userRegionEnd
            default: break
            }
            args = EventArgs(a0: ev.a0, a1: ev.a2, a2: UInt64(ev.stk))
        case .userLog:
            type = .userLog
            args = EventArgs(a0: ev.a0, a1: ev.a1, a2: inlineBase &+ ev.a3, a3: UInt64(ev.stk))
        case .cpuSample:
            // Go 1.21 samples carry no M.
            type = .cpuSample
            args = EventArgs(a0: UInt64(ev.stk), a1: .max, a2: UInt64(bitPattern: p), a3: ev.g)
        default:
            throw GoTraceError(offset: Int(ev.offset), "unexpected event type \(ev.type)")
        }
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

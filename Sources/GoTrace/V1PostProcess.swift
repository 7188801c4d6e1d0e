// The scheduler checks of a v1 trace once ordered (Go's tracev1 `postProcessTrace`), one method per
// kind of event.
import BinaryIO

/// `postProcessTrace`'s state: goroutines, Ps, tasks, open regions, the GC and STW in progress.
struct V1PostProcess {
    let gDead: UInt8 = 0, gRunnable: UInt8 = 1, gRunning: UInt8 = 2, gWaiting: UInt8 = 3
    struct GDesc { var state: UInt8 = 0; var ev = -1; var markAssist = -1 }
    struct PDesc { var running = false; var g: UInt64 = 0; var sweep = -1 }
    var gs = IntMap<GDesc>(capacity: 1024)
    var ps = IntMap<PDesc>()
    var tasks = Set<UInt64>()
    var activeRegions: [UInt64: [Int]] = [:]
    var evGC = -1, evSTW = -1

    init() { gs[0] = GDesc(state: gRunning) }

    /// Checks event `i` against the state and updates it (some events move to a fake P).
    mutating func check(_ i: Int, _ events: inout [V1Event]) throws(GoTraceError) {
        switch events[i].type {
        case .procStart, .procStop, .gcStart, .gcDone, .stwStart, .stwDone, .gcSweepStart, .gcMarkAssistStart,
             .gcMarkAssistDone, .gcSweepDone:
            try procsAndGC(i, &events)
        case .goWaiting, .goInSyscall, .goCreate, .goStart, .goStartLabel, .goUnblock, .goSysExit:
            try goroutineRuns(i, &events)
        case .goEnd, .goStop, .goSched, .goPreempt, .goSysCall, .goSysBlock, .goSleep, .goBlock, .goBlockSend,
            .goBlockRecv,
            .goBlockSelect, .goBlockSync, .goBlockCond, .goBlockNet, .goBlockGC:
            try goroutineStops(i, events)
        case .userTaskCreate, .userTaskEnd, .userRegion:
            try userAnnotations(i, events)
        default:
            break
        }
    }

    static func fail(_ ev: V1Event, _ m: String) -> GoTraceError {
        GoTraceError(offset: Int(ev.offset), "\(m) (time \(ev.ts))")
    }

    func checkRunning(_ ev: V1Event, _ p: PDesc, _ g: GDesc, allowG0: Bool) throws(GoTraceError) {
        if g.state != gRunning { throw Self.fail(ev, "g \(ev.g) is not running while \(ev.type)") }
        if p.g != ev.g { throw Self.fail(ev, "p \(ev.p) is not running g \(ev.g) while \(ev.type)") }
        if !allowG0 && ev.g == 0 { throw Self.fail(ev, "g 0 did \(ev.type)") }
    }

    /// Ps, GC, STW, sweeps and mark assists.
    mutating func procsAndGC(_ i: Int, _ events: inout [V1Event]) throws(GoTraceError) {
        let ev = events[i]
        func fail(_ m: String) -> GoTraceError { Self.fail(ev, m) }
        func checkRunning(_ p: PDesc, _ g: GDesc, allowG0: Bool) throws(GoTraceError) {
            try self.checkRunning(ev, p, g, allowG0: allowG0)
        }
        let gk = Int64(bitPattern: ev.g), pk = Int64(ev.p)
        switch ev.type {
        case .procStart:
            var p = ps[pk] ?? PDesc()
            if p.running { throw fail("p \(ev.p) is running before start") }
            p.running = true
            ps[pk] = p
        case .procStop:
            var p = ps[pk] ?? PDesc()
            if !p.running { throw fail("p \(ev.p) is not running before stop") }
            if p.g != 0 { throw fail("p \(ev.p) is running a goroutine \(p.g) during stop") }
            p.running = false
            ps[pk] = p
        case .gcStart:
            if evGC >= 0 { throw fail("previous GC is not ended before a new one") }
            evGC = i
            events[i].p = V1FakeP.gc
        case .gcDone:
            if evGC < 0 { throw fail("bogus GC end") }
            evGC = -1
        case .stwStart:
            if evSTW >= 0 { throw fail("previous STW is not ended before a new one") }
            evSTW = i
        case .stwDone:
            if evSTW < 0 { throw fail("bogus STW end") }
            evSTW = -1
        case .gcSweepStart:
            var p = ps[pk] ?? PDesc()
            if p.sweep >= 0 { throw fail("previous sweeping is not ended before a new one") }
            p.sweep = i
            ps[pk] = p
        case .gcMarkAssistStart:
            var g = gs[gk] ?? GDesc()
            if g.markAssist >= 0 { throw fail("previous mark assist is not ended before a new one") }
            g.markAssist = i
            gs[gk] = g
        case .gcMarkAssistDone:
            // An end without a start is allowed: the assist may have begun before the trace.
            var g = gs[gk] ?? GDesc()
            g.markAssist = -1
            gs[gk] = g
        case .gcSweepDone:
            var p = ps[pk] ?? PDesc()
            if p.sweep < 0 { throw fail("bogus sweeping end") }
            p.sweep = -1
            ps[pk] = p
        default:
            break
        }
    }

    /// A goroutine made, started, unblocked, found waiting or in a syscall, back from one.
    mutating func goroutineRuns(_ i: Int, _ events: inout [V1Event]) throws(GoTraceError) {
        let ev = events[i]
        func fail(_ m: String) -> GoTraceError { Self.fail(ev, m) }
        func checkRunning(_ p: PDesc, _ g: GDesc, allowG0: Bool) throws(GoTraceError) {
            try self.checkRunning(ev, p, g, allowG0: allowG0)
        }
        let gk = Int64(bitPattern: ev.g), pk = Int64(ev.p)
        switch ev.type {
        case .goWaiting, .goInSyscall:
            var g = gs[gk] ?? GDesc()
            if g.state != gRunnable { throw fail("g \(ev.g) is not runnable before \(ev.type)") }
            g.state = gWaiting
            g.ev = i
            gs[gk] = g
        case .goCreate:
            try checkRunning(ps[pk] ?? PDesc(), gs[gk] ?? GDesc(), allowG0: true)
            let nk = Int64(bitPattern: ev.a0)
            if gs[nk] != nil { throw fail("g \(ev.a0) already exists") }
            gs[nk] = GDesc(state: gRunnable, ev: i)
        case .goStart, .goStartLabel:
            var g = gs[gk] ?? GDesc()
            var p = ps[pk] ?? PDesc()
            if g.state != gRunnable { throw fail("g \(ev.g) is not runnable before start") }
            if p.g != 0 { throw fail("p \(ev.p) is already running g \(p.g) while start g \(ev.g)") }
            g.state = gRunning
            g.ev = -1
            p.g = ev.g
            gs[gk] = g
            ps[pk] = p
        case .goUnblock:
            let g = gs[gk] ?? GDesc()
            let p = ps[pk] ?? PDesc()
            if g.state != gRunning { throw fail("g \(ev.g) is not running while unpark") }
            if ev.p != V1FakeP.timer && p.g != ev.g { throw fail("p \(ev.p) is not running g \(ev.g) while unpark") }
            let k1 = Int64(bitPattern: ev.a0)
            var g1 = gs[k1] ?? GDesc()
            if g1.state != gWaiting { throw fail("g \(ev.a0) is not waiting before unpark") }
            if g1.ev >= 0 && events[g1.ev].type == .goBlockNet { events[i].p = V1FakeP.netpoll }
            g1.state = gRunnable
            g1.ev = i
            gs[k1] = g1
        case .goSysExit:
            var g = gs[gk] ?? GDesc()
            if g.state != gWaiting { throw fail("g \(ev.g) is not waiting during syscall exit") }
            g.state = gRunnable
            g.ev = i
            gs[gk] = g
        default:
            break
        }
    }

    /// A goroutine stopping: ended, descheduled, blocked, entering a syscall.
    mutating func goroutineStops(_ i: Int, _ events: [V1Event]) throws(GoTraceError) {
        let ev = events[i]
        func fail(_ m: String) -> GoTraceError { Self.fail(ev, m) }
        func checkRunning(_ p: PDesc, _ g: GDesc, allowG0: Bool) throws(GoTraceError) {
            try self.checkRunning(ev, p, g, allowG0: allowG0)
        }
        let gk = Int64(bitPattern: ev.g), pk = Int64(ev.p)
        switch ev.type {
        case .goEnd, .goStop:
            var g = gs[gk] ?? GDesc()
            var p = ps[pk] ?? PDesc()
            try checkRunning(p, g, allowG0: false)
            g.state = gDead
            p.g = 0
            if ev.type == .goEnd { activeRegions[ev.g] = nil }
            gs[gk] = g
            ps[pk] = p
        case .goSched, .goPreempt:
            var g = gs[gk] ?? GDesc()
            var p = ps[pk] ?? PDesc()
            try checkRunning(p, g, allowG0: false)
            g.state = gRunnable
            p.g = 0
            g.ev = i
            gs[gk] = g
            ps[pk] = p
        case .goSysCall:
            var g = gs[gk] ?? GDesc()
            try checkRunning(ps[pk] ?? PDesc(), g, allowG0: false)
            g.ev = i
            gs[gk] = g
        case .goSysBlock:
            var g = gs[gk] ?? GDesc()
            var p = ps[pk] ?? PDesc()
            try checkRunning(p, g, allowG0: false)
            g.state = gWaiting
            p.g = 0
            gs[gk] = g
            ps[pk] = p
        case .goSleep, .goBlock, .goBlockSend, .goBlockRecv, .goBlockSelect, .goBlockSync, .goBlockCond, .goBlockNet,
             .goBlockGC:
            var g = gs[gk] ?? GDesc()
            var p = ps[pk] ?? PDesc()
            try checkRunning(p, g, allowG0: false)
            g.state = gWaiting
            g.ev = i
            p.g = 0
            gs[gk] = g
            ps[pk] = p
        default:
            break
        }
    }

    /// User tasks and regions.
    mutating func userAnnotations(_ i: Int, _ events: [V1Event]) throws(GoTraceError) {
        let ev = events[i]
        func fail(_ m: String) -> GoTraceError { Self.fail(ev, m) }
        switch ev.type {
        case .userTaskCreate:
            if tasks.contains(ev.a0) { throw fail("task id conflicts (id:\(ev.a0))") }
            tasks.insert(ev.a0)
        case .userTaskEnd:
            tasks.remove(ev.a0)
        case .userRegion:
            switch ev.a1 {
            case 0:
                activeRegions[ev.g, default: []].append(i)
            case 1:
                // An end whose start is in the trace must match the innermost open region.
                if let s = activeRegions[ev.g]?.last {
                    if events[s].a0 != ev.a0 || events[s].a2 != ev.a2 {
                        throw fail(
                            "misuse of region in goroutine \(ev.g): end of task \(ev.a0) type \(ev.a2) when the innermost open region is task \(events[s].a0) type \(events[s].a2)"
                        )
                    }
                    activeRegions[ev.g]!.removeLast()
                    if activeRegions[ev.g]!.isEmpty { activeRegions[ev.g] = nil }
                }
            default:
                throw fail("invalid user region mode \(ev.a1)")
            }
        default:
            break
        }
    }

}

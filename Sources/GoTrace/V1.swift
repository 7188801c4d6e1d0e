import BinaryIO

// Go 1.21 (v1) execution traces, read as Go 1.27's `internal/trace/internal/tracev1` does (parser.go,
// order.go): every batch located first, then the per-P batches merged into one order that respects
// goroutine sequence numbers, times made relative to the first event, then the state checks. The
// conversion to Go 1.22+ events (`tracev1.go`) is in V1Convert.swift.

/// The whole v1 trace, parsed, merged, normalized and checked (`tracev1.Trace`).
struct V1Trace {
    var events: [V1Event] = []
    var strings: [UInt64: String] = [:]
    var inlineStrings: [String] = []
    var stacks: [UInt32: [UInt64]] = [:]
    var pcs: [UInt64: (fn: UInt64, file: UInt64, line: UInt64)] = [:]
    var ticksPerSecond: Int64 = 0
    /// Ticks of the first event: trace time 0.
    var minTicks: Int64 = 0
    var warnings: [String] = []
}

// MARK: - The whole parse

extension V1Trace {
    /// Parses a Go 1.21 trace (`tracev1.Parse`): errors name the file offset; a trace cut short keeps the
    /// events before the cut when its footer's frequency was read (the footer comes last: otherwise no
    /// time can be computed, and that is the error).
    init(bytes: UnsafeRawBufferPointer) throws(GoTraceError) {
        var p = V1Parser(data: bytes)
        try p.collectBatchesAndCPUSamples()
        // The frequency is in the footer, written when tracing stops: without it no time can be computed,
        // and the event stream is cut too (other Ps' events that the order needs are missing).
        guard p.sawFrequency else {
            if let t = p.truncation {
                throw GoTraceError(offset: t.offset, "truncated Go 1.21 trace: the footer with the clock frequency (written when tracing stops) is missing; reading stopped here: \(t.message)")
            }
            throw GoTraceError(offset: bytes.count, "Go 1.21 trace without its footer (no frequency event): the trace was cut short or tracing never stopped")
        }
        var events: [V1Event]
        do { events = try p.parseEventBatches() } catch {
            if let t = p.truncation { throw GoTraceError(offset: error.offset, "\(error.message) (the trace is cut short: \(t))") }
            throw error
        }
        guard p.ticksPerSec > 0 else {
            if let t = p.truncation {
                throw GoTraceError(offset: t.offset, "truncated Go 1.21 trace: no frequency event (it is in the footer, which is missing): \(t.message)")
            }
            throw GoTraceError(offset: bytes.count, "no frequency event: a Go 1.21 trace ends with one")
        }
        if let t = p.truncation {
            warnings.append("trace is truncated or corrupt at offset \(t.offset) (\(t.message)); the events before it are read")
        }
        if let first = events.first {
            minTicks = first.ts
            let freq = 1e9 / Double(p.ticksPerSec)
            for i in events.indices {
                events[i].ts = Self.nanoseconds(ticks: events[i].ts &- minTicks, freq: freq)
                // Timer unblocks and syscall exits go to their own fake Ps.
                if events[i].type == .goUnblock, p.timerGoids.contains(events[i].g) { events[i].p = V1FakeP.timer }
                if events[i].type == .goSysExit { events[i].p = V1FakeP.syscall }
            }
        }
        try Self.postProcess(&events)
        self.events = events
        strings = p.strings
        inlineStrings = p.inlineStrings
        stacks = p.stacks
        pcs = p.pcs
        ticksPerSecond = p.ticksPerSec
    }

    /// Go's int64 → float64 → Timestamp conversion (`Timestamp(float64(ts-minTs) * freq)`); out of range
    /// gives Int64.min as on amd64.
    @inline(__always) static func nanoseconds(ticks: Int64, freq: Double) -> Int64 {
        let x = Double(ticks) * freq
        return x > -9.223372036854775e18 && x < 9.223372036854775e18 ? Int64(x) : .min
    }

    /// `postProcessTrace`: the scheduler state checks Go makes (a trace that fails them is rejected, as
    /// Go does), GC starts moved to the GC fake P, network unblocks to the netpoll P.
    static func postProcess(_ events: inout [V1Event]) throws(GoTraceError) {
        let gDead: UInt8 = 0, gRunnable: UInt8 = 1, gRunning: UInt8 = 2, gWaiting: UInt8 = 3
        struct GDesc { var state: UInt8 = 0; var ev = -1; var markAssist = -1 }
        struct PDesc { var running = false; var g: UInt64 = 0; var sweep = -1 }
        var gs = IntMap<GDesc>(capacity: 1024)
        var ps = IntMap<PDesc>()
        var tasks = Set<UInt64>()
        var activeRegions: [UInt64: [Int]] = [:]
        gs[0] = GDesc(state: gRunning)
        var evGC = -1, evSTW = -1

        for i in events.indices {
            let ev = events[i]
            let at = Int(ev.offset)
            func fail(_ m: String) -> GoTraceError { GoTraceError(offset: at, "\(m) (time \(ev.ts))") }
            func checkRunning(_ p: PDesc, _ g: GDesc, allowG0: Bool) throws(GoTraceError) {
                if g.state != gRunning { throw fail("g \(ev.g) is not running while \(ev.type)") }
                if p.g != ev.g { throw fail("p \(ev.p) is not running g \(ev.g) while \(ev.type)") }
                if !allowG0 && ev.g == 0 { throw fail("g 0 did \(ev.type)") }
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
            case .goSysExit:
                var g = gs[gk] ?? GDesc()
                if g.state != gWaiting { throw fail("g \(ev.g) is not waiting during syscall exit") }
                g.state = gRunnable
                g.ev = i
                gs[gk] = g
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
                            throw fail("misuse of region in goroutine \(ev.g): end of task \(ev.a0) type \(ev.a2) when the innermost open region is task \(events[s].a0) type \(events[s].a2)")
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
}

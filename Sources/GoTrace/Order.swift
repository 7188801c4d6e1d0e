import BinaryIO

/// Five wire arguments (the time delta excluded), inline.
public struct EventArgs: Sendable {
    public var a0: UInt64 = 0, a1: UInt64 = 0, a2: UInt64 = 0, a3: UInt64 = 0, a4: UInt64 = 0
    public subscript(i: Int) -> UInt64 {
        get {
            switch i {
            case 0: return a0
            case 1: return a1
            case 2: return a2
            case 3: return a3
            default: return a4
            }
        }
        set {
            switch i {
            case 0: a0 = newValue
            case 1: a1 = newValue
            case 2: a2 = newValue
            case 3: a3 = newValue
            default: a4 = newValue
            }
        }
    }
}

/// One event as the Go parser delivers it: in its order, with its time (made strictly increasing, as
/// Go's reader does) and its scheduling context (M, P, G; -1 for none).
public struct TraceEvent: Sendable {
    public var type: EventType
    /// Nanoseconds, as `go tool trace -d=parsed` prints them.
    public var time: Int64
    /// The event's own timestamp in ns (ticks × ns per tick), before Go's reader nudges it.
    public var rawTime: Int64
    public var m: Int64
    public var p: Int64
    public var g: Int64
    public var args = EventArgs()
    /// Old state smuggled by the ordering (ProcStatus, ProcSteal), as in Go's parser.
    public var extra: UInt64 = 0
    public var generation: UInt64 = 0
}

/// The partial order of `internal/trace/order.go`: events of different Ms are released only when the
/// scheduler state allows them (sequence numbers of Gs and Ps, the GC sequence), and each carries the
/// M's current P and G. Only what decides order and context is kept; the Go parser's consistency errors
/// for well-formed traces never fire and are not repeated here.
struct Ordering {
    struct Seq: Equatable { var gen: UInt64; var n: UInt64 }
    struct GState { var status: WireGoStatus; var seq: Seq }
    struct PState { var status: WireProcStatus; var seq: Seq }
    struct MState { var g: Int64 = -1; var p: Int64 = -1 }

    var gStates = IntMap<GState>(capacity: 1024)
    var pStates = IntMap<PState>()
    var mStates = IntMap<MState>()
    var gcSeq: UInt64 = 0
    enum GCState { case undetermined, notRunning, running }
    var gcState = GCState.undetermined
    var initialGen: UInt64 = 0
    /// The first event the last successful advance released: most release just one, which the reader
    /// returns from here without a trip through the queue.
    var first = TraceEvent(type: .syncMarker, time: 0, rawTime: 0, m: -1, p: -1, g: -1)
    var released = 0
    // The others (at most 2: GoSwitch gives GoSwitch, GoBlock and GoStart), inline: a heap array cost a
    // uniqueness check and bounds checks per event.
    var queue = InlineArray<4, TraceEvent>(
        repeating: TraceEvent(type: .syncMarker, time: 0, rawTime: 0, m: -1, p: -1, g: -1))
    var queueCount = 0
    var queueHead = 0

    /// The next of the events queued behind `first`.
    mutating func next() -> TraceEvent? {
        // Mostly empty: one test, no writes.
        if queueCount == 0 { return nil }
        guard queueHead < queueCount else {
            queueHead = 0
            queueCount = 0
            return nil
        }
        queueHead += 1
        return queue[queueHead - 1]
    }

    /// Moves what the last advance released (`first`, then the queue) to `out`; how many.
    @inline(__always)
    mutating func takeReleased(into out: UnsafeMutablePointer<TraceEvent>) -> Int {
        guard released > 0 else { return 0 }
        out[0] = first
        for q in 0..<queueCount { out[1 + q] = queue[q] }
        let n = 1 + queueCount
        released = 0
        queueCount = 0
        queueHead = 0
        return n
    }

    @inline(__always)
    mutating func push(_ e: TraceEvent, _ ctx: (m: Int64, p: Int64, g: Int64)) {
        if released == 0 {
            first = e
            first.m = ctx.m
            first.p = ctx.p
            first.g = ctx.g
        } else {
            var e = e
            e.m = ctx.m
            e.p = ctx.p
            e.g = ctx.g
            queue[queueCount] = e
            queueCount += 1
        }
        released += 1
    }

    /// The entry of the M of the last event (every write goes through `setM`): an M's events mostly
    /// come in runs, and this spares their map probes. Written back to `mStates` only when another M
    /// comes or the map is read directly (`flushM`); non-nil only if `mStates` holds the key, so the
    /// map's slots, and its iteration order, are as with every write made at once.
    var cachedM: Int64 = -1
    var cachedMState: MState?
    var cachedMDirty = false

    mutating func setM(_ id: Int64, _ s: MState) {
        if id == cachedM, cachedMState != nil {
            cachedMState = s
            cachedMDirty = true
            return
        }
        mStates[id] = s
        if id == cachedM { cachedMState = s }
    }

    /// Brings `mStates` up to date with the cached entry.
    mutating func flushM() {
        if cachedMDirty {
            mStates[cachedM] = cachedMState
            cachedMDirty = false
        }
    }

    static func succeeds(_ a: Seq, _ b: Seq) -> Bool { a.gen == b.gen && a.n == b.n &+ 1 }

    /// Goroutine `gid` goes `from` → `to` at `seq` if it is in `from` and `seq` follows its last one:
    /// checked and updated with one probe.
    @inline(__always) mutating func advanceG(_ gid: Int64, from: WireGoStatus, to: WireGoStatus, seq: Seq) -> Bool {
        gStates.update(gid) { s in
            guard s.status == from, Self.succeeds(seq, s.seq) else { return false }
            s.status = to
            s.seq = seq
            return true
        } == true
    }

    /// The types `advance` switches on (all below 64); the others (annotations, metrics, ranges, user
    /// tasks and regions, experiments) are released as they come, with the M's P and G.
    @inline(__always) static var typesWithState: UInt64 {
        // ProcStart…GoStatus (10…25), GCActive, GCBegin, GCEnd (28…30), GoSwitch…GoStatusStack (45…48).
        0x1_e000_73ff_fc00
    }

    /// The context (P, G) an event of type `type` on M `m` is released with at once, without the
    /// switch: most events (heap sizes, sweeps, …) change no state and come on the M met just before.
    /// Exactly `advanceWithState`'s `default:` case; nil when that must run.
    @inline(__always)
    func context(m: Int64, type: EventType) -> MState? {
        let t = type.rawValue
        guard m == cachedM, m != -1, initialGen != 0, let ms = cachedMState,
              t >= 64 || Self.typesWithState >> t & 1 == 0 else { return nil }
        return ms
    }

    /// Tries to release `ev` (read on M `m`); false if it must wait for events of other Ms.
    @inline(__always)
    mutating func advance(_ ev: inout TraceEvent, m: Int64, gen: UInt64) -> Bool {
        if let ms = context(m: m, type: ev.type) {
            released = 0
            push(ev, (m, ms.p, ms.g))
            return true
        }
        return advanceWithState(&ev, m: m, gen: gen)
    }

    /// The context an event is released with and what it does to the M's: `cur` (the M, its P and G
    /// when the event happened; a handler may change it, e.g. to the M a status event speaks for) and
    /// `new` (the M's P and G after it).
    typealias Context = (m: Int64, p: Int64, g: Int64)

    /// One handler per event kind (OrderHandlers.swift), as Go's order.go dispatches them; each returns
    /// false when the event must wait for other Ms' events.
    @inline(never)
    mutating func advanceWithState(_ ev: inout TraceEvent, m: Int64, gen: UInt64) -> Bool {
        if initialGen == 0 { initialGen = gen }
        let known: MState?
        if m == -1 {
            known = nil
        } else if m == cachedM {
            known = cachedMState
        } else {
            flushM()
            known = mStates[m]
            cachedM = m
            cachedMState = known
        }
        var ms = known ?? MState()
        var cur: Context = (m: m, p: ms.p, g: ms.g)
        var new = cur
        released = 0
        let ok: Bool
        switch ev.type {
        case .procStatus: ok = procStatus(&ev, gen: gen, &cur, &new)
        case .procStart: ok = procStart(ev, gen: gen, cur, &new)
        case .procStop: ok = procStop(ev, cur, &new)
        case .procSteal: ok = procSteal(&ev, gen: gen, cur, &new)
        case .goStatus, .goStatusStack: ok = goStatus(&ev, gen: gen, &cur, &new)
        case .goCreate, .goCreateBlocked: ok = goCreate(ev, gen: gen, cur)
        case .goDestroy, .goStop, .goBlock: ok = goStopped(ev, cur, &new)
        case .goStart: ok = goStart(ev, gen: gen, cur, &new)
        case .goUnblock: ok = goUnblock(ev, gen: gen, cur)
        case .goSwitch, .goSwitchDestroy: ok = goSwitch(ev, gen: gen, cur, &new)
        case .goSyscallBegin: ok = goSyscallBegin(ev, gen: gen, cur)
        case .goSyscallEnd: ok = goSyscallEnd(ev, cur)
        case .goSyscallEndBlocked: ok = goSyscallEndBlocked(ev, cur, &new)
        case .goCreateSyscall: ok = goCreateSyscall(ev, gen: gen, cur, &new)
        case .goDestroySyscall: ok = goDestroySyscall(ev, cur, &new)
        case .gcActive: ok = gcActive(ev, gen: gen, cur)
        case .gcBegin: ok = gcBegin(ev, cur)
        case .gcEnd: ok = gcEnd(ev, cur)
        default:
            // Annotations, metrics, ranges, user tasks and regions, experiments: released as they come.
            push(ev, cur)
            ok = true
        }
        guard ok else { return false }
        // Most events leave the M's P and G as they were: no second probe then. (No handler writes
        // M `m`'s own entry, so skipping the write leaves the map as writing would.)
        if m != -1, known == nil || ms.p != new.p || ms.g != new.g {
            ms.p = new.p
            ms.g = new.g
            setM(m, ms)
        }
        return true
    }
}

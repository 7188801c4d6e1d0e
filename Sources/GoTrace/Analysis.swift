/// A time range the Go parser reports (`RangeBegin`/`RangeActive` … `RangeEnd`).
public struct TraceRange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case gc, stw, assist, sweep
    }
    // No String stored (see `TraceText`), the small fields last: 72 bytes a range, and traces have
    // hundreds of thousands of them.
    /// Nanoseconds as Go's parser reports them; `start` is the range's begin, or the first time it was
    /// seen active when it began before the trace.
    public var start: Int64
    public var end: Int64
    /// Event timestamps in ns before Go's parser made them strictly increasing (for clock alignment).
    public var rawStart: Int64
    public var rawEnd: Int64
    /// Context of the begin event.
    public var m: Int64
    public var p: Int64
    public var g: Int64
    /// Goroutine (stw, assist) or P (sweep) the range belongs to; -1 for the global GC range.
    public var scope: Int64
    public var kind: Kind
    /// True when the range was already running when the trace (or its first generation) started.
    public var activeAtStart: Bool
    public var reasonText: TraceText
    /// STW reason (`GC mark termination`); empty for other kinds.
    public var reason: String {
        get { reasonText.string }
        set { reasonText = TraceText(newValue) }
    }
    /// The parser's range name, e.g. `stop-the-world (GC mark termination)`. Computed: hundreds of
    /// thousands of ranges are kept, and a stored String made each one larger and slower to move.
    public var name: String { Self.name(kind, reason: reason) }

    /// The parser's name for a range of `kind` (`reason`: the STW reason).
    static func name(_ kind: Kind, reason: String) -> String {
        switch kind {
        case .gc: "GC concurrent mark phase"
        case .stw: "stop-the-world (\(reason))"
        case .assist: "GC mark assist"
        case .sweep: "GC incremental sweep"
        }
    }
}

/// A goroutine running on an OS thread (M), from GoStart (or its first status) to when it stops.
public struct GoroutineRun: Sendable, Equatable {
    public var m: Int64
    public var p: Int64
    public var g: Int64
    public var start: Int64
    public var end: Int64
    public var rawStart: Int64
    public var rawEnd: Int64
    public var labelText: TraceText
    /// `GC (dedicated)`, `GC (fractional)`, `GC (idle)` for background mark workers.
    public var label: String {
        get { labelText.string }
        set { labelText = TraceText(newValue) }
    }
}

public struct GoroutineInfo: Sendable, Equatable {
    public var id: Int64
    /// The function the goroutine started in (first frame of its creation's new stack), if known.
    public var startFunction: String
    public var createdAt: Int64?
    /// Stack of the GoCreate that made it, innermost first.
    public var creationStack: [TraceFrame]
}

/// A `runtime/trace` task (`trace.NewTask`). `parent` is `UInt64.max` (Go's NoTask) for none; times are
/// nil when the begin or end fell outside the trace.
public struct UserTask: Sendable, Equatable {
    public var id: UInt64
    public var parent: UInt64
    public var type: String
    public var start: Int64?
    public var end: Int64?
    /// Goroutine that began it (-1 when the begin is not in the trace).
    public var g: Int64
}

/// A `runtime/trace` region on one goroutine; `depth` 0 is outermost.
public struct UserRegion: Sendable, Equatable {
    public var g: Int64
    public var task: UInt64
    public var type: String
    public var start: Int64
    public var end: Int64
    public var rawStart: Int64
    public var rawEnd: Int64
    public var depth: Int
}

/// A `trace.Log` message.
public struct UserLog: Sendable, Equatable {
    public var time: Int64
    public var g: Int64
    public var task: UInt64
    public var category: String
    public var message: String
}

public struct HeapSample: Sendable, Equatable {
    public var time: Int64
    public var live: UInt64
}

/// What stackfold reads from a trace. Built by streaming every event once.
public struct GoTrace: Sendable {
    public var version: TraceVersion
    public var ranges: [TraceRange] = []
    public var runs: [GoroutineRun] = []
    public var goroutines: [Int64: GoroutineInfo] = [:]
    /// Every live-heap sample, when asked for (`keepHeapSamples`): one per 10–19 bytes of trace.
    public var heap: [HeapSample] = []
    /// The first sample with the most live heap (kept whether or not `heap` is).
    public var heapPeak: HeapSample?
    public var tasks: [UInt64: UserTask] = [:]
    /// Regions begun in the trace, by start time; one still open at the end lasts until it.
    public var regions: [UserRegion] = []
    public var logs: [UserLog] = []
    public var heapGoals: [HeapSample] = []
    public var snapshots: [ClockSnapshot] = []
    public var ticksPerSecond: Double = 0
    /// Go 1.21 traces: the first event's ticks and the measured frequency (times are relative to it).
    public var v1Clock: V1Clock?
    public var generations = 0
    public var events = 0
    public var firstTime: Int64 = 0
    public var lastTime: Int64 = 0
    public var warnings: [String] = []
    /// Lines as `go tool trace -d=parsed` prints ranges, labels and syncs (for comparison), when asked.
    public var parsedLines: [String] = []

    /// Reads a whole trace. `keepParsedLines` records the Go parser's text for ranges, labels and syncs;
    /// `keepHeapSamples` fills `heap` (otherwise only `heapPeak` is kept: the samples took 10 MB for a
    /// 12 MB trace, memory that on a virtual machine costs more to touch than the work done in it).
    public init(bytes: UnsafeRawBufferPointer, keepParsedLines: Bool = false, keepHeapSamples: Bool = false) throws(GoTraceError) {
        var r = try GoTraceReader(bytes: bytes)
        // Room for one heap sample per 8 bytes, up to 1 GB, so that the array is not copied as it grows;
        // pages never written are never faulted in.
        if keepHeapSamples { heap.reserveCapacity(min(bytes.count / 8, 1 << 26)) }
        version = r.version
        // Ranges and runs go straight into their final arrays when they begin: event times strictly
        // increase, so that is start order. Their ends are filled in when they close. Nothing is kept
        // on the side and sorted, as it was: on a virtual machine, memory touched for the first time
        // costs more than the work done in it (a third of the analysis went to clearing fresh pages).
        // Room for one of each per 16 bytes of trace, up to 8 M (the fixtures and benchmarks have one
        // range per 20–80 bytes, one run per 16–200): pages never written are never faulted in.
        var rangeList: [TraceRange] = [], runList: [GoroutineRun] = []
        rangeList.reserveCapacity(min(bytes.count / 16, 1 << 23))
        runList.reserveCapacity(min(bytes.count / 16, 1 << 23))
        adviseHugePages(&rangeList)
        adviseHugePages(&runList)
        // Kinds in the order of their names (assist, gc, stw, sweep): the order of ranges starting together.
        let kinds: [TraceRange.Kind] = [.assist, .gc, .stw, .sweep]
        // Open ranges and runs, by where they are in `rangeList` and `runList`: integer maps, as
        // Dictionary hashed every Int64 key with SipHash.
        var open = [IntMap<OpenSpan>](repeating: IntMap<OpenSpan>(), count: 4)  // per kind, by scope
        var running = IntMap<OpenSpan>()                                   // per M
        var replaced: [Int] = []  // ranges begun again while open: the later begin replaces them
        var first = true
        var lastGeneration: UInt64 = 0
        var regionStacks: [Int64: [UserRegion]] = [:]  // open regions per goroutine, innermost last
        func closeRun(_ m: Int64, _ e: TraceEvent) {
            _ = running.update(m) { run in
                guard run.isOpen else { return }
                run.isOpen = false
                runList[run.slot].end = e.time
                runList[run.slot].rawEnd = e.rawTime
            }
        }
        func startRun(_ e: TraceEvent, g: Int64) {
            running[e.m] = OpenSpan(slot: runList.count, isOpen: true)
            runList.append(GoroutineRun(m: e.m, p: e.p, g: g, start: e.time, end: e.time, rawStart: e.rawTime, rawEnd: e.rawTime,
                                        labelText: .empty))
        }
        func scopeText(_ k: TraceRange.Kind, _ scope: Int64) -> String {
            switch k {
            case .gc: return "None"
            case .sweep: return "Proc(\(scope))"
            default: return "Goroutine(\(scope))"
            }
        }
        func line(_ e: TraceEvent, _ body: String) -> String { "M=\(e.m) P=\(e.p) G=\(e.g) \(body)" }
        var stopError: GoTraceError?
        while true {
            let next: TraceEvent?
            do { next = try r.next() } catch {
                // Keep what was read before the damage; a trace with nothing readable is an error.
                if events == 0 { throw error }
                stopError = error
                break
            }
            guard let e = next else { break }
            events += 1
            if first { firstTime = e.time; first = false }
            lastTime = e.time
            // Kind (index into `kinds`), scope, reason, active; or the end of a kind's range at a scope.
            var begin: (kind: Int, scope: Int64, reason: TraceText, active: Bool)?
            var endKind: (kind: Int, scope: Int64)?
            switch e.type {
            case .syncMarker:
                if e.generation != lastGeneration { generations += 1; lastGeneration = e.generation }
                if keepParsedLines { parsedLines.append(line(e, "Sync Time=\(e.time) N=\(e.args.a0)")) }
            case .gcBegin: begin = (1, -1, .empty, false)
            case .gcActive: begin = (1, -1, .empty, true)
            case .gcEnd: endKind = (1, -1)
            case .stwBegin: begin = (2, e.g, TraceText(r.string(e.args.a0)), false)
            case .stwEnd: endKind = (2, e.g)
            case .gcMarkAssistBegin: begin = (0, e.g, .empty, false)
            case .gcMarkAssistActive: begin = (0, Int64(bitPattern: e.args.a0), .empty, true)
            case .gcMarkAssistEnd: endKind = (0, e.g)
            case .gcSweepBegin: begin = (3, e.p, .empty, false)
            case .gcSweepActive: begin = (3, Int64(bitPattern: e.args.a0), .empty, true)
            case .gcSweepEnd: endKind = (3, e.p)
            case .goLabel:
                let label = r.string(e.args.a0)
                if keepParsedLines { parsedLines.append(line(e, "Label Time=\(e.time) Label=\(goQuote(label)) Resource=Goroutine(\(e.g))")) }
                let text = TraceText(label)
                _ = running.update(e.m) { run in if run.isOpen, runList[run.slot].g == e.g { runList[run.slot].labelText = text } }
            case .goStart:
                closeRun(e.m, e)
                startRun(e, g: Int64(bitPattern: e.args.a0))
            case .goStatus, .goStatusStack:
                let status = e.args.a2 & 0xffff_ffff
                let gid = Int64(bitPattern: e.args.a0)
                if (status == WireGoStatus.running.rawValue || status == WireGoStatus.syscall.rawValue), running[e.m].flatMap({ $0.isOpen ? runList[$0.slot].g : nil }) != gid {
                    closeRun(e.m, e)
                    startRun(e, g: gid)
                }
                if goroutines[gid] == nil { goroutines[gid] = GoroutineInfo(id: gid, startFunction: "", createdAt: nil, creationStack: []) }
                if e.type == .goStatusStack, goroutines[gid]!.startFunction.isEmpty {
                    goroutines[gid]!.startFunction = r.frames(e.args.a3).last?.function ?? ""
                }
            case .goStop, .goBlock, .goDestroy, .goSyscallEndBlocked, .goDestroySyscall:
                closeRun(e.m, e)
            case .goCreate, .goCreateBlocked, .goCreateSyscall:
                let gid = Int64(bitPattern: e.args.a0)
                let newStack = e.type == .goCreateSyscall ? [] : r.frames(e.args.a1)
                goroutines[gid] = GoroutineInfo(id: gid, startFunction: newStack.first?.function ?? "", createdAt: e.time,
                                                creationStack: e.type == .goCreateSyscall ? [] : r.frames(e.args.a2))
            case .userTaskBegin:
                // A parent of 0 means none (Go's parser turns it into NoTask, not the background task).
                let (id, parent, type) = (e.args.a0, e.args.a1 == 0 ? UInt64.max : e.args.a1, r.string(e.args.a2))
                if keepParsedLines { parsedLines.append(line(e, "TaskBegin Time=\(e.time) ID=\(id) Parent=\(parent) Type=\(goQuote(type))")) }
                tasks[id] = UserTask(id: id, parent: parent, type: type, start: e.time, end: nil, g: e.g)
            case .userTaskEnd:
                let id = e.args.a0
                // Go 1.21: the converter carries the begin's parent as written (0 for none) and type.
                let v1Line = keepParsedLines && version == .go121
                    ? line(e, "TaskEnd Time=\(e.time) ID=\(id) Parent=\(e.args.a2) Type=\(goQuote(r.string(e.args.a3)))") : nil
                if var t = tasks[id], t.end == nil {
                    t.end = e.time
                    tasks[id] = t
                    if keepParsedLines { parsedLines.append(v1Line ?? line(e, "TaskEnd Time=\(e.time) ID=\(id) Parent=\(t.parent) Type=\(goQuote(t.type))")) }
                } else {
                    // Begun before the trace: Go's parser reports no parent (NoTask) and no type.
                    tasks[id] = UserTask(id: id, parent: .max, type: "", start: nil, end: e.time, g: -1)
                    if keepParsedLines { parsedLines.append(v1Line ?? line(e, "TaskEnd Time=\(e.time) ID=\(id) Parent=\(UInt64.max) Type=\"\"")) }
                }
            case .userRegionBegin:
                let type = r.string(e.args.a1)
                if keepParsedLines { parsedLines.append(line(e, "RegionBegin Time=\(e.time) Task=\(e.args.a0) Type=\(goQuote(type))")) }
                let depth = regionStacks[e.g]?.count ?? 0
                regionStacks[e.g, default: []].append(UserRegion(g: e.g, task: e.args.a0, type: type, start: e.time, end: e.time,
                                                                 rawStart: e.rawTime, rawEnd: e.rawTime, depth: depth))
            case .userRegionEnd:
                let type = r.string(e.args.a1)
                if keepParsedLines { parsedLines.append(line(e, "RegionEnd Time=\(e.time) Task=\(e.args.a0) Type=\(goQuote(type))")) }
                // An end with nothing open belongs to a region begun before the trace.
                if var rg = regionStacks[e.g]?.popLast() {
                    rg.end = e.time
                    rg.rawEnd = e.rawTime
                    regions.append(rg)
                }
            case .userLog:
                let log = UserLog(time: e.time, g: e.g, task: e.args.a0, category: r.string(e.args.a1), message: r.string(e.args.a2))
                if keepParsedLines {
                    parsedLines.append(line(e, "Log Time=\(e.time) Task=\(log.task) Category=\(goQuote(log.category)) Message=\(goQuote(log.message))"))
                }
                logs.append(log)
            case .heapAlloc:
                let sample = HeapSample(time: e.time, live: e.args.a0)
                if keepHeapSamples { heap.append(sample) }
                if heapPeak.map({ sample.live > $0.live }) ?? true { heapPeak = sample }
            case .heapGoal: heapGoals.append(HeapSample(time: e.time, live: e.args.a0))
            default: break
            }
            if let b = begin {
                let k = kinds[b.kind]
                if keepParsedLines {
                    parsedLines.append(line(e, "\(b.active ? "RangeActive" : "RangeBegin") Time=\(e.time) Name=\"\(TraceRange.name(k, reason: b.reason.string))\" Scope=\(scopeText(k, b.scope))"))
                }
                let rg = TraceRange(start: e.time, end: e.time, rawStart: e.rawTime, rawEnd: e.rawTime, m: e.m, p: e.p, g: e.g,
                                    scope: b.scope, kind: k, activeAtStart: b.active, reasonText: b.reason)
                // A range seen active at a generation start continues the one already open.
                let known: Void? = open[b.kind].update(b.scope) { old in
                    if b.active && old.isOpen { return }
                    if old.isOpen { replaced.append(old.slot) }
                    old = OpenSpan(slot: rangeList.count, isOpen: true)
                    rangeList.append(rg)
                }
                if known == nil {
                    open[b.kind][b.scope] = OpenSpan(slot: rangeList.count, isOpen: true)
                    rangeList.append(rg)
                }
            }
            if let (kind, scope) = endKind {
                let k = kinds[kind]
                let closed = open[kind].update(scope) { rg -> Int? in
                    guard rg.isOpen else { return nil }
                    rg.isOpen = false
                    return rg.slot
                } ?? nil
                if let slot = closed {
                    rangeList[slot].end = e.time
                    rangeList[slot].rawEnd = e.rawTime
                    if keepParsedLines { parsedLines.append(line(e, "RangeEnd Time=\(e.time) Name=\"\(rangeList[slot].name)\" Scope=\(scopeText(k, scope))")) }
                } else if keepParsedLines {
                    // The Go parser still reports an end it cannot pair (a range begun before the trace).
                    let reason = k == .stw ? r.string(e.args.a0) : ""
                    parsedLines.append(line(e, "RangeEnd Time=\(e.time) Name=\"\(TraceRange.name(k, reason: reason))\" Scope=\(scopeText(k, scope))"))
                }
            }
        }
        // Ranges and runs still open at the end last until the trace's end.
        for kind in 0..<4 {
            for (_, rg) in open[kind] where rg.isOpen {
                rangeList[rg.slot].end = lastTime
                rangeList[rg.slot].rawEnd = lastTime
            }
        }
        for (_, run) in running where run.isOpen {
            runList[run.slot].end = lastTime
            runList[run.slot].rawEnd = lastTime
        }
        if !replaced.isEmpty {
            let gone = Set(replaced)
            rangeList = rangeList.indices.filter { !gone.contains($0) }.map { rangeList[$0] }
        }
        // By start, ties by kind (in the order of their names: assist, gc, stw, sweep) and scope. Begin
        // order is start order; this only checks it, and sorts if a trace ever proves otherwise.
        if !rangeList.isStrictlyIncreasing(by: \.start) {
            rangeList = stableSorted(rangeList) { r in
                let k: Int64 = switch r.kind { case .assist: 0; case .gc: 1; case .stw: 2; case .sweep: 3 }
                return (r.start, k, r.scope)
            }
        }
        if !runList.isStrictlyIncreasing(by: \.start) { runList = stableSorted(runList) { ($0.start, $0.m, 0) } }
        ranges = rangeList
        runs = runList
        for g in regionStacks.keys.sorted() {
            for var rg in regionStacks[g]! {
                rg.end = lastTime
                rg.rawEnd = lastTime
                regions.append(rg)
            }
        }
        regions = stableSorted(regions) { ($0.start, $0.g, Int64($0.depth)) }
        if let c = r.v1 {
            // Goroutines that existed when a Go 1.21 trace started were announced by a GoCreate that the
            // conversion drops: their start function comes from it.
            for (gid, st) in c.preInitCreations.sorted(by: { $0.key < $1.key }) {
                let id = Int64(bitPattern: gid)
                var info = goroutines[id] ?? GoroutineInfo(id: id, startFunction: "", createdAt: nil, creationStack: [])
                if info.startFunction.isEmpty { info.startFunction = c.frames(st.newStack).first?.function ?? "" }
                if info.creationStack.isEmpty { info.creationStack = c.frames(st.stack) }
                goroutines[id] = info
            }
            v1Clock = c.clock
        }
        snapshots = r.snapshots
        ticksPerSecond = r.ticksPerSecond
        warnings = r.warnings
        if let e = stopError { warnings.append("reading stopped at \(e); the events before it are kept") }
    }
}

/// A range or goroutine run while it is open: where it is in the list being built.
struct OpenSpan {
    var slot: Int
    /// Entries stay in their map once made (a removal shifted its neighbours back): this tells whether
    /// one is open.
    var isOpen: Bool
}

extension Array {
    /// Whether `key` strictly increases along the array.
    func isStrictlyIncreasing(by key: (Element) -> Int64) -> Bool {
        withUnsafeBufferPointer { b in
            var i = 1
            while i < b.count {
                if key(b[i &- 1]) >= key(b[i]) { return false }
                i &+= 1
            }
            return true
        }
    }
}

/// Sorted by an integer key, ties in their original order. Elements holding Strings are moved once
/// (a sort moves each of them log n times, with a retain and release per move).
func stableSorted<T>(_ a: [T], key: (T) -> (Int64, Int64, Int64)) -> [T] {
    let keys = a.map(key)
    let order = a.indices.sorted { i, j in
        let (x, y) = (keys[i], keys[j])
        return x != y ? x < y : i < j
    }
    return order.map { a[$0] }
}

/// Go's `%q`: a double-quoted string with Go escapes (`strconv.Quote`).
func goQuote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            let v = u.value
            if v < 0x20 || v == 0x7f { out += cFormat("\\x%02x", v) }
            else if (0x80..<0xa0).contains(v) { out += cFormat("\\u%04x", v) }
            else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

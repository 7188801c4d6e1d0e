/// A time range the Go parser reports (`RangeBegin`/`RangeActive` … `RangeEnd`).
public struct TraceRange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case gc, stw, assist, sweep
    }
    public var kind: Kind
    /// The parser's range name, e.g. `stop-the-world (GC mark termination)`. Computed: hundreds of
    /// thousands of ranges are kept, and a stored String made each one larger and slower to move.
    public var name: String {
        switch kind {
        case .gc: "GC concurrent mark phase"
        case .stw: "stop-the-world (\(reason))"
        case .assist: "GC mark assist"
        case .sweep: "GC incremental sweep"
        }
    }
    /// STW reason (`GC mark termination`); empty for other kinds.
    public var reason: String
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
    /// True when the range was already running when the trace (or its first generation) started.
    public var activeAtStart: Bool
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
    /// `GC (dedicated)`, `GC (fractional)`, `GC (idle)` for background mark workers.
    public var label: String
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
    public var heap: [HeapSample] = []
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

    /// Reads a whole trace. `keepParsedLines` records the Go parser's text for ranges, labels and syncs.
    public init(bytes: UnsafeRawBufferPointer, keepParsedLines: Bool = false) throws(GoTraceError) {
        var r = try GoTraceReader(bytes: bytes)
        // Heap events can be a good part of a trace (one per 10–19 bytes in the fixtures and benchmarks):
        // room for one per 8 bytes, up to 1 GB, so that the array is not copied as it grows; pages never
        // written are never faulted in.
        heap.reserveCapacity(min(bytes.count / 8, 1 << 26))
        version = r.version
        // Open and closed ranges and runs are plain values (strings by index into `texts`) in integer
        // maps: hundreds of thousands of them are made, and Strings inside made every move a retain and
        // release, and Dictionary hashed every Int64 key with SipHash. Strings are looked up when the
        // event comes (a string id belongs to its generation).
        var texts: [String] = [""]
        var textIndex: [String: Int32] = ["": 0]
        func intern(_ s: String) -> Int32 {
            if let i = textIndex[s] { return i }
            texts.append(s)
            textIndex[s] = Int32(texts.count - 1)
            return Int32(texts.count - 1)
        }
        // Kinds in the order of their names (assist, gc, stw, sweep): the order of ranges starting together.
        let kinds: [TraceRange.Kind] = [.assist, .gc, .stw, .sweep]
        var open = [IntMap<AnalysisSpan>](repeating: IntMap<AnalysisSpan>(), count: 4)  // per kind, by scope
        var running = IntMap<AnalysisSpan>()                                       // per M
        var rangeGroups: Int32 = 0, runGroups: Int32 = 0
        var closedRanges = SpanLog(), closedRuns = SpanLog()
        var first = true
        var lastGeneration: UInt64 = 0
        var regionStacks: [Int64: [UserRegion]] = [:]  // open regions per goroutine, innermost last
        func closeRun(_ m: Int64, _ e: TraceEvent) {
            _ = running.update(m) { run in
                guard run.isOpen else { return }
                run.isOpen = false
                run.end = e.time
                run.rawEnd = e.rawTime
                closedRuns.append(run)
            }
        }
        func startRun(_ e: TraceEvent, g: Int64) {
            var run = AnalysisSpan(start: e.time, end: e.time, rawStart: e.rawTime, rawEnd: e.rawTime, m: e.m, p: e.p, g: e.g,
                           scope: g, text: 0, group: 0, kind: 0, active: false)
            if running.update(e.m, { (old: inout AnalysisSpan) -> Void in run.group = old.group; old = run }) == nil {
                run.group = runGroups
                runGroups += 1
                running[e.m] = run
            }
        }
        func name(_ k: TraceRange.Kind, _ reason: String) -> String {
            switch k {
            case .gc: "GC concurrent mark phase"
            case .stw: "stop-the-world (\(reason))"
            case .assist: "GC mark assist"
            case .sweep: "GC incremental sweep"
            }
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
            var begin: (kind: Int, scope: Int64, reason: Int32, active: Bool)?
            var endKind: (kind: Int, scope: Int64)?
            switch e.type {
            case .syncMarker:
                if e.generation != lastGeneration { generations += 1; lastGeneration = e.generation }
                if keepParsedLines { parsedLines.append(line(e, "Sync Time=\(e.time) N=\(e.args.a0)")) }
            case .gcBegin: begin = (1, -1, 0, false)
            case .gcActive: begin = (1, -1, 0, true)
            case .gcEnd: endKind = (1, -1)
            case .stwBegin: begin = (2, e.g, intern(r.string(e.args.a0)), false)
            case .stwEnd: endKind = (2, e.g)
            case .gcMarkAssistBegin: begin = (0, e.g, 0, false)
            case .gcMarkAssistActive: begin = (0, Int64(bitPattern: e.args.a0), 0, true)
            case .gcMarkAssistEnd: endKind = (0, e.g)
            case .gcSweepBegin: begin = (3, e.p, 0, false)
            case .gcSweepActive: begin = (3, Int64(bitPattern: e.args.a0), 0, true)
            case .gcSweepEnd: endKind = (3, e.p)
            case .goLabel:
                let label = r.string(e.args.a0)
                if keepParsedLines { parsedLines.append(line(e, "Label Time=\(e.time) Label=\(goQuote(label)) Resource=Goroutine(\(e.g))")) }
                let id = intern(label)
                _ = running.update(e.m) { run in if run.isOpen, run.scope == e.g { run.text = id } }
            case .goStart:
                closeRun(e.m, e)
                startRun(e, g: Int64(bitPattern: e.args.a0))
            case .goStatus, .goStatusStack:
                let status = e.args.a2 & 0xffff_ffff
                let gid = Int64(bitPattern: e.args.a0)
                if (status == WireGoStatus.running.rawValue || status == WireGoStatus.syscall.rawValue), running[e.m].flatMap({ $0.isOpen ? $0.scope : nil }) != gid {
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
            case .heapAlloc: heap.append(HeapSample(time: e.time, live: e.args.a0))
            case .heapGoal: heapGoals.append(HeapSample(time: e.time, live: e.args.a0))
            default: break
            }
            if let b = begin {
                let k = kinds[b.kind]
                if keepParsedLines {
                    parsedLines.append(line(e, "\(b.active ? "RangeActive" : "RangeBegin") Time=\(e.time) Name=\"\(name(k, texts[Int(b.reason)]))\" Scope=\(scopeText(k, b.scope))"))
                }
                var rg = AnalysisSpan(start: e.time, end: e.time, rawStart: e.rawTime, rawEnd: e.rawTime, m: e.m, p: e.p, g: e.g,
                              scope: b.scope, text: b.reason, group: 0, kind: UInt8(b.kind), active: b.active)
                // A range seen active at a generation start continues the one already open.
                let known: Void? = open[b.kind].update(b.scope) { old in
                    if b.active && old.isOpen { return }
                    rg.group = old.group
                    old = rg
                }
                if known == nil {
                    rg.group = rangeGroups
                    rangeGroups += 1
                    open[b.kind][b.scope] = rg
                }
            }
            if let (kind, scope) = endKind {
                let k = kinds[kind]
                let closed = open[kind].update(scope) { rg -> AnalysisSpan? in
                    guard rg.isOpen else { return nil }
                    rg.isOpen = false
                    return rg
                } ?? nil
                if var rg = closed {
                    rg.end = e.time
                    rg.rawEnd = e.rawTime
                    if keepParsedLines { parsedLines.append(line(e, "RangeEnd Time=\(e.time) Name=\"\(name(k, texts[Int(rg.text)]))\" Scope=\(scopeText(k, scope))")) }
                    closedRanges.append(rg)
                } else if keepParsedLines {
                    // The Go parser still reports an end it cannot pair (a range begun before the trace).
                    let reason = k == .stw ? r.string(e.args.a0) : ""
                    parsedLines.append(line(e, "RangeEnd Time=\(e.time) Name=\"\(name(k, reason))\" Scope=\(scopeText(k, scope))"))
                }
            }
        }
        // Ranges and runs still open at the end last until the trace's end (in the order of the ranges'
        // kind (gc, stw, assist, sweep) then scope).
        for kind in [1, 2, 0, 3] {
            for (_, var rg) in open[kind].sorted(by: { $0.key < $1.key }) where rg.isOpen {
                rg.end = lastTime
                rg.rawEnd = lastTime
                closedRanges.append(rg)
            }
        }
        for g in regionStacks.keys.sorted() {
            for var rg in regionStacks[g]! {
                rg.end = lastTime
                rg.rawEnd = lastTime
                regions.append(rg)
            }
        }
        regions = stableSorted(regions) { ($0.start, $0.g, Int64($0.depth)) }
        for (_, var run) in running.sorted(by: { $0.key < $1.key }) where run.isOpen {
            run.end = lastTime
            run.rawEnd = lastTime
            closedRuns.append(run)
        }
        // By start; ties by kind (in the order of their names: assist, gc, stw, sweep) and scope, then as closed.
        ranges = inStartOrder(closedRanges, groups: Int(rangeGroups), key: { (Int64($0.kind), $0.scope) }) { s in
            TraceRange(kind: kinds[Int(s.kind)], reason: texts[Int(s.text)], start: s.start, end: s.end, rawStart: s.rawStart,
                       rawEnd: s.rawEnd, m: s.m, p: s.p, g: s.g, scope: s.scope, activeAtStart: s.active)
        }
        closedRanges = SpanLog()  // freed before `runs` is made: its memory serves again
        runs = inStartOrder(closedRuns, groups: Int(runGroups), key: { ($0.m, 0) }) { s in
            GoroutineRun(m: s.m, p: s.p, g: s.scope, start: s.start, end: s.end, rawStart: s.rawStart, rawEnd: s.rawEnd,
                         label: texts[Int(s.text)])
        }
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

/// A range or goroutine run while it is read: plain values (its string by index), as hundreds of
/// thousands are made and moved.
struct AnalysisSpan {
    var start: Int64, end: Int64, rawStart: Int64, rawEnd: Int64
    var m: Int64, p: Int64, g: Int64
    /// Range: scope; run: the goroutine.
    var scope: Int64
    /// Range: STW reason; run: label.
    var text: Int32
    /// Runs of one M, ranges of one kind and scope: each group closes its spans in start order.
    var group: Int32
    var kind: UInt8
    var active: Bool
    /// Entries stay in their map once made (a removal shifted its neighbours back): this tells whether
    /// one is open.
    var isOpen = true
}

/// Closed spans in chunks of a fixed size: appending never moves (and faults in again) what is there,
/// as a growing array does, and the final arrays are made at their exact size. Chunks are whole huge
/// pages (`allocateHugePageBacked`): hundreds of thousands of spans are written once each.
final class SpanLog {
    /// Spans per chunk: as many as fill 28 MB (whole huge pages). One chunk holds a trace of a few hundred
    /// thousand spans, and stays under glibc's mmap threshold (32 MB) with its alignment: once freed it is
    /// one block the final arrays can be made in, where smaller chunks left holes too small for them and
    /// those arrays took fresh memory.
    static let defaultChunkSize = (28 << 20) / MemoryLayout<AnalysisSpan>.stride
    let chunkSize: Int
    private(set) var chunks: [UnsafeMutablePointer<AnalysisSpan>] = []
    private(set) var count = 0
    private var current: UnsafeMutablePointer<AnalysisSpan>?
    /// Spans in the current chunk (full before the first).
    private var used: Int

    /// `chunkSize`: tests make it small, to cross chunks with few spans.
    init(chunkSize: Int = SpanLog.defaultChunkSize) {
        self.chunkSize = chunkSize
        used = chunkSize
    }

    deinit { for c in chunks { freeHugePageBacked(UnsafeMutableRawPointer(c)) } }

    func append(_ s: AnalysisSpan) {
        if used == chunkSize {
            let c = allocateHugePageBacked(bytes: chunkSize * MemoryLayout<AnalysisSpan>.stride)
                .bindMemory(to: AnalysisSpan.self, capacity: chunkSize)
            chunks.append(c)
            current = c
            used = 0
        }
        (current! + used).initialize(to: s)
        used += 1
        count += 1
    }

    subscript(i: Int) -> AnalysisSpan { chunks[i / chunkSize][i % chunkSize] }

    /// Each span, in the order appended.
    @inline(__always) func forEach(_ body: (AnalysisSpan) -> Void) {
        for (n, c) in chunks.enumerated() {
            for j in 0..<min(count - n * chunkSize, chunkSize) { body(c[j]) }
        }
    }
}

/// The spans by start, ties by `key` then as they came, each made into a `U`. Spans of one group (dense
/// ids below `groups`) come in that order already, so a k-way merge of the groups does: n log k, with
/// the heads' keys in the heap (each span is read twice: for its key, then to make it). A full sort if
/// a group is not in order.
func inStartOrder<U>(_ log: SpanLog, groups: Int, key: (AnalysisSpan) -> (Int64, Int64),
                     make: (AnalysisSpan) -> U) -> [U] {
    precondition(log.count < Int(Int32.max))
    var starts = [Int](repeating: 0, count: groups + 1)
    var lastStart = [Int64](repeating: .min, count: groups)
    var inOrder = true
    log.forEach { s in
        let g = Int(s.group)
        precondition(g >= 0 && g < groups)
        starts[g + 1] += 1
        // Within a group the key is the same (one kind and scope, one M): the start decides.
        if s.start < lastStart[g] { inOrder = false }
        lastStart[g] = s.start
    }
    guard inOrder else {
        let keys = (0..<log.count).map { i in let s = log[i]; return (s.start, key(s).0, key(s).1, i) }
        return keys.sorted { $0 < $1 }.map { make(log[$0.3]) }
    }
    for g in 0..<groups { starts[g + 1] += starts[g] }
    // Indices grouped, each group in its original order.
    var grouped = [Int32](repeating: 0, count: log.count)
    grouped.withUnsafeMutableBufferPointer { out in
        var next = starts
        var i: Int32 = 0
        log.forEach { s in
            out[next[Int(s.group)]] = i
            next[Int(s.group)] += 1
            i += 1
        }
    }
    func head(_ pos: Int) -> MergeHead {
        let i = grouped[pos]
        let s = log[Int(i)]
        let k = key(s)
        return MergeHead(start: s.start, k0: k.0, k1: k.1, index: i, pos: Int32(pos))
    }
    var heap = (0..<groups).filter { starts[$0] < starts[$0 + 1] }.map { head(starts[$0]) }
    var result: [U] = []
    result.reserveCapacity(log.count)
    adviseHugePages(&result)
    heap.withUnsafeMutableBufferPointer { h in
        var n = h.count
        func siftDown(_ i: Int) {
            var i = i
            while true {
                let l = 2 &* i &+ 1, r = l &+ 1
                var m = i
                if l < n, h[l] < h[m] { m = l }
                if r < n, h[r] < h[m] { m = r }
                if m == i { return }
                h.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: n / 2, through: 0, by: -1) { siftDown(i) }
        while n > 0 {
            let top = log[Int(h[0].index)]
            result.append(make(top))
            let next = Int(h[0].pos) + 1
            if next < starts[Int(top.group) + 1] {
                h[0] = head(next)
            } else {
                n -= 1
                h[0] = h[n]
            }
            siftDown(0)
        }
    }
    return result
}

/// A group's next span in `inStartOrder`'s merge: its key, where it is, and where it goes.
struct MergeHead {
    var start: Int64, k0: Int64, k1: Int64, index: Int32, pos: Int32
    @inline(__always) static func < (a: Self, b: Self) -> Bool {
        (a.start, a.k0, a.k1, a.index) < (b.start, b.k0, b.k1, b.index)
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

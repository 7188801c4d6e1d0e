import BinaryIO

// `GoTrace(bytes:)` in named steps: one method per kind of event read (ranges, runs, goroutines, tasks,
// regions, logs, heap), then `finish` (what is still open ends with the trace, the order is checked,
// Go 1.21's goroutines from before the trace get their start functions).

/// Reading a trace into a `GoTrace`: the value being filled and the spans still open.
struct TraceAnalysis {
    var t: GoTrace
    let keepParsedLines: Bool
    let keepHeapSamples: Bool
    // Ranges and runs go straight into their final arrays when they begin: event times strictly
    // increase, so that is start order. Their ends are filled in when they close. Nothing is kept
    // on the side and sorted, as it was: on a virtual machine, memory touched for the first time
    // costs more than the work done in it (a third of the analysis went to clearing fresh pages).
    var rangeList: [TraceRange] = [], runList: [GoroutineRun] = []
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

    init(version: TraceVersion, byteCount: Int, keepParsedLines: Bool, keepHeapSamples: Bool) {
        t = GoTrace(version: version)
        self.keepParsedLines = keepParsedLines
        self.keepHeapSamples = keepHeapSamples
        // Room for one heap sample per 8 bytes, up to 1 GB, so that the array is not copied as it grows;
        // pages never written are never faulted in.
        if keepHeapSamples { t.heap.reserveCapacity(min(byteCount / 8, 1 << 26)) }
        // Room for one range and one run per 16 bytes of trace, up to 8 M (the fixtures and benchmarks
        // have one range per 20–80 bytes, one run per 16–200): pages never written are never faulted in.
        rangeList.reserveCapacity(min(byteCount / 16, 1 << 23))
        runList.reserveCapacity(min(byteCount / 16, 1 << 23))
        adviseHugePages(&rangeList)
        adviseHugePages(&runList)
    }

    /// Every event of `r`; the error that stopped reading early, if any (a trace with nothing readable
    /// throws it: what was read before the damage is kept otherwise).
    mutating func readEvents(_ r: inout GoTraceReader) throws(GoTraceError) -> GoTraceError? {
        while true {
            let next: TraceEvent?
            do { next = try r.next() } catch {
                if t.events == 0 { throw error }
                return error
            }
            guard let e = next else { return nil }
            add(e, &r)
        }
    }

    /// One event, by kind.
    @inline(__always)
    mutating func add(_ e: TraceEvent, _ r: inout GoTraceReader) {
        t.events += 1
        if first { t.firstTime = e.time; first = false }
        t.lastTime = e.time
        // Range kinds are indexes into `kinds`.
        switch e.type {
        case .syncMarker:
            if e.generation != lastGeneration { t.generations += 1; lastGeneration = e.generation }
            if keepParsedLines {
                let clock = e.extra == 1 ? r.gen?.snapshot?.parsedTail ?? "" : ""
                t.parsedLines.append(Self.line(e, "Sync Time=\(e.time) N=\(e.args.a0)\(clock)"))
            }
        case .gcBegin: beginRange(e, kind: 1, scope: -1, reason: .empty, active: false)
        case .gcActive: beginRange(e, kind: 1, scope: -1, reason: .empty, active: true)
        case .gcEnd: endRange(e, kind: 1, scope: -1, &r)
        case .stwBegin: beginRange(e, kind: 2, scope: e.g, reason: TraceText(r.string(e.args.a0)), active: false)
        case .stwEnd: endRange(e, kind: 2, scope: e.g, &r)
        case .gcMarkAssistBegin: beginRange(e, kind: 0, scope: e.g, reason: .empty, active: false)
        case .gcMarkAssistActive:
            beginRange(e, kind: 0, scope: Int64(bitPattern: e.args.a0), reason: .empty, active: true)
        case .gcMarkAssistEnd: endRange(e, kind: 0, scope: e.g, &r)
        case .gcSweepBegin: beginRange(e, kind: 3, scope: e.p, reason: .empty, active: false)
        case .gcSweepActive: beginRange(e, kind: 3, scope: Int64(bitPattern: e.args.a0), reason: .empty, active: true)
        case .gcSweepEnd: endRange(e, kind: 3, scope: e.p, &r)
        case .goLabel: goLabel(e, &r)
        case .goStart:
            closeRun(e.m, e)
            startRun(e, g: Int64(bitPattern: e.args.a0))
        case .goStatus, .goStatusStack: goStatus(e, &r)
        case .goStop, .goBlock, .goDestroy, .goSyscallEndBlocked, .goDestroySyscall:
            closeRun(e.m, e)
        case .goCreate, .goCreateBlocked, .goCreateSyscall: goCreate(e, &r)
        case .userTaskBegin: taskBegin(e, &r)
        case .userTaskEnd: taskEnd(e, &r)
        case .userRegionBegin: regionBegin(e, &r)
        case .userRegionEnd: regionEnd(e, &r)
        case .userLog: userLog(e, &r)
        case .heapAlloc:
            let sample = HeapSample(time: e.time, live: e.args.a0)
            if keepHeapSamples { t.heap.append(sample) }
            if t.heapPeak.map({ sample.live > $0.live }) ?? true { t.heapPeak = sample }
        case .heapGoal: t.heapGoals.append(HeapSample(time: e.time, live: e.args.a0))
        default: break
        }
    }

    static func scopeText(_ k: TraceRange.Kind, _ scope: Int64) -> String {
        switch k {
        case .gc: return "None"
        case .sweep: return "Proc(\(scope))"
        default: return "Goroutine(\(scope))"
        }
    }

    static func line(_ e: TraceEvent, _ body: String) -> String { "M=\(e.m) P=\(e.p) G=\(e.g) \(body)" }

    // MARK: Goroutine runs

    mutating func closeRun(_ m: Int64, _ e: TraceEvent) {
        _ = running.update(m) { run in
            guard run.isOpen else { return }
            run.isOpen = false
            runList[run.slot].end = e.time
            runList[run.slot].rawEnd = e.rawTime
        }
    }

    mutating func startRun(_ e: TraceEvent, g: Int64) {
        running[e.m] = OpenSpan(slot: runList.count, isOpen: true)
        runList.append(
            GoroutineRun(
                m: e.m, p: e.p, g: g, start: e.time, end: e.time, rawStart: e.rawTime, rawEnd: e.rawTime,
                labelText: .empty))
    }

    mutating func goLabel(_ e: TraceEvent, _ r: inout GoTraceReader) {
        let label = r.string(e.args.a0)
        if keepParsedLines {
            t.parsedLines.append(
                Self.line(e, "Label Time=\(e.time) Label=\(goQuote(label)) Resource=Goroutine(\(e.g))"))
        }
        let text = TraceText(label)
        _ = running.update(e.m) { run in
            if run.isOpen, runList[run.slot].g == e.g { runList[run.slot].labelText = text }
        }
    }

    /// A goroutine's status: a run starts when it is running (or in a syscall) on an M that was not
    /// running it; its start function comes from the stack when the event carries one.
    mutating func goStatus(_ e: TraceEvent, _ r: inout GoTraceReader) {
        let status = e.args.a2 & 0xffff_ffff
        let gid = Int64(bitPattern: e.args.a0)
        if status == WireGoStatus.running.rawValue || status == WireGoStatus.syscall.rawValue,
            running[e.m].flatMap({ $0.isOpen ? runList[$0.slot].g : nil }) != gid
        {
            closeRun(e.m, e)
            startRun(e, g: gid)
        }
        if t.goroutines[gid] == nil {
            t.goroutines[gid] = GoroutineInfo(id: gid, startFunction: "", createdAt: nil, creationStack: [])
        }
        if e.type == .goStatusStack, t.goroutines[gid]!.startFunction.isEmpty {
            t.goroutines[gid]!.startFunction = r.frames(e.args.a3).last?.function ?? ""
        }
    }

    mutating func goCreate(_ e: TraceEvent, _ r: inout GoTraceReader) {
        let gid = Int64(bitPattern: e.args.a0)
        let newStack = e.type == .goCreateSyscall ? [] : r.frames(e.args.a1)
        t.goroutines[gid] = GoroutineInfo(id: gid, startFunction: newStack.first?.function ?? "", createdAt: e.time,
                                          creationStack: e.type == .goCreateSyscall ? [] : r.frames(e.args.a2))
    }

    // MARK: GC ranges

    /// A range of `kinds[kind]` begins (or is seen active) at `scope`.
    mutating func beginRange(_ e: TraceEvent, kind: Int, scope: Int64, reason: TraceText, active: Bool) {
        let k = kinds[kind]
        if keepParsedLines {
            t.parsedLines.append(
                Self.line(
                    e,
                    "\(active ? "RangeActive" : "RangeBegin") Time=\(e.time) Name=\"\(TraceRange.name(k, reason: reason.string))\" Scope=\(Self.scopeText(k, scope))"
                ))
        }
        let rg = TraceRange(start: e.time, end: e.time, rawStart: e.rawTime, rawEnd: e.rawTime, m: e.m, p: e.p, g: e.g,
                            scope: scope, kind: k, activeAtStart: active, reasonText: reason)
        // A range seen active at a generation start continues the one already open.
        let known: Void? = open[kind].update(scope) { old in
            if active && old.isOpen { return }
            if old.isOpen { replaced.append(old.slot) }
            old = OpenSpan(slot: rangeList.count, isOpen: true)
            rangeList.append(rg)
        }
        if known == nil {
            open[kind][scope] = OpenSpan(slot: rangeList.count, isOpen: true)
            rangeList.append(rg)
        }
    }

    /// The range of `kinds[kind]` open at `scope` ends.
    mutating func endRange(_ e: TraceEvent, kind: Int, scope: Int64, _ r: inout GoTraceReader) {
        let k = kinds[kind]
        let closed = open[kind].update(scope) { rg -> Int? in
            guard rg.isOpen else { return nil }
            rg.isOpen = false
            return rg.slot
        } ?? nil
        if let slot = closed {
            rangeList[slot].end = e.time
            rangeList[slot].rawEnd = e.rawTime
            if keepParsedLines {
                t.parsedLines.append(
                    Self.line(
                        e,
                        "RangeEnd Time=\(e.time) Name=\"\(rangeList[slot].name)\" Scope=\(Self.scopeText(k, scope))\(Self.attributes(e))"
                    )
                )
            }
        } else if keepParsedLines {
            // The Go parser still reports an end it cannot pair (a range begun before the trace).
            let reason = k == .stw ? r.string(e.args.a0) : ""
            t.parsedLines.append(
                Self.line(
                    e,
                    "RangeEnd Time=\(e.time) Name=\"\(TraceRange.name(k, reason: reason))\" Scope=\(Self.scopeText(k, scope))\(Self.attributes(e))"
                ))
        }
    }

    /// A RangeEnd's attributes as Go prints them: only a sweep's end has any (Event.RangeAttributes).
    static func attributes(_ e: TraceEvent) -> String {
        guard e.type == .gcSweepEnd else { return " Attributes=[]" }
        return
            " Attributes=[\"bytes swept\"=Value{Uint64(\(e.args.a0))} \"bytes reclaimed\"=Value{Uint64(\(e.args.a1))}]"
    }

    // MARK: Tasks, regions, logs

    mutating func taskBegin(_ e: TraceEvent, _ r: inout GoTraceReader) {
        // A parent of 0 means none (Go's parser turns it into NoTask, not the background task).
        let (id, parent, type) = (e.args.a0, e.args.a1 == 0 ? UInt64.max : e.args.a1, r.string(e.args.a2))
        if keepParsedLines {
            t.parsedLines.append(
                Self.line(e, "TaskBegin Time=\(e.time) ID=\(id) Parent=\(parent) Type=\(goQuote(type))"))
        }
        t.tasks[id] = UserTask(id: id, parent: parent, type: type, start: e.time, end: nil, g: e.g)
    }

    mutating func taskEnd(_ e: TraceEvent, _ r: inout GoTraceReader) {
        let id = e.args.a0
        // Go 1.21: the converter carries the begin's parent as written (0 for none) and type.
        let v1Line =
            keepParsedLines && t.version == .go121
            ? Self.line(e, "TaskEnd Time=\(e.time) ID=\(id) Parent=\(e.args.a2) Type=\(goQuote(r.string(e.args.a3)))")
            : nil
        if var task = t.tasks[id], task.end == nil {
            task.end = e.time
            t.tasks[id] = task
            if keepParsedLines {
                t.parsedLines.append(
                    v1Line
                        ?? Self.line(
                            e, "TaskEnd Time=\(e.time) ID=\(id) Parent=\(task.parent) Type=\(goQuote(task.type))"))
            }
        } else {
            // Begun before the trace: Go's parser reports no parent (NoTask) and no type.
            t.tasks[id] = UserTask(id: id, parent: .max, type: "", start: nil, end: e.time, g: -1)
            if keepParsedLines {
                t.parsedLines.append(
                    v1Line ?? Self.line(e, "TaskEnd Time=\(e.time) ID=\(id) Parent=\(UInt64.max) Type=\"\""))
            }
        }
    }

    mutating func regionBegin(_ e: TraceEvent, _ r: inout GoTraceReader) {
        let type = r.string(e.args.a1)
        if keepParsedLines {
            t.parsedLines.append(Self.line(e, "RegionBegin Time=\(e.time) Task=\(e.args.a0) Type=\(goQuote(type))"))
        }
        let depth = regionStacks[e.g]?.count ?? 0
        regionStacks[e.g, default: []].append(
            UserRegion(
                g: e.g, task: e.args.a0, type: type, start: e.time, end: e.time,
                rawStart: e.rawTime, rawEnd: e.rawTime, depth: depth))
    }

    mutating func regionEnd(_ e: TraceEvent, _ r: inout GoTraceReader) {
        let type = r.string(e.args.a1)
        if keepParsedLines {
            t.parsedLines.append(Self.line(e, "RegionEnd Time=\(e.time) Task=\(e.args.a0) Type=\(goQuote(type))"))
        }
        // An end with nothing open belongs to a region begun before the trace.
        if var rg = regionStacks[e.g]?.popLast() {
            rg.end = e.time
            rg.rawEnd = e.rawTime
            t.regions.append(rg)
        }
    }

    mutating func userLog(_ e: TraceEvent, _ r: inout GoTraceReader) {
        let log = UserLog(
            time: e.time, g: e.g, task: e.args.a0, category: r.string(e.args.a1), message: r.string(e.args.a2))
        if keepParsedLines {
            t.parsedLines.append(
                Self.line(
                    e,
                    "Log Time=\(e.time) Task=\(log.task) Category=\(goQuote(log.category)) Message=\(goQuote(log.message))"
                ))
        }
        t.logs.append(log)
    }

    // MARK: The end

    /// What is still open ends with the trace; ranges and runs in start order; the reader's facts.
    mutating func finish(_ r: GoTraceReader, stopError: GoTraceError?) {
        closeAtEnd()
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
        t.ranges = rangeList
        t.runs = runList
        for g in regionStacks.keys.sorted() {
            for var rg in regionStacks[g]! {
                rg.end = t.lastTime
                rg.rawEnd = t.lastTime
                t.regions.append(rg)
            }
        }
        t.regions = stableSorted(t.regions) { ($0.start, $0.g, Int64($0.depth)) }
        if let c = r.v1 { addV1Creations(c) }
        t.snapshots = r.snapshots
        t.ticksPerSecond = r.ticksPerSecond
        t.warnings = r.warnings
        if let e = stopError { t.warnings.append("reading stopped at \(e); the events before it are kept") }
    }

    /// Ranges and runs still open at the end last until the trace's end.
    mutating func closeAtEnd() {
        for kind in 0..<4 {
            for (_, rg) in open[kind] where rg.isOpen {
                rangeList[rg.slot].end = t.lastTime
                rangeList[rg.slot].rawEnd = t.lastTime
            }
        }
        for (_, run) in running where run.isOpen {
            runList[run.slot].end = t.lastTime
            runList[run.slot].rawEnd = t.lastTime
        }
    }

    /// Goroutines that existed when a Go 1.21 trace started were announced by a GoCreate that the
    /// conversion drops: their start function comes from it.
    mutating func addV1Creations(_ c: V1Converter) {
        for (gid, st) in c.preInitCreations.sorted(by: { $0.key < $1.key }) {
            let id = Int64(bitPattern: gid)
            var info = t.goroutines[id] ?? GoroutineInfo(id: id, startFunction: "", createdAt: nil, creationStack: [])
            if info.startFunction.isEmpty { info.startFunction = c.frames(st.newStack).first?.function ?? "" }
            if info.creationStack.isEmpty { info.creationStack = c.frames(st.stack) }
            t.goroutines[id] = info
        }
        t.v1Clock = c.clock
    }
}

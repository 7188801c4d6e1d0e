// A Go trace indexed for lookups by (thread, time): runs per M, GC ranges, assists, sweeps, regions.
import BinaryIO
import Collapse
import GoTrace
import PerfData

/// Per run of the trace, what attribution asks of it, in one 20-byte record (the runs themselves are
/// 64-byte records: a lookup per sample missed the cache).
struct RunFacts: Sendable {
    /// Index of its goroutine's start function in `TraceIndex.functions`, or -1.
    var root: Int32
    /// Slots of its goroutine's assists, of its P's sweeps, of its goroutine's regions; -1 for none.
    var assists: Int32
    var sweeps: Int32
    var regions: Int32
    /// It runs a goroutine (an id ≥ 0).
    var hasG: Bool
    /// A background mark worker's run (labelled `GC …`).
    var isWorker: Bool

    static let none = RunFacts(root: -1, assists: -1, sweeps: -1, regions: -1, hasG: false, isWorker: false)
}

/// Per-thread goroutine runs and the trace's GC ranges, indexed for lookups by (thread, time).
public struct TraceIndex: Sendable {
    public let trace: GoTrace
    /// Runs (indexes into `trace.runs`) per M (= OS thread id on Go ≥ 1.22), by raw start.
    var runs: SpanIndex
    /// Ranges (indexes into `trace.ranges`) by raw start: one key for STW pauses and for GC cycles,
    /// per goroutine for assists, per P for sweeps.
    var stw: SpanIndex
    var gc: SpanIndex
    var assists: SpanIndex
    var sweeps: SpanIndex
    /// `stw` and `gc` on one timeline, for one lookup per sample instead of two: from each start on
    /// (until the next), a sample is in a pause when bit 0 of the item is set, in a GC cycle when bit 1
    /// is. Both answers only change at a span's start or just after its end: they are read there.
    var global: SpanIndex
    /// User regions per goroutine, by raw start (nested ones after their parent).
    var regionsByG: [Int64: [UserRegion]] = [:]
    /// The same, flat: items are depths.
    var regionSpans: SpanIndex
    var runFacts: [RunFacts]
    /// The goroutines' start functions, sorted; `AlignSample.root` indexes them.
    public let functions: [String]
    var functionIDs: [String: Int32]
    /// Which UTF-8 lengths start functions have: frames of other lengths are not looked up.
    var startLengths: [Bool]

    /// `threadOfM` keys runs by perf thread id instead of runtime M id (Go 1.21); runs of unmapped Ms
    /// are then kept under negative keys no thread has.
    public init(_ trace: GoTrace, threadOfM: [Int64: Int64] = [:]) {
        self.trace = trace
        var names = Set<String>()
        for g in trace.goroutines.values where !g.startFunction.isEmpty { names.insert(g.startFunction) }
        functions = names.sorted()
        var ids: [String: Int32] = [:]
        var lengths: [Bool] = []
        for (i, f) in functions.enumerated() {
            ids[f] = Int32(i)
            let n = f.utf8.count
            if n >= lengths.count { lengths += repeatElement(false, count: n + 1 - lengths.count) }
            lengths[n] = true
        }
        functionIDs = ids
        startLengths = lengths
        runs = Self.runIndex(trace, threadOfM: threadOfM)
        // Ranges by kind first (one pass), then each kind's index.
        var byKind: [[Int32]] = [[], [], [], []]
        let kinds = trace.ranges.withUnsafeBufferPointer { r in
            for i in r.indices {
                let k: Int = switch r[i].kind { case .stw: 0; case .gc: 1; case .assist: 2; case .sweep: 3 }
                byKind[k].append(Int32(i))
            }
            func spans(_ list: [Int32], keyed: Bool) -> SpanIndex {
                list.withUnsafeBufferPointer { l in
                    SpanIndex(count: l.count, key: { keyed ? r[Int(l[$0])].scope : 0 },
                              span: { (r[Int(l[$0])].rawStart, r[Int(l[$0])].rawEnd, l[$0]) })
                }
            }
            return (
                spans(byKind[0], keyed: false), spans(byKind[1], keyed: false), spans(byKind[2], keyed: true),
                spans(byKind[3], keyed: true)
            )
        }
        (stw, gc, assists, sweeps) = kinds
        global = Self.timeline(stw: kinds.0, gc: kinds.1)
        var byG: [Int64: [UserRegion]] = [:]
        for r in trace.regions { byG[r.g, default: []].append(r) }
        for k in byG.keys { byG[k]!.sort { ($0.rawStart, $0.depth) < ($1.rawStart, $1.depth) } }
        regionsByG = byG
        regionSpans = SpanIndex(sortedGroups: byG.keys.sorted().map { g in
            (g, byG[g]!.map { ($0.rawStart, $0.rawEnd, Int32(clamping: $0.depth)) })
        })
        // Per goroutine: start function and slots, looked up once per goroutine rather than per run.
        struct GFacts { var root: Int32 = -1, assists: Int32 = -1, regions: Int32 = -1 }
        var gFacts = IntMap<GFacts>(capacity: trace.goroutines.count)
        for (g, info) in trace.goroutines where !info.startFunction.isEmpty {
            gFacts[g] = GFacts(root: ids[info.startFunction]!)
        }
        for (slot, g) in assists.keys.enumerated() { gFacts[g, default: GFacts()].assists = Int32(slot) }
        for (slot, g) in regionSpans.keys.enumerated() { gFacts[g, default: GFacts()].regions = Int32(slot) }
        let sweeps = self.sweeps
        runFacts = trace.runs.withUnsafeBufferPointer { r in
            [RunFacts](unsafeUninitializedCapacity: r.count) { out, count in
                var lastG = Int64.min, lastFacts = GFacts(), lastP = Int64.min, lastSweeps: Int32 = -1
                var workerLabels: [TraceText: Bool] = [:]
                for i in r.indices {
                    let g = r[i].g, p = r[i].p
                    if g != lastG { lastG = g; lastFacts = gFacts[g] ?? GFacts() }
                    if p != lastP { lastP = p; lastSweeps = p >= 0 ? Int32(sweeps.slot(p)) : -1 }
                    // Most runs have no label; a label's text is looked at once.
                    let text = r[i].labelText
                    var worker = false
                    if !text.isEmpty {
                        if let w = workerLabels[text] { worker = w } else {
                            worker = text.string.hasPrefix("GC ")
                            workerLabels[text] = worker
                        }
                    }
                    (out.baseAddress! + i).initialize(
                        to: RunFacts(
                            root: lastFacts.root, assists: lastFacts.assists, sweeps: lastSweeps,
                            regions: lastFacts.regions, hasG: g >= 0, isWorker: worker))
                }
                count = r.count
            }
        }
    }

    static func timeline(stw: SpanIndex, gc: SpanIndex) -> SpanIndex {
        var points: [Int64] = []
        for spans in [stw, gc] {
            for i in spans.starts.indices {
                points.append(spans.starts[i])
                if spans.ends[i] < Int64.max { points.append(spans.ends[i] + 1) }
            }
        }
        points.sort()
        var changes: [(start: Int64, end: Int64, item: Int32)] = []
        var last: Int32 = 0, previous: Int64?
        for p in points where p != previous {
            previous = p
            let code: Int32 =
                (stw.item(containing: p, slot: 0) >= 0 ? 1 : 0) | (gc.item(containing: p, slot: 0) >= 0 ? 2 : 0)
            if code != last { changes.append((p, p, code)) }
            last = code
        }
        return SpanIndex(sortedGroups: [(0, changes)])
    }

    /// `base` with runs keyed by perf thread through `threadOfM` (Go 1.21); the rest is shared.
    init(_ base: TraceIndex, threadOfM: [Int64: Int64]) {
        self = base
        runs = Self.runIndex(base.trace, threadOfM: threadOfM)
    }

    static func runIndex(_ trace: GoTrace, threadOfM: [Int64: Int64]) -> SpanIndex {
        let mapped = !threadOfM.isEmpty
        return trace.runs.withUnsafeBufferPointer { r in
            SpanIndex(count: r.count, key: { i in
                let m = r[i].m
                return mapped ? (threadOfM[m] ?? (-1_000_000 - m)) : m
            }, span: { (r[$0].rawStart, r[$0].rawEnd, Int32($0)) })
        }
    }

    /// The index of start function `name` in `functions`, or -1.
    public func functionID(_ name: String) -> Int32 { functionIDs[name] ?? -1 }

    /// The innermost user region of goroutine `g` open at raw time `t`, with its enclosing regions'
    /// types, outermost first.
    public func regions(g: Int64, at t: Int64) -> [UserRegion] {
        guard let list = regionsByG[g] else { return [] }
        let lo = list.partitionPoint { $0.rawStart <= t }
        // Walking back from the last region begun by t: the first that still holds t is the innermost;
        // its parents hold t too. An outermost region that ended before t closes the search.
        var out: [UserRegion] = []
        var i = lo - 1
        while i >= 0 {
            let r = list[i]
            if t <= r.rawEnd, out.last.map({ r.depth < $0.depth }) ?? true { out.append(r) }
            if r.depth == 0 { break }
            i -= 1
        }
        return out.reversed()
    }

    public var threads: Set<Int64> { Set(runs.keys) }
    public func hasThread(_ m: Int64) -> Bool { runs.slots[m] != nil }

    /// The run on thread `m` at raw trace time `t`. Within `grace` ns after a run ends the thread is
    /// still leaving that goroutine (its stop event is written before the switch completes).
    public func run(m: Int64, at t: Int64, grace: Int64 = 20_000) -> GoroutineRun? {
        let slot = runs.slot(m)
        guard slot >= 0 else { return nil }
        var hint = Int.min
        let i = runs.withView { Self.runIndex($0, slot: slot, at: t, grace: grace, hint: &hint) }
        return i >= 0 ? trace.runs[i] : nil
    }

    /// The goroutine a scheduler sample at raw time `t` on thread `m` is parking: the last run on `m`,
    /// ended before `t`, when it agrees with the sample's stack (see `agrees`). After `gopark` the runtime
    /// switches to the thread's g0 stack through `runtime.mcall`; the trace has already closed the run,
    /// but until the next goroutine starts, every frame-pointer stack of that thread still reaches into
    /// the parked goroutine's frames: the CPU is the scheduler's work on that goroutine's behalf.
    public func parkedRun(_ s: AlignSample, thread m: Int64, at t: Int64) -> GoroutineRun? {
        let slot = runs.slot(m)
        guard slot >= 0 else { return nil }
        let k = runs.withView { runs in
            runFacts.withUnsafeBufferPointer { Self.parkedRunIndex(s, runs, $0, slot: slot, at: t) }
        }
        return k >= 0 ? trace.runs[k] : nil
    }

    public func stwRange(at t: Int64) -> TraceRange? { range(stw, 0, t) }
    public func gcRange(at t: Int64) -> TraceRange? { range(gc, 0, t) }
    public func assist(g: Int64, at t: Int64) -> TraceRange? { range(assists, assists.slot(g), t) }
    public func sweep(p: Int64, at t: Int64) -> TraceRange? { range(sweeps, sweeps.slot(p), t) }
    private func range(_ spans: SpanIndex, _ slot: Int, _ t: Int64) -> TraceRange? {
        let k = spans.item(containing: t, slot: slot)
        return k >= 0 ? trace.ranges[Int(k)] : nil
    }

    // Per-sample lookups, on unchecked views (`place` and `agreement` call them for every sample).

    /// The index in `trace.runs` of the run in thread slot `slot` at raw trace time `t`, or -1 (see
    /// `run(m:at:grace:)`).
    @inline(__always) static func runIndex(_ runs: SpanView, slot: Int, at t: Int64, grace: Int64, hint: inout Int)
        -> Int
    {
        let lo = runs.bounds[slot]
        let i = runs.lastStarting(atOrBefore: t, lo, runs.bounds[slot &+ 1], hint: &hint)
        guard i >= lo, t <= runs.ends[i] &+ grace else { return -1 }
        return Int(runs.items[i])
    }

    /// The index of `parkedRun`'s run, or -1.
    @inline(__always) static func parkedRunIndex(
        _ s: AlignSample, _ runs: SpanView, _ facts: UnsafeBufferPointer<RunFacts>, slot: Int,
        at t: Int64
    ) -> Int {
        guard s.viaMcall else { return -1 }
        let lo = runs.bounds[slot]
        let i = runs.lastStarting(atOrBefore: t, lo, runs.bounds[slot &+ 1])
        guard i >= lo, runs.ends[i] < t else { return -1 }
        let k = Int(runs.items[i])
        let f = facts[k]
        if s.inMarkWorker { return f.isWorker ? k : -1 }
        guard s.root >= 0, !f.isWorker, f.root == s.root else { return -1 }
        return k
    }

    /// Whether goroutine-region slot `slot` has a region open at `t`: `regions(g:at:)` is not empty,
    /// by the same walk back, stopping at the first region that holds `t` (items are depths).
    @inline(__always) static func inRegion(_ regions: SpanView, slot: Int, at t: Int64) -> Bool {
        let lo = regions.bounds[slot]
        var i = regions.lastStarting(atOrBefore: t, lo, regions.bounds[slot &+ 1])
        while i >= lo {
            if t <= regions.ends[i] { return true }
            if regions.items[i] == 0 { break }
            i &-= 1
        }
        return false
    }
}

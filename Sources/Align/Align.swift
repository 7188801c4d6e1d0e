// Putting perf samples on the Go execution trace's timeline: the clock offset between the two
// (same clock, wall-clock bridge, or estimated from how samples agree with the trace), then each
// sample's goroutine and GC state.
import BinaryIO
import Collapse
import GoTrace
import PerfData

/// The GC state a sample is attributed to, strongest first.
public enum GCState: String, Sendable, CaseIterable {
    case stw, assist, markWorker = "mark-worker", sweep, gcConcurrent = "gc-concurrent", none

    /// Position in `allCases`, without a search.
    @inlinable public var ordinal: Int {
        switch self {
        case .stw: 0
        case .assist: 1
        case .markWorker: 2
        case .sweep: 3
        case .gcConcurrent: 4
        case .none: 5
        }
    }
}

/// How perf time maps to trace time: `trace = perf + offset`.
public struct ClockAlignment: Sendable, CustomStringConvertible {
    public enum Method: String, Sendable {
        case sameClock = "same clock (perf -k mono, Go trace on CLOCK_MONOTONIC)"
        case wallClockBridge = "wall-clock bridge (perf CLOCK_DATA and Go clock snapshot)"
        case estimated = "estimated from where samples fall in the trace"
        case given = "given (--clock-offset)"
        case fittedV1 = "fitted to where samples fall (Go 1.21 trace: cputicks clock, runtime M ids)"
    }
    public var method: Method
    public var offset: Int64
    /// Fraction of samples on a traced thread that fall in a run of that thread at this offset
    /// (and, for GC workers, in a GC-labelled run): how well the two files agree.
    public var agreement: Double
    public var samplesCompared: Int
    /// Offsets that agree as well as `offset` does (the plateau it is the middle of), when estimated.
    public var plateau: ClosedRange<Int64>?
    /// Go 1.21: the perf thread id of each runtime M id (empty when M ids are thread ids, Go ≥ 1.22).
    public var threadOfM: [Int64: Int64] = [:]
    /// Go 1.21: per mapped M, samples of its thread that agree with it, samples compared, and the best
    /// agreement any other M had with that thread.
    public var mappingEvidence: [Int64: (agree: Int, of: Int, runnerUp: Int)] = [:]
    /// Go 1.21: trace ns per perf ns fitted through the offsets of up to 8 time windows (1 = the trace's
    /// own 1e9/frequency), and whether it was applied (only when more samples agree with it than without).
    public var fittedScale: Double = 1
    public var scaleApplied = false
    /// Perf time where `offset` holds exactly when a scale is applied.
    public var anchor: Int64 = 0

    public init(method: Method, offset: Int64, agreement: Double, samplesCompared: Int, plateau: ClosedRange<Int64>? = nil) {
        self.method = method
        self.offset = offset
        self.agreement = agreement
        self.samplesCompared = samplesCompared
        self.plateau = plateau
    }

    /// Trace time (raw ns) of a perf time.
    @inlinable public func traceTime(_ perf: UInt64) -> Int64 {
        let p = Int64(bitPattern: perf)
        guard scaleApplied else { return p &+ offset }
        return anchor &+ offset &+ Int64((Double(p &- anchor) * fittedScale).rounded())
    }

    /// Perf time of a trace time (raw ns); 0 before perf's clock began.
    @inlinable public func perfTime(_ trace: Int64) -> UInt64 {
        let p = scaleApplied ? anchor &+ Int64((Double(trace &- offset &- anchor) / fittedScale).rounded()) : trace &- offset
        return UInt64(max(0, p))
    }

    public var description: String {
        var s = "\(method.rawValue): trace = perf \(offset >= 0 ? "+" : "-") \(abs(offset)) ns, agreement \(Int((agreement * 1000).rounded()) / 10)% of \(samplesCompared) samples"
        if let p = plateau, method != .sameClock { s += " (offsets \(p.lowerBound)…\(p.upperBound) agree as well)" }
        if !threadOfM.isEmpty {
            if method == .fittedV1 {
                s += cFormat("; scale %.7f (fitted over time windows, ", fittedScale)
                s += (scaleApplied ? "applied: more samples agree" : "not applied: no more samples agree with it") + ")"
            }
            s += "; threads: " + threadOfM.sorted { $0.key < $1.key }.map { m, tid in
                let e = mappingEvidence[m]
                return "M\(m)=tid \(tid)" + (e.map { " (\($0.agree)/\($0.of) agree, next best M \($0.runnerUp))" } ?? "")
            }.joined(separator: ", ")
        }
        return s
    }
}

/// A sample, as alignment needs it.
public struct AlignSample: Sendable {
    public var time: UInt64
    public var tid: Int32
    /// The outermost Go frame of its stack: the goroutine's start function for goroutine stacks.
    public var root: String
    /// Its stack names a background mark worker (`runtime.gcBgMarkWorker`).
    public var inMarkWorker: Bool
    /// Its stack is in a mark assist (`runtime.gcAssistAlloc`).
    public var inAssist: Bool
    /// Its stack is the scheduler looking for work (no goroutine on the thread).
    public var inScheduler: Bool = false
    /// Its stack passes through `runtime.mcall`: the scheduler entered from a goroutine (parking,
    /// yielding or exiting), whose frames are still below it.
    public var viaMcall: Bool = false
    public init(time: UInt64, tid: Int32, root: String, inMarkWorker: Bool, inAssist: Bool = false, inScheduler: Bool = false,
                viaMcall: Bool = false) {
        self.inScheduler = inScheduler
        self.viaMcall = viaMcall
        self.time = time
        self.tid = tid
        self.root = root
        self.inMarkWorker = inMarkWorker
        self.inAssist = inAssist
    }
}

/// Time spans sorted by start, as flat arrays (no element copies on lookup), each naming an item of the
/// trace (a run or a range) by index.
struct Spans: Sendable {
    var starts: [Int64] = []
    var ends: [Int64] = []
    var items: [Int32] = []

    /// `spans` as (start, end, item); sorted here by start, stably.
    init(_ spans: [(Int64, Int64, Int32)]) {
        // The trace lists most spans in start order already.
        var inOrder = true
        for i in spans.indices.dropFirst() where spans[i - 1].0 > spans[i].0 { inOrder = false; break }
        let sorted = inOrder ? spans : spans.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
        starts = sorted.map(\.0)
        ends = sorted.map(\.1)
        items = sorted.map(\.2)
    }

    /// Index of the last span starting at or before `t`, or -1.
    @inline(__always) func lastStarting(atOrBefore t: Int64) -> Int {
        starts.withUnsafeBufferPointer { b in
            var lo = 0, hi = b.count
            while lo < hi {
                let mid = (lo + hi) &>> 1
                if b[mid] <= t { lo = mid &+ 1 } else { hi = mid }
            }
            return lo - 1
        }
    }

    /// As `lastStarting(atOrBefore:)`, starting from `hint` (the previous answer): samples come in time
    /// order, so the answer is usually the hint or a few spans further.
    @inline(__always) func lastStarting(atOrBefore t: Int64, hint: inout Int) -> Int {
        var i = hint
        if i >= -1, i < starts.count, i < 0 || starts[i] <= t {
            var steps = 0
            while i + 1 < starts.count, starts[i + 1] <= t {
                i += 1
                steps += 1
                if steps == 8 { i = lastStarting(atOrBefore: t); break }
            }
        } else {
            i = lastStarting(atOrBefore: t)
        }
        hint = i
        return i
    }

    /// The item of a span holding `t`. Spans of one kind and scope do not overlap, except GC cycles
    /// (a cycle seen active at the trace's start): a short look back covers them.
    @inline(__always) func item(containing t: Int64) -> Int32? {
        var hint = Int.min
        return item(containing: t, hint: &hint)
    }

    @inline(__always) func item(containing t: Int64, hint: inout Int) -> Int32? {
        var i = lastStarting(atOrBefore: t, hint: &hint)
        let stop = i - 4
        while i >= 0, i >= stop {
            if t <= ends[i] { return items[i] }
            i -= 1
        }
        return nil
    }
}

/// Spans per key (thread, goroutine, P): a slot per key through an `IntMap` (Dictionary's SipHash
/// costs more than the lookup it serves).
struct SpansByKey: Sendable {
    var slots = IntMap<Int32>()
    var lists: [Spans] = []
    var keys: [Int64] = []

    init(_ byKey: [Int64: [(Int64, Int64, Int32)]]) {
        for (k, v) in byKey.sorted(by: { $0.key < $1.key }) {
            slots[k] = Int32(lists.count)
            lists.append(Spans(v))
            keys.append(k)
        }
    }

    @inline(__always) func slot(_ key: Int64) -> Int? { slots[key].map(Int.init) }
    @inline(__always) subscript(key: Int64) -> Spans? { slot(key).map { lists[$0] } }
}

/// Per-thread goroutine runs and the trace's GC ranges, indexed for lookups by (thread, time).
public struct TraceIndex: Sendable {
    public let trace: GoTrace
    /// Runs (indexes into `trace.runs`) per M (= OS thread id on Go ≥ 1.22), by raw start.
    var runsByM: SpansByKey
    /// Ranges (indexes into `trace.ranges`) by raw start.
    var stw: Spans
    var gc: Spans
    var assistByG: SpansByKey
    var sweepByP: SpansByKey
    /// User regions per goroutine, by raw start (nested ones after their parent).
    var regionsByG: [Int64: [UserRegion]] = [:]
    /// Per run of `trace.runs`: a background mark worker's (labelled `GC …`); its goroutine and P, dense
    /// (the runs themselves are 72-byte records: a lookup per sample missed the cache).
    var isWorker: [Bool]
    var runG: [Int64]
    var runP: [Int64]

    /// `threadOfM` keys runs by perf thread id instead of runtime M id (Go 1.21); runs of unmapped Ms
    /// are then kept under negative keys no thread has.
    public init(_ trace: GoTrace, threadOfM: [Int64: Int64] = [:]) {
        self.trace = trace
        isWorker = trace.runs.map { $0.label.hasPrefix("GC ") }
        runG = trace.runs.map(\.g)
        runP = trace.runs.map(\.p)
        var runs: [Int64: [(Int64, Int64, Int32)]] = [:]
        for (i, r) in trace.runs.enumerated() {
            let key = threadOfM.isEmpty ? r.m : (threadOfM[r.m] ?? (-1_000_000 - r.m))
            runs[key, default: []].append((r.rawStart, r.rawEnd, Int32(i)))
        }
        runsByM = SpansByKey(runs)
        var stw: [(Int64, Int64, Int32)] = [], gc: [(Int64, Int64, Int32)] = []
        var assist: [Int64: [(Int64, Int64, Int32)]] = [:], sweep: [Int64: [(Int64, Int64, Int32)]] = [:]
        for (i, r) in trace.ranges.enumerated() {
            let span = (r.rawStart, r.rawEnd, Int32(i))
            switch r.kind {
            case .stw: stw.append(span)
            case .gc: gc.append(span)
            case .assist: assist[r.scope, default: []].append(span)
            case .sweep: sweep[r.scope, default: []].append(span)
            }
        }
        self.stw = Spans(stw)
        self.gc = Spans(gc)
        assistByG = SpansByKey(assist)
        sweepByP = SpansByKey(sweep)
        for r in trace.regions { regionsByG[r.g, default: []].append(r) }
        for k in regionsByG.keys { regionsByG[k]!.sort { ($0.rawStart, $0.depth) < ($1.rawStart, $1.depth) } }
    }

    /// The innermost user region of goroutine `g` open at raw time `t`, with its enclosing regions'
    /// types, outermost first.
    public func regions(g: Int64, at t: Int64) -> [UserRegion] {
        guard let list = regionsByG[g] else { return [] }
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].rawStart <= t { lo = mid + 1 } else { hi = mid }
        }
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

    public var threads: Set<Int64> { Set(runsByM.keys) }
    public func hasThread(_ m: Int64) -> Bool { runsByM.slot(m) != nil }

    /// The index in `trace.runs` of the run on thread `m` at raw trace time `t` (see `run(m:at:grace:)`).
    @inline(__always) func runIndex(_ runs: Spans, at t: Int64, grace: Int64) -> Int? {
        var hint = Int.min
        return runIndex(runs, at: t, grace: grace, hint: &hint)
    }

    @inline(__always) func runIndex(_ runs: Spans, at t: Int64, grace: Int64, hint: inout Int) -> Int? {
        let i = runs.lastStarting(atOrBefore: t, hint: &hint)
        guard i >= 0, t <= runs.ends[i] &+ grace else { return nil }
        return Int(runs.items[i])
    }

    /// The run on thread `m` at raw trace time `t`. Within `grace` ns after a run ends the thread is
    /// still leaving that goroutine (its stop event is written before the switch completes).
    public func run(m: Int64, at t: Int64, grace: Int64 = 20_000) -> GoroutineRun? {
        guard let runs = runsByM[m], let i = runIndex(runs, at: t, grace: grace) else { return nil }
        return trace.runs[i]
    }

    /// The goroutine a scheduler sample at raw time `t` on thread `m` is parking: the last run on `m`,
    /// ended before `t`, when it agrees with the sample's stack (see `agrees`). After `gopark` the runtime
    /// switches to the thread's g0 stack through `runtime.mcall`; the trace has already closed the run,
    /// but until the next goroutine starts, every frame-pointer stack of that thread still reaches into
    /// the parked goroutine's frames: the CPU is the scheduler's work on that goroutine's behalf.
    public func parkedRun(_ s: AlignSample, thread m: Int64, at t: Int64) -> GoroutineRun? {
        guard let runs = runsByM[m], let k = parkedRunIndex(s, runs, at: t) else { return nil }
        return trace.runs[k]
    }

    func parkedRunIndex(_ s: AlignSample, _ runs: Spans, at t: Int64) -> Int? {
        guard s.viaMcall else { return nil }
        let i = runs.lastStarting(atOrBefore: t)
        guard i >= 0, runs.ends[i] < t else { return nil }
        let k = Int(runs.items[i])
        if s.inMarkWorker { return isWorker[k] ? k : nil }
        guard !s.root.isEmpty, !isWorker[k], trace.goroutines[trace.runs[k].g]?.startFunction == s.root else { return nil }
        return k
    }

    public func stwRange(at t: Int64) -> TraceRange? { stw.item(containing: t).map { trace.ranges[Int($0)] } }
    public func gcRange(at t: Int64) -> TraceRange? { gc.item(containing: t).map { trace.ranges[Int($0)] } }
    public func assist(g: Int64, at t: Int64) -> TraceRange? { assistByG[g]?.item(containing: t).map { trace.ranges[Int($0)] } }
    public func sweep(p: Int64, at t: Int64) -> TraceRange? { sweepByP[p]?.item(containing: t).map { trace.ranges[Int($0)] } }
    @inline(__always) func inAssist(g: Int64, at t: Int64) -> Bool {
        guard let k = assistByG.slot(g) else { return false }
        return assistByG.lists[k].item(containing: t) != nil
    }

    @inline(__always) func inAssist(g: Int64, at t: Int64, hints: inout [Int]) -> Bool {
        guard let k = assistByG.slot(g) else { return false }
        return assistByG.lists[k].item(containing: t, hint: &hints[k]) != nil
    }

    /// Agreement of samples with the trace at `offset`: a sample with a goroutine stack scores when its
    /// thread then runs a goroutine that started in the stack's outermost function (a mark-worker sample:
    /// a GC-labelled goroutine). Samples of threads the trace never saw, or without a Go root, are left out.
    public func agreement(_ samples: [AlignSample], offset: Int64) -> (good: Int, compared: Int) {
        var good = 0, compared = 0
        for s in samples where (!s.root.isEmpty || s.inScheduler) && hasThread(Int64(s.tid)) {
            compared += 1
            if agrees(s, thread: Int64(s.tid), at: Int64(bitPattern: s.time) &+ offset) { good += 1 }
        }
        return (good, compared)
    }

    /// Whether sample `s`, placed at trace time `t` on `thread`, agrees with what the trace says that
    /// thread ran then (see `agreement`).
    public func agrees(_ s: AlignSample, thread: Int64, at t: Int64) -> Bool {
        let running = runsByM.slot(thread).flatMap { runIndex(runsByM.lists[$0], at: t, grace: 0) }
        // The scheduler runs between goroutines: such a sample falls outside every run.
        if s.inScheduler { return running == nil }
        guard let k = running else { return false }
        if s.inMarkWorker { return isWorker[k] }
        let g = trace.runs[k].g
        guard !isWorker[k], trace.goroutines[g]?.startFunction == s.root else { return false }
        // Assist samples must also fall inside one of that goroutine's assists (short ranges: sharp edges).
        return !s.inAssist || inAssist(g: g, at: t)
    }

    /// Finds the offset where samples agree best with the trace: a coarse scan around `center`, then
    /// finer ones around the best plateau; the middle of the final plateau is returned.
    public func estimateOffset(_ samples: [AlignSample], center: Int64, span: Int64 = 200_000_000) -> ClockAlignment {
        var best = center
        // Goroutine runs are often well under a millisecond: the first pass must not step over them.
        var step = max(span / 2000, 1)
        var lo = center - span, hi = center + span
        var score = (good: 0, compared: 0)
        // The wide first pass scores an evenly spread subset; the narrow ones score every sample.
        let usable = samples.filter { !$0.root.isEmpty || $0.inScheduler }
        let subset = usable.count > 400 ? stride(from: 0, to: usable.count, by: usable.count / 400).map { usable[$0] } : usable
        var pass = 0
        var lastPlateau: [Int64] = []
        while true {
            var bestGood = -1
            var plateau: [Int64] = []
            var o = lo
            let scored = pass == 0 ? subset : usable
            pass += 1
            while o <= hi {
                let a = agreement(scored, offset: o)
                if a.good > bestGood { bestGood = a.good; plateau = [o]; score = a } else if a.good == bestGood { plateau.append(o) }
                o += step
            }
            // The middle of the best offsets (they form a plateau as long as the step is fine enough).
            best = plateau[plateau.count / 2]
            lastPlateau = plateau
            if step == 1 || step <= 250 { break }
            lo = (plateau.first ?? best) - step
            hi = (plateau.last ?? best) + step
            step = max(step / 10, 250)
        }
        score = agreement(usable, offset: best)
        let compared = max(score.compared, 1)
        return ClockAlignment(method: .estimated, offset: best, agreement: Double(score.good) / Double(compared), samplesCompared: score.compared,
                              plateau: lastPlateau.first.flatMap { f in lastPlateau.last.map { f...$0 } })
    }
}

/// Chooses the clock alignment: the same clock when perf used CLOCK_MONOTONIC and the trace is on
/// nanotime (Go ≥ 1.22 on Linux), else an estimate seeded by the wall-clock bridge when both files
/// carry one.
public func alignClocks(perf: PerfFile, trace: TraceIndex, samples: [AlignSample], override: Int64? = nil) -> ClockAlignment {
    if trace.trace.v1Clock != nil { return alignV1(trace: trace, samples: samples, override: override) }
    if let o = override {
        let a = trace.agreement(samples, offset: o)
        return ClockAlignment(method: .given, offset: o, agreement: Double(a.good) / Double(max(a.compared, 1)), samplesCompared: a.compared)
    }
    let attr = perf.events.first?.attr
    let perfMono = attr.map { $0.useClockID && $0.clockID == 1 } ?? false
    if perfMono, trace.trace.ticksPerSecond == 15_625_000 {
        let a = trace.agreement(samples, offset: 0)
        let same = ClockAlignment(method: .sameClock, offset: 0, agreement: Double(a.good) / Double(max(a.compared, 1)), samplesCompared: a.compared)
        // Trust it unless the files clearly disagree (a trace from another run or machine).
        if same.agreement >= 0.9 || a.compared == 0 { return same }
    }
    var center: Int64 = 0
    var method = ClockAlignment.Method.estimated
    if let cd = perf.features.clockData, let snap = trace.trace.snapshots.first {
        // trace_mono - (wall - mono)_go = perf_clock - (tod - clock)_perf  =>  offset = Δperf - Δgo
        let perfDelta = Int64(bitPattern: cd.todNs) &- Int64(bitPattern: cd.clockNs)
        let goDelta = Int64(bitPattern: snap.wallSeconds) &* 1_000_000_000 &+ Int64(bitPattern: snap.wallNanoseconds) &- Int64(bitPattern: snap.mono)
        center = perfDelta &- goDelta
        method = .wallClockBridge
    }
    // Near the bridge's estimate first; a wide scan too, in case the wall clock was stepped between the
    // two readings. The better agreement wins, the bridge on a tie.
    let wide = trace.estimateOffset(samples, center: center, span: 200_000_000)
    guard method == .wallClockBridge else { return wide }
    var near = trace.estimateOffset(samples, center: center, span: 1_000_000)
    near.method = .wallClockBridge
    return near.agreement >= wide.agreement ? near : wide
}

/// A sample placed on the trace. Kept small (names are looked up in the trace when asked for): a
/// capture has millions of samples.
public struct Attribution: Sendable {
    public var sample: FoldedSample
    public var traceTime: Int64
    public var goroutine: Int64
    public var gc: GCState
    /// Whether the goroutine had a user region open (then `regions` looks them up).
    var inRegion: Bool
    /// Index in the trace's runs of the run the sample fell in, or -1.
    var run: Int32
    let index: TraceIndexRef

    /// The function the goroutine started in; empty without a goroutine.
    public var goroutineFunction: String { index.trace.trace.goroutines[goroutine]?.startFunction ?? "" }
    /// The run's label: `GC (dedicated)` and the like for mark workers.
    public var label: String { run >= 0 ? index.trace.trace.runs[Int(run)].label : "" }
    /// The goroutine's open user regions (`trace.WithRegion`), outermost first; empty when none.
    public var regions: [String] { inRegion ? index.trace.regions(g: goroutine, at: traceTime).map(\.type) : [] }
    /// The task of the innermost region (`trace.NewTask`), if any (task 0, the background task, is none).
    public var task: UInt64? {
        guard inRegion, let r = index.trace.regions(g: goroutine, at: traceTime).last, r.task != 0 else { return nil }
        return r.task
    }
    /// The task's type (`trace.NewTask`'s name), if any.
    public var taskType: String { task.flatMap { index.trace.trace.tasks[$0]?.type } ?? "" }
}

/// The trace index the attributions of one capture share, by reference.
final class TraceIndexRef: Sendable {
    let trace: TraceIndex
    init(_ trace: TraceIndex) { self.trace = trace }
}

/// Attributes each sample: its goroutine (from the run on its thread) and GC state, strongest first:
/// in an assist of its goroutine; running a labelled mark worker (mark termination, a pause the worker
/// itself runs, counts as the worker's); in a stop-the-world pause; sweeping on its P; while a GC cycle
/// is active; otherwise none.
public func attribute(_ samples: [FoldedSample], trace: TraceIndex, offset: Int64) -> [Attribution] {
    attribute(samples, trace: trace, alignment: ClockAlignment(method: .given, offset: offset, agreement: 0, samplesCompared: 0))
}

/// As `attribute(_:trace:offset:)`, with the alignment's time mapping (its scale, when one is applied).
/// `alignSamples`, when given (one per sample), lets a scheduler sample that falls after its thread's
/// run go to the goroutine it is parking (`TraceIndex.parkedRun`).
public func attribute(_ samples: [FoldedSample], trace: TraceIndex, alignment: ClockAlignment,
                      alignSamples: [AlignSample]? = nil) -> [Attribution] {
    precondition(alignSamples.map { $0.count == samples.count } ?? true, "one AlignSample per sample")
    var out: [Attribution] = []
    out.reserveCapacity(samples.count)
    // Samples come in time order: each lookup starts from the previous answer (per thread for runs).
    // Consecutive samples often share a thread: its slot is kept.
    var lastTid: Int32 = -1
    var slot: Int?
    var hints = [Int](repeating: Int.min, count: trace.runsByM.lists.count)
    var assistHints = [Int](repeating: Int.min, count: trace.assistByG.lists.count)
    var sweepHints = [Int](repeating: Int.min, count: trace.sweepByP.lists.count)
    var stwHint = Int.min, gcHint = Int.min
    let hasRegions = !trace.regionsByG.isEmpty
    let ref = TraceIndexRef(trace)
    for i in samples.indices {
        let s = samples[i]
        let t = alignment.traceTime(s.time)
        if s.tid != lastTid {
            lastTid = s.tid
            slot = trace.runsByM.slot(Int64(s.tid))
        }
        var run = -1
        if let slot {
            if let k = trace.runIndex(trace.runsByM.lists[slot], at: t, grace: 20_000, hint: &hints[slot]) {
                run = k
            } else if let a = alignSamples?[i], let k = trace.parkedRunIndex(a, trace.runsByM.lists[slot], at: t) {
                run = k
            }
        }
        let g = run >= 0 ? trace.runG[run] : -1
        let state: GCState
        if g >= 0, trace.inAssist(g: g, at: t, hints: &assistHints) {
            state = .assist
        } else if run >= 0, trace.isWorker[run] {
            state = .markWorker
        } else if trace.stw.item(containing: t, hint: &stwHint) != nil {
            state = .stw
        } else if run >= 0, case let p = trace.runP[run], p >= 0, let k = trace.sweepByP.slot(p),
                  trace.sweepByP.lists[k].item(containing: t, hint: &sweepHints[k]) != nil {
            state = .sweep
        } else if trace.gc.item(containing: t, hint: &gcHint) != nil {
            state = .gcConcurrent
        } else {
            state = .none
        }
        let inRegion = g >= 0 && hasRegions && !trace.regions(g: g, at: t).isEmpty
        out.append(Attribution(sample: s, traceTime: t, goroutine: g, gc: state, inRegion: inRegion, run: Int32(run), index: ref))
    }
    return out
}

/// A perf capture folded with its samples kept, aligned with a Go trace and attributed.
public struct AlignedCapture {
    public var collapser: PerfCollapser
    public var trace: TraceIndex
    public var alignment: ClockAlignment
    public var attributions: [Attribution]

    /// Folds `perf` (symbolized with `options`), reads the trace, aligns the clocks and attributes
    /// every sample.
    public init(perf: PerfFile, options: PerfCollapseOptions, trace: GoTrace, clockOffset: Int64? = nil,
                shiftSamples: Int64 = 0) throws(PerfDataError) {
        var c = PerfCollapser(options: Self.collapseOptions(options))
        try c.collapse(perf)
        try self.init(collapsed: c, perf: perf, options: options, trace: trace, clockOffset: clockOffset, shiftSamples: shiftSamples)
    }

    /// The options a capture is folded with for alignment: samples kept, no time window (a window selects
    /// samples after alignment, and the estimate needs every sample).
    public static func collapseOptions(_ options: PerfCollapseOptions) -> PerfCollapseOptions {
        var o = options
        o.recordSamples = true
        o.timeRange = nil
        return o
    }

    /// As `init(perf:options:trace:…)`, with `perf` already folded by a collapser made with
    /// `collapseOptions(options)` (so that the trace can be read meanwhile).
    public init(collapsed c: PerfCollapser, perf: PerfFile, options: PerfCollapseOptions, trace: GoTrace, clockOffset: Int64? = nil,
                shiftSamples: Int64 = 0) throws(PerfDataError) {
        let o = Self.collapseOptions(options)
        let window = options.timeRange
        collapser = c
        var timer = PhaseTimer()
        let index = TraceIndex(trace)
        timer.lap("trace index")
        self.trace = index
        var records = c.sampleRecords
        if shiftSamples != 0 {
            // Test hook: move every sample in time, as if perf's clock were offset from the trace's.
            for i in records.indices { records[i].time = UInt64(bitPattern: Int64(bitPattern: records[i].time) &+ shiftSamples) }
        }
        // A stack's goroutine root: its outermost frame that some goroutine of the trace started in
        // (frame-pointer stacks can lose frames, so the very outermost one is not always it).
        let starts = Set(trace.goroutines.values.map(\.startFunction).filter { !$0.isEmpty })
        // Go 1.21 names a goroutine made by `go f(x)` after the compiler's wrapper (main.main.func4), which
        // Go-style frames hide: roots are then read from stacks that keep wrappers (same samples, same order).
        var rootCollapser = c
        if trace.v1Clock != nil {
            var ow = o
            ow.keepWrappers = true
            var cw = PerfCollapser(options: ow)
            try cw.collapse(perf)
            if cw.sampleRecords.count == records.count { rootCollapser = cw }
        }
        let rootStacks = rootCollapser.sampleRecords.map(\.stack)
        // Per unique stack (ids are dense), computed on first use.
        var rootCache = [AlignSample?](repeating: nil, count: Int(rootStacks.max() ?? -1) + 1)
        var alignSamples = records.enumerated().map { i, r -> AlignSample in
            let stack = rootStacks[i]
            var a: AlignSample
            if let hit = rootCache[Int(stack)] { a = hit } else {
                let names = rootCollapser.stackNames(stack)
                let rt = names.dropFirst().first { starts.contains($0) } ?? ""
                a = AlignSample(time: 0, tid: 0, root: rt, inMarkWorker: names.contains("runtime.gcBgMarkWorker"),
                                inAssist: names.contains("runtime.gcAssistAlloc"),
                                inScheduler: rt.isEmpty && names.contains { $0 == "runtime.findRunnable" || $0 == "runtime.stopm" },
                                viaMcall: names.contains("runtime.mcall"))
                rootCache[Int(stack)] = a
            }
            a.time = r.time
            a.tid = r.tid
            return a
        }
        timer.lap("samples' goroutine roots")
        alignment = alignClocks(perf: perf, trace: index, samples: alignSamples, override: clockOffset)
        timer.lap("clock alignment")
        // Go 1.21: runs are looked up by perf thread, through the M ids' mapping.
        if !alignment.threadOfM.isEmpty { self.trace = TraceIndex(trace, threadOfM: alignment.threadOfM) }
        if let window {
            alignSamples.removeAll { !window.contains($0.time) }
            records.removeAll { !window.contains($0.time) }
        }
        attributions = attribute(records, trace: self.trace, alignment: alignment, alignSamples: alignSamples)
        timer.lap("attribution")
    }

    public func stackNames(_ a: Attribution) -> [String] { collapser.stackNames(a.sample.stack) }

    /// Folded stacks under a root frame per GC state (`[gc:assist];…`), sorted by bytes; `only` keeps
    /// one state.
    public func foldedByState(only: GCState? = nil) -> [UInt8] {
        // Counted per (unique stack, state) in a flat table first; text is built once per pair.
        let states = GCState.allCases
        var counts: [UInt64] = []
        for a in attributions where only == nil || a.gc == only {
            let k = Int(a.sample.stack) * states.count + a.gc.ordinal
            if k >= counts.count { counts += repeatElement(0, count: max(k + 1 - counts.count, counts.count)) }
            counts[k] &+= a.sample.weight
        }
        var entries: [(prefix: Int, stack: Int32, weight: UInt64)] = []
        for (k, n) in counts.enumerated() where n != 0 { entries.append((k % states.count, Int32(k / states.count), n)) }
        return collapser.folded(entries, roots: states.map { "[gc:\($0.rawValue)]" })
    }
}

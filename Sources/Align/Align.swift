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

/// A sample, as alignment needs it: plain values, no references (there is one per perf sample, and
/// alignment scans them many times).
public struct AlignSample: Sendable {
    public var time: UInt64
    public var tid: Int32
    /// The outermost Go frame of its stack that some goroutine of the trace started in (the goroutine's
    /// start function for goroutine stacks), as an index of `TraceIndex.functions`; -1 for none.
    public var root: Int32
    /// Its stack names a background mark worker (`runtime.gcBgMarkWorker`).
    public var inMarkWorker: Bool
    /// Its stack is in a mark assist (`runtime.gcAssistAlloc`).
    public var inAssist: Bool
    /// Its stack is the scheduler looking for work (no goroutine on the thread).
    public var inScheduler: Bool = false
    /// Its stack passes through `runtime.mcall`: the scheduler entered from a goroutine (parking,
    /// yielding or exiting), whose frames are still below it.
    public var viaMcall: Bool = false
    public init(time: UInt64, tid: Int32, root: Int32, inMarkWorker: Bool, inAssist: Bool = false, inScheduler: Bool = false,
                viaMcall: Bool = false) {
        self.inScheduler = inScheduler
        self.viaMcall = viaMcall
        self.time = time
        self.tid = tid
        self.root = root
        self.inMarkWorker = inMarkWorker
        self.inAssist = inAssist
    }

    /// A sample whose stack has these frames (root first: the process, then the outermost frame).
    public init(time: UInt64, tid: Int32, frames names: [String], index: TraceIndex) {
        self.init(time: time, tid: tid, frames: names, functionIDs: index.functionIDs, startLengths: index.startLengths)
    }

    /// As `init(time:tid:frames:index:)`, with the index's start functions (not the whole index: a
    /// struct of arrays, copied per call).
    init(time: UInt64, tid: Int32, frames names: [String], functionIDs: [String: Int32], startLengths: [Bool]) {
        self.init(time: time, tid: tid, frames: names.lazy.map { Self.nameFacts($0, functionIDs: functionIDs, startLengths: startLengths) })
    }

    /// From the facts of each frame's name (`nameFacts`), root first.
    init<Names: Sequence<NameFacts>>(time: UInt64, tid: Int32, frames: Names) {
        var root: Int32 = -1
        var flags: UInt8 = 0
        for (i, f) in frames.enumerated() {
            // The root is the outermost frame that some goroutine started in (frame-pointer stacks can
            // lose frames, so the very outermost one is not always it); the first frame is the process.
            if root < 0, i > 0, f.startFunction >= 0 { root = f.startFunction }
            flags |= f.flags
        }
        self.init(time: time, tid: tid, root: root, inMarkWorker: flags & NameFacts.markWorker != 0,
                  inAssist: flags & NameFacts.assist != 0, inScheduler: root < 0 && flags & NameFacts.scheduler != 0,
                  viaMcall: flags & NameFacts.mcall != 0)
    }

    /// What alignment reads from a frame name: the start function it is, and the runtime frames that
    /// tell GC work and the scheduler apart.
    struct NameFacts {
        var startFunction: Int32
        var flags: UInt8
        static let markWorker: UInt8 = 1, assist: UInt8 = 2, scheduler: UInt8 = 4, mcall: UInt8 = 8
    }

    static func nameFacts(_ name: String, functionIDs: [String: Int32], startLengths: [Bool]) -> NameFacts {
        let n = name.utf8.count
        var f = NameFacts(startFunction: -1, flags: 0)
        // Names of no start function's length are not hashed.
        if n < startLengths.count, startLengths[n], let id = functionIDs[name] { f.startFunction = id }
        if frame(name, n, is: "runtime.gcBgMarkWorker") { f.flags |= NameFacts.markWorker }
        if frame(name, n, is: "runtime.gcAssistAlloc") { f.flags |= NameFacts.assist }
        if frame(name, n, is: "runtime.findRunnable") || frame(name, n, is: "runtime.stopm") { f.flags |= NameFacts.scheduler }
        if frame(name, n, is: "runtime.mcall") { f.flags |= NameFacts.mcall }
        return f
    }

    /// `name == target`, `n` being the name's UTF-8 length (most names differ in length: no comparison).
    @inline(__always) private static func frame(_ name: String, _ n: Int, is target: String) -> Bool {
        n == target.utf8.count && name == target
    }
}

/// Time spans grouped by key (thread, goroutine, P; a single key for global ones), each key's sorted by
/// start, in flat arrays: a key's spans are `bounds[slot] ..< bounds[slot + 1]`. Flat so that a lookup
/// neither copies nor retains a nested array. `items` name what each span is (an index into the
/// trace's runs or ranges).
struct SpanIndex: Sendable {
    var starts: [Int64] = []
    var ends: [Int64] = []
    /// The largest end among the key's spans up to each index: when it is before `t`, no span holds
    /// `t` (most samples fall outside every range) without looking back.
    var maxEnds: [Int64] = []
    var items: [Int32] = []
    var bounds: [Int] = [0]
    /// Slot of each key; the keys in slot order (ascending).
    var slots = IntMap<Int32>()
    var keys: [Int64] = []

    init() {}

    /// Spans `0..<count` under `key(j)` (nil: left out), with `span(j)`'s times and item; sorted by start
    /// within each key, stably (the trace lists most in order already).
    init(count: Int, key: (Int) -> Int64?, span: (Int) -> (start: Int64, end: Int64, item: Int32)) {
        // Keys in order of first appearance, then renumbered ascending (a deterministic slot order).
        // Keys are looked up twice (to count, then to place) rather than kept per span: less memory
        // touched for the first time, which costs more than the lookups on a virtual machine.
        var firstSeen = IntMap<Int32>()
        var seenKeys: [Int64] = []
        var counts: [Int] = []
        var lastKey = Int64.min, lastSlot: Int32 = -1
        for j in 0..<count {
            guard let k = key(j) else { continue }
            if k != lastKey || lastSlot < 0 {
                if let e = firstSeen[k] { lastSlot = e } else {
                    lastSlot = Int32(seenKeys.count)
                    firstSeen[k] = lastSlot
                    seenKeys.append(k)
                    counts.append(0)
                }
                lastKey = k
            }
            counts[Int(lastSlot)] &+= 1
        }
        let order = seenKeys.indices.sorted { seenKeys[$0] < seenKeys[$1] }
        var next = [Int](repeating: 0, count: seenKeys.count)
        bounds.reserveCapacity(order.count + 1)
        for (slot, s) in order.enumerated() {
            next[s] = bounds[slot]
            bounds.append(bounds[slot] + counts[s])
            slots[seenKeys[s]] = Int32(slot)
            keys.append(seenKeys[s])
        }
        let n = bounds.last!
        var starts = [Int64](repeating: 0, count: n), ends = [Int64](repeating: 0, count: n)
        var items = [Int32](repeating: 0, count: n)
        starts.withUnsafeMutableBufferPointer { starts in
            ends.withUnsafeMutableBufferPointer { ends in
                items.withUnsafeMutableBufferPointer { items in
                    next.withUnsafeMutableBufferPointer { next in
                        var lastKey = Int64.min, lastSlot = -1
                        for j in 0..<count {
                            guard let k = key(j) else { continue }
                            if k != lastKey || lastSlot < 0 {
                                lastSlot = Int(firstSeen[k]!)
                                lastKey = k
                            }
                            let at = next[lastSlot]
                            next[lastSlot] = at &+ 1
                            let sp = span(j)
                            starts[at] = sp.start
                            ends[at] = sp.end
                            items[at] = sp.item
                        }
                    }
                }
            }
        }
        self.starts = starts
        self.ends = ends
        self.items = items
        for slot in 0..<keys.count { sortBlock(bounds[slot], bounds[slot + 1]) }
        computeMaxEnds()
    }

    /// Keys' spans already grouped and sorted, keys ascending.
    init(sortedGroups: [(key: Int64, spans: [(start: Int64, end: Int64, item: Int32)])]) {
        for (k, list) in sortedGroups {
            slots[k] = Int32(keys.count)
            keys.append(k)
            for s in list {
                starts.append(s.start)
                ends.append(s.end)
                items.append(s.item)
            }
            bounds.append(starts.count)
        }
        computeMaxEnds()
    }

    /// Sorts `lo..<hi` by start, stably (spans within a block are in their original order).
    private mutating func sortBlock(_ lo: Int, _ hi: Int) {
        var inOrder = true
        var i = lo + 1
        while i < hi { if starts[i - 1] > starts[i] { inOrder = false; break }; i += 1 }
        if inOrder { return }
        let perm = (lo..<hi).sorted { (starts[$0], $0) < (starts[$1], $1) }
        let s = perm.map { starts[$0] }, e = perm.map { ends[$0] }, it = perm.map { items[$0] }
        starts.replaceSubrange(lo..<hi, with: s)
        ends.replaceSubrange(lo..<hi, with: e)
        items.replaceSubrange(lo..<hi, with: it)
    }

    private mutating func computeMaxEnds() {
        // Runs of a thread, sweeps of a P, assists of a goroutine never overlap: their ends already
        // rise, and the array is shared rather than copied (less memory touched).
        var rising = true
        ends.withUnsafeBufferPointer { e in
            for slot in 0..<keys.count where bounds[slot + 1] > bounds[slot] {
                var i = bounds[slot] + 1
                while i < bounds[slot + 1] {
                    if e[i] < e[i &- 1] { rising = false; return }
                    i &+= 1
                }
            }
        }
        if rising {
            maxEnds = ends
            return
        }
        var m = [Int64](repeating: 0, count: ends.count)
        for slot in 0..<keys.count {
            var top = Int64.min
            for i in bounds[slot]..<bounds[slot + 1] {
                top = max(top, ends[i])
                m[i] = top
            }
        }
        maxEnds = m
    }

    /// The slot of `key`, or -1.
    @inline(__always) func slot(_ key: Int64) -> Int { slots[key].map(Int.init) ?? -1 }

    /// The arrays as unchecked buffers, for loops that look up every sample.
    @inline(__always) func withView<R>(_ body: (SpanView) -> R) -> R {
        starts.withUnsafeBufferPointer { s in
            ends.withUnsafeBufferPointer { e in
                maxEnds.withUnsafeBufferPointer { m in
                    items.withUnsafeBufferPointer { it in
                        bounds.withUnsafeBufferPointer { b in
                            body(SpanView(starts: s, ends: e, maxEnds: m, items: it, bounds: b))
                        }
                    }
                }
            }
        }
    }

    /// The item of a span of slot `slot` holding `t`, or -1 (see `SpanView.item`).
    func item(containing t: Int64, slot: Int) -> Int32 {
        guard slot >= 0, slot < keys.count else { return -1 }
        var hint = Int.min
        return withView { $0.item(containing: t, slot: slot, hint: &hint) }
    }

    /// Index of the last span of slot `slot` starting at or before `t`, or the slot's first index - 1.
    func lastStarting(atOrBefore t: Int64, slot: Int) -> Int {
        withView { $0.lastStarting(atOrBefore: t, $0.bounds[slot], $0.bounds[slot + 1]) }
    }
}

/// A `SpanIndex`'s arrays, valid inside `SpanIndex.withView`.
struct SpanView {
    let starts: UnsafeBufferPointer<Int64>
    let ends: UnsafeBufferPointer<Int64>
    let maxEnds: UnsafeBufferPointer<Int64>
    let items: UnsafeBufferPointer<Int32>
    let bounds: UnsafeBufferPointer<Int>

    /// Number of keys.
    var slotCount: Int { bounds.count - 1 }

    /// Index of the last span of `lo..<hi` starting at or before `t`, or `lo - 1`.
    @inline(never) func lastStarting(atOrBefore t: Int64, _ lo: Int, _ hi: Int) -> Int {
        var l = lo, h = hi
        while l < h {
            let mid = (l &+ h) &>> 1
            if starts[mid] <= t { l = mid &+ 1 } else { h = mid }
        }
        return l &- 1
    }

    /// As `lastStarting(atOrBefore:_:_:)`, starting from `hint` (the previous answer; `Int.min` for
    /// none): samples come in time order, so the answer is usually the hint or the next span. Inlined
    /// (a lookup per sample and kind); longer moves are out of line.
    @inline(__always) func lastStarting(atOrBefore t: Int64, _ lo: Int, _ hi: Int, hint: inout Int) -> Int {
        var i = hint
        if i >= lo &- 1, i < hi, i < lo || starts[i] <= t {
            if i &+ 1 < hi, starts[i &+ 1] <= t {
                i &+= 1
                if i &+ 1 < hi, starts[i &+ 1] <= t { i = walk(from: i, atOrBefore: t, hi) }
            }
        } else {
            i = lastStarting(atOrBefore: t, lo, hi)
        }
        hint = i
        return i
    }

    /// From `i` (starting at or before `t`) forward: a few steps, else a search.
    @inline(never) func walk(from i: Int, atOrBefore t: Int64, _ hi: Int) -> Int {
        var i = i
        var steps = 0
        while i &+ 1 < hi, starts[i &+ 1] <= t {
            i &+= 1
            steps &+= 1
            if steps == 8 { return lastStarting(atOrBefore: t, i, hi) }
        }
        return i
    }

    /// The item of a span of slot `slot` holding `t`, or -1. Spans of one kind and scope do not overlap,
    /// except GC cycles (a cycle seen active at the trace's start): a short look back covers them.
    @inline(__always) func item(containing t: Int64, slot: Int, hint: inout Int) -> Int32 {
        let lo = bounds[slot]
        var i = lastStarting(atOrBefore: t, lo, bounds[slot &+ 1], hint: &hint)
        guard i >= lo, maxEnds[i] >= t else { return -1 }
        let stop = i &- 4
        while i >= lo, i >= stop {
            if t <= ends[i] { return items[i] }
            i &-= 1
        }
        return -1
    }
}

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
            return (spans(byKind[0], keyed: false), spans(byKind[1], keyed: false), spans(byKind[2], keyed: true), spans(byKind[3], keyed: true))
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
        for (g, info) in trace.goroutines where !info.startFunction.isEmpty { gFacts[g] = GFacts(root: ids[info.startFunction]!) }
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
                    (out.baseAddress! + i).initialize(to: RunFacts(root: lastFacts.root, assists: lastFacts.assists, sweeps: lastSweeps,
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
            let code: Int32 = (stw.item(containing: p, slot: 0) >= 0 ? 1 : 0) | (gc.item(containing: p, slot: 0) >= 0 ? 2 : 0)
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
        let k = runs.withView { runs in runFacts.withUnsafeBufferPointer { Self.parkedRunIndex(s, runs, $0, slot: slot, at: t) } }
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
    @inline(__always) static func runIndex(_ runs: SpanView, slot: Int, at t: Int64, grace: Int64, hint: inout Int) -> Int {
        let lo = runs.bounds[slot]
        let i = runs.lastStarting(atOrBefore: t, lo, runs.bounds[slot &+ 1], hint: &hint)
        guard i >= lo, t <= runs.ends[i] &+ grace else { return -1 }
        return Int(runs.items[i])
    }

    /// The index of `parkedRun`'s run, or -1.
    @inline(__always) static func parkedRunIndex(_ s: AlignSample, _ runs: SpanView, _ facts: UnsafeBufferPointer<RunFacts>, slot: Int,
                                                 at t: Int64) -> Int {
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

    /// Agreement of samples with the trace at `offset`: a sample with a goroutine stack scores when its
    /// thread then runs a goroutine that started in the stack's outermost function (a mark-worker sample:
    /// a GC-labelled goroutine). Samples of threads the trace never saw, or without a Go root, are left out.
    public func agreement(_ samples: [AlignSample], offset: Int64) -> (good: Int, compared: Int) {
        agreement(samples, alignment: ClockAlignment(method: .given, offset: offset, agreement: 0, samplesCompared: 0))
    }

    /// As `agreement(_:offset:)`, with the alignment's time mapping (its scale, when one is applied).
    func agreement(_ samples: [AlignSample], alignment a: ClockAlignment) -> (good: Int, compared: Int) {
        samples.withUnsafeBufferPointer { samples in agreement(samples.indices, alignment: a) { samples[$0] } }
    }

    /// As `agreement(_:alignment:)`, over the samples of `range` given by `sample` (built on the fly:
    /// e.g. from the samples' records and their stacks' facts).
    @inline(__always) func agreement(_ range: Range<Int>, alignment a: ClockAlignment, sample: (Int) -> AlignSample) -> (good: Int, compared: Int) {
        runs.withView { runs in
            assists.withView { assists in
                runFacts.withUnsafeBufferPointer { facts in
                    // Samples come in time order: each lookup starts from the previous answer on its thread.
                    let threads = ThreadSlots(self.runs)
                    let hints = Hints(runs.slotCount), assistHints = Hints(assists.slotCount)
                    defer { threads.free(); hints.free(); assistHints.free() }
                    var good = 0, compared = 0
                    for i in range {
                        let s = sample(i)
                        guard s.root >= 0 || s.inScheduler else { continue }
                        let slot = threads.slot(s.tid)
                        guard slot >= 0 else { continue }
                        compared &+= 1
                        let t = a.traceTime(s.time)
                        let k = Self.runIndex(runs, slot: slot, at: t, grace: 0, hint: &hints[slot])
                        if Self.agrees(s, run: k, facts, at: t, inAssist: { assists.item(containing: t, slot: $0, hint: &assistHints[$0]) >= 0 }) {
                            good &+= 1
                        }
                    }
                    return (good, compared)
                }
            }
        }
    }

    /// Whether sample `s`, placed at trace time `t` on `thread`, agrees with what the trace says that
    /// thread ran then (see `agreement`).
    public func agrees(_ s: AlignSample, thread: Int64, at t: Int64) -> Bool {
        let slot = runs.slot(thread)
        var hint = Int.min
        let k = slot >= 0 ? runs.withView { Self.runIndex($0, slot: slot, at: t, grace: 0, hint: &hint) } : -1
        return runFacts.withUnsafeBufferPointer { Self.agrees(s, run: k, $0, at: t, inAssist: { assists.item(containing: t, slot: $0) >= 0 }) }
    }

    /// `agrees(_:thread:at:)` given the run at `t` (-1: none); `inAssist` tells whether `t` is in an
    /// assist of the goroutine whose assists have that slot.
    @inline(__always) static func agrees(_ s: AlignSample, run k: Int, _ facts: UnsafeBufferPointer<RunFacts>, at t: Int64,
                                         inAssist: (Int) -> Bool) -> Bool {
        // The scheduler runs between goroutines: such a sample falls outside every run.
        if s.inScheduler { return k < 0 }
        guard k >= 0 else { return false }
        let f = facts[k]
        if s.inMarkWorker { return f.isWorker }
        guard s.root >= 0, !f.isWorker, f.root == s.root else { return false }
        // Assist samples must also fall inside one of that goroutine's assists (short ranges: sharp edges).
        return !s.inAssist || (f.assists >= 0 && inAssist(Int(f.assists)))
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
        let usable = samples.filter { $0.root >= 0 || $0.inScheduler }
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

/// Whether perf used CLOCK_MONOTONIC and the trace ticks on nanotime (Go ≥ 1.22 on Linux).
func sharesClock(perf: PerfFile, trace: TraceIndex) -> Bool {
    perfUsesMonotonic(perf) && traceOnNanotime(trace)
}

/// perf's side of `sharesClock`: CLOCK_MONOTONIC.
func perfUsesMonotonic(_ perf: PerfFile) -> Bool {
    perf.events.first.map { $0.attr.useClockID && $0.attr.clockID == 1 } ?? false
}

/// The trace's side of `sharesClock`: nanotime (Go ≥ 1.22 on Linux).
func traceOnNanotime(_ trace: TraceIndex) -> Bool {
    trace.trace.v1Clock == nil && trace.trace.ticksPerSecond == 15_625_000
}

/// The same-clock alignment given the samples' agreement at offset 0, unless the files clearly
/// disagree (a trace from another run or machine).
func sameClock(_ a: (good: Int, compared: Int)) -> ClockAlignment? {
    let same = ClockAlignment(method: .sameClock, offset: 0, agreement: Double(a.good) / Double(max(a.compared, 1)), samplesCompared: a.compared)
    return same.agreement >= 0.9 || a.compared == 0 ? same : nil
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
    if sharesClock(perf: perf, trace: trace), let same = sameClock(trace.agreement(samples, offset: 0)) { return same }
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

/// Thread slots of the threads seen last, by tid: a direct-mapped cache (consecutive samples alternate
/// between a few threads, and a hash probe per sample cost as much as the rest of its lookup). Freed
/// with `free()`.
struct ThreadSlots {
    let tids: UnsafeMutablePointer<Int32>
    let slotOf: UnsafeMutablePointer<Int>
    let slots: IntMap<Int32>

    init(_ runs: SpanIndex) {
        tids = .allocate(capacity: 64)
        tids.initialize(repeating: Int32.min, count: 64)
        slotOf = .allocate(capacity: 64)
        slotOf.initialize(repeating: -1, count: 64)
        slots = runs.slots
    }

    func free() {
        tids.deallocate()
        slotOf.deallocate()
    }

    /// The runs' slot of thread `tid`, or -1.
    @inline(__always) func slot(_ tid: Int32) -> Int {
        let c = Int(UInt32(bitPattern: tid) & 63)
        if tids[c] == tid { return slotOf[c] }
        let s = slots[Int64(tid)].map(Int.init) ?? -1
        tids[c] = tid
        slotOf[c] = s
        return s
    }
}

/// Per-slot lookup hints (see `SpanView.lastStarting(atOrBefore:_:_:hint:)`), without an array's
/// uniqueness check on every write. Freed with `free()`.
struct Hints {
    let p: UnsafeMutablePointer<Int>

    init(_ count: Int) {
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: Int.min, count: max(count, 1))
    }

    func free() { p.deallocate() }

    @inline(__always) subscript(i: Int) -> Int {
        get { p[i] }
        nonmutating set { p[i] = newValue }
    }
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

/// What attribution found for one sample: 8 bytes (the rest is the sample's own, or looked up).
struct Placement: Sendable {
    /// Index in the trace's runs, or -1.
    var run: Int32
    var gc: GCState
    var inRegion: Bool
}

/// The attributed samples of a capture, in order. Each `Attribution` is assembled when read, from the
/// sample and its placement: stored, a 100-byte record with a reference per sample cost more to write
/// than attribution itself.
public struct Attributions: RandomAccessCollection, Sendable {
    /// The samples attributed, in order.
    public let samples: [FoldedSample]
    let placements: [Placement]
    let alignment: ClockAlignment
    let index: TraceIndexRef
    /// Weight per (unique stack, state), `[stack * GCState.allCases.count + state.ordinal]`, when counted
    /// along with the placements.
    var stateWeights: [UInt64]? = nil

    public var startIndex: Int { 0 }
    public var endIndex: Int { placements.count }

    public subscript(i: Int) -> Attribution {
        let p = placements[i]
        let s = samples[i]
        return Attribution(sample: s, traceTime: alignment.traceTime(s.time), goroutine: p.run >= 0 ? index.trace.trace.runs[Int(p.run)].g : -1,
                           gc: p.gc, inRegion: p.inRegion, run: p.run, index: index)
    }

    /// The GC state of sample `i`, without assembling its attribution.
    public func state(_ i: Int) -> GCState { placements[i].gc }
    /// Sample `i`'s time on the trace's clock, without assembling its attribution.
    public func traceTime(_ i: Int) -> Int64 { alignment.traceTime(samples[i].time) }
    /// Whether sample `i`'s goroutine had a user region open (its `regions` are not empty).
    public func inRegion(_ i: Int) -> Bool { placements[i].inRegion }
}

/// Attributes each sample: its goroutine (from the run on its thread) and GC state, strongest first:
/// in an assist of its goroutine; running a labelled mark worker (mark termination, a pause the worker
/// itself runs, counts as the worker's); in a stop-the-world pause; sweeping on its P; while a GC cycle
/// is active; otherwise none.
public func attribute(_ samples: [FoldedSample], trace: TraceIndex, offset: Int64) -> Attributions {
    attribute(samples, trace: trace, alignment: ClockAlignment(method: .given, offset: offset, agreement: 0, samplesCompared: 0))
}

/// As `attribute(_:trace:offset:)`, with the alignment's time mapping (its scale, when one is applied).
/// `alignSamples`, when given (one per sample), lets a scheduler sample that falls after its thread's
/// run go to the goroutine it is parking (`TraceIndex.parkedRun`).
public func attribute(_ samples: [FoldedSample], trace: TraceIndex, alignment: ClockAlignment,
                      alignSamples: [AlignSample]? = nil) -> Attributions {
    precondition(alignSamples.map { $0.count == samples.count } ?? true, "one AlignSample per sample")
    let placements = (alignSamples ?? []).withUnsafeBufferPointer { a in
        place(samples, trace: trace, alignment: alignment, hasParking: alignSamples != nil) { a[$0] }
    }
    return Attributions(samples: samples, placements: placements, alignment: alignment, index: TraceIndexRef(trace))
}

/// Each sample's run and GC state (see `attribute`). Samples come in time order: every lookup starts
/// from the previous answer (per thread for runs, per goroutine for assists, per P for sweeps).
/// `parked(i)`, when `hasParking`, is sample `i` as alignment sees it (its stack's facts), for
/// `TraceIndex.parkedRun`.
@inline(__always)
func place(_ samples: [FoldedSample], trace x: TraceIndex, alignment: ClockAlignment, hasParking: Bool,
           parked: (Int) -> AlignSample) -> [Placement] {
    [Placement](unsafeUninitializedCapacity: samples.count) { out, count in
        samples.withUnsafeBufferPointer { samples in
            place(samples, 0..<samples.count, into: out.baseAddress!, trace: x, alignment: alignment, hasParking: hasParking, parked: parked)
        }
        count = samples.count
    }
}

/// Places `samples[range]` into `out[range]`.
func place(_ samples: UnsafeBufferPointer<FoldedSample>, _ range: Range<Int>, into out: UnsafeMutablePointer<Placement>,
           trace x: TraceIndex, alignment: ClockAlignment, hasParking: Bool, parked: (Int) -> AlignSample) {
    let scaled = alignment.scaleApplied, offset = alignment.offset
    x.runs.withView { runs in x.assists.withView { assists in x.sweeps.withView { sweeps in
        x.global.withView { global in x.regionSpans.withView { regions in
            x.runFacts.withUnsafeBufferPointer { facts in
                let threads = ThreadSlots(x.runs)
                let hints = Hints(runs.slotCount), assistHints = Hints(assists.slotCount), sweepHints = Hints(sweeps.slotCount)
                let globalHints = Hints(1)
                defer { threads.free(); hints.free(); assistHints.free(); sweepHints.free(); globalHints.free() }
                let globalEnd = global.bounds[global.slotCount]
                for i in range {
                    let s = samples[i]
                    let t = scaled ? alignment.traceTime(s.time) : Int64(bitPattern: s.time) &+ offset
                    let slot = threads.slot(s.tid)
                    var run = -1
                    if slot >= 0 {
                        run = TraceIndex.runIndex(runs, slot: slot, at: t, grace: 20_000, hint: &hints[slot])
                        if run < 0, hasParking { run = TraceIndex.parkedRunIndex(parked(i), runs, facts, slot: slot, at: t) }
                    }
                    let f = run >= 0 ? facts[run] : RunFacts.none
                    let state: GCState
                    if f.hasG, f.assists >= 0, assists.item(containing: t, slot: Int(f.assists), hint: &assistHints[Int(f.assists)]) >= 0 {
                        state = .assist
                    } else if f.isWorker {
                        state = .markWorker
                    } else {
                        let k = global.lastStarting(atOrBefore: t, 0, globalEnd, hint: &globalHints[0])
                        let code = k >= 0 ? global.items[k] : 0
                        if code & 1 != 0 {
                            state = .stw
                        } else if f.sweeps >= 0, sweeps.item(containing: t, slot: Int(f.sweeps), hint: &sweepHints[Int(f.sweeps)]) >= 0 {
                            state = .sweep
                        } else if code & 2 != 0 {
                            state = .gcConcurrent
                        } else {
                            state = .none
                        }
                    }
                    let inRegion = f.hasG && f.regions >= 0 && TraceIndex.inRegion(regions, slot: Int(f.regions), at: t)
                    (out + i).initialize(to: Placement(run: Int32(run), gc: state, inRegion: inRegion))
                }
            }
        } }
    } } }
}

/// A perf capture folded with its samples kept, aligned with a Go trace and attributed.
public struct AlignedCapture {
    public var collapser: PerfCollapser
    public var trace: TraceIndex
    public var alignment: ClockAlignment
    public var attributions: Attributions
    /// How many samples the trace's thread attributed while the capture was still being folded.
    public private(set) var samplesAttributedWhileFolding = 0

    /// Folds `perf` (symbolized with `options`), reads the trace, aligns the clocks and attributes
    /// every sample.
    public init(perf: PerfFile, options: PerfCollapseOptions, trace: GoTrace, clockOffset: Int64? = nil,
                shiftSamples: Int64 = 0) throws(PerfDataError) {
        var c = PerfCollapser(options: Self.collapseOptions(options))
        try c.collapse(perf)
        try self.init(collapsed: c, perf: perf, options: options, trace: trace, clockOffset: clockOffset, shiftSamples: shiftSamples)
    }

    /// Captures of at least this many samples are aligned and attributed on two threads, each half of
    /// the samples on one (tests lower it to check that both ways give the same).
    nonisolated(unsafe) public static var parallelMinimum = 50_000

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
        var timer = PhaseTimer()
        let index = TraceIndex(trace)
        timer.lap("trace index")
        try self.init(collapsed: c, perf: perf, options: options, index: index, clockOffset: clockOffset, shiftSamples: shiftSamples)
    }

    /// As `init(collapsed:perf:options:trace:…)`, with the trace already indexed (`TraceIndex` needs
    /// only the trace: it can be built on the thread that read it, while the capture is folded).
    public init(collapsed c: PerfCollapser, perf: PerfFile, options: PerfCollapseOptions, index: TraceIndex, clockOffset: Int64? = nil,
                shiftSamples: Int64 = 0) throws(PerfDataError) {
        try self.init(collapsed: c, perf: perf, options: options, index: index, clockOffset: clockOffset, shiftSamples: shiftSamples, pipeline: nil)
    }

    /// As above; `pipeline`, the one `c` was folded with (see `load`), holds the samples its trace
    /// thread attributed during the fold.
    init(collapsed c: PerfCollapser, perf: PerfFile, options: PerfCollapseOptions, index: TraceIndex, clockOffset: Int64?,
         shiftSamples: Int64, pipeline: AttributionPipeline?) throws(PerfDataError) {
        let o = Self.collapseOptions(options)
        let window = options.timeRange
        let trace = index.trace
        collapser = c
        var timer = PhaseTimer()
        self.trace = index
        var records = c.sampleRecords
        if shiftSamples != 0 {
            // Test hook: move every sample in time, as if perf's clock were offset from the trace's.
            for i in records.indices { records[i].time = UInt64(bitPattern: Int64(bitPattern: records[i].time) &+ shiftSamples) }
        }
        // A stack's facts (goroutine root, GC and scheduler frames), once per unique stack (ids are
        // dense), read per sample through its stack.
        var facts: [AlignSample]
        if clockOffset == nil, window == nil, sharesClock(perf: perf, trace: index) {
            // The usual case (perf -k mono, Go ≥ 1.22): samples are read from their records and their
            // stacks' facts as they are needed, not copied; those the pipeline did are not done again.
            var work = (shiftSamples == 0 ? pipeline?.takeWork() : nil) ?? SameClockWork()
            samplesAttributedWhileFolding = work.placements.count
            work.addFacts(c.stackTables, index: index)
            records.withUnsafeBufferPointer { work.add($0, index: index, parallel: true) }
            timer.lap("samples attributed (the rest, at the same clock)")
            if let same = sameClock((work.good, work.compared)) {
                alignment = same
                attributions = Attributions(samples: records, placements: work.placements, alignment: same, index: TraceIndexRef(index),
                                            stateWeights: work.weights)
                return
            }
            facts = work.facts
        } else {
            facts = []
        }
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
        if facts.isEmpty {
            var work = SameClockWork()
            work.addFacts(rootCollapser.stackTables, index: index)
            facts = work.facts
            timer.lap("samples' goroutine roots")
        }
        var alignSamples = rootCollapser.sampleRecords.withUnsafeBufferPointer { roots in
            records.withUnsafeBufferPointer { records in
                facts.withUnsafeBufferPointer { facts in
                    [AlignSample](unsafeUninitializedCapacity: records.count) { out, count in
                        for i in 0..<records.count {
                            var a = facts[Int(roots[i].stack)]
                            a.time = records[i].time
                            a.tid = records[i].tid
                            (out.baseAddress! + i).initialize(to: a)
                        }
                        count = records.count
                    }
                }
            }
        }
        alignment = alignClocks(perf: perf, trace: index, samples: alignSamples, override: clockOffset)
        timer.lap("clock alignment")
        // Go 1.21: runs are looked up by perf thread, through the M ids' mapping.
        if !alignment.threadOfM.isEmpty { self.trace = TraceIndex(index, threadOfM: alignment.threadOfM) }
        if let window {
            alignSamples.removeAll { !window.contains($0.time) }
            records.removeAll { !window.contains($0.time) }
        }
        attributions = attribute(records, trace: self.trace, alignment: alignment, alignSamples: alignSamples)
        timer.lap("attribution")
    }

    /// Sample `r` as alignment sees it: its stack's facts, its time and thread.
    @inline(__always) static func sample(_ r: FoldedSample, _ facts: UnsafeBufferPointer<AlignSample>) -> AlignSample {
        var a = facts[Int(r.stack)]
        a.time = r.time
        a.tid = r.tid
        return a
    }

    public func stackNames(_ a: Attribution) -> [String] { collapser.stackNames(a.sample.stack) }

    /// Folded stacks under a root frame per GC state (`[gc:assist];…`), sorted by bytes; `only` keeps
    /// one state.
    public func foldedByState(only: GCState? = nil) -> [UInt8] {
        // Counted per (unique stack, state) in a flat table first; text is built once per pair.
        let states = GCState.allCases
        let n = states.count
        let onlyOrdinal = only?.ordinal ?? -1
        let counts = attributions.stateWeights ?? attributions.samples.withUnsafeBufferPointer { samples in
            attributions.placements.withUnsafeBufferPointer { placements in
                var stacks = 0
                for s in samples { stacks = max(stacks, Int(s.stack) + 1) }
                var counts = [UInt64](repeating: 0, count: stacks * n)
                counts.withUnsafeMutableBufferPointer { addStateWeights(samples, placements, samples.indices, into: $0) }
                return counts
            }
        }
        var entries: [(prefix: Int, stack: Int32, weight: UInt64)] = []
        for (k, w) in counts.enumerated() where w != 0 && (onlyOrdinal < 0 || k % n == onlyOrdinal) { entries.append((k % n, Int32(k / n), w)) }
        return collapser.folded(entries, roots: states.map { "[gc:\($0.rawValue)]" })
    }
}

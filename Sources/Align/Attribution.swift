// Placing each folded sample on the trace: its goroutine and GC state, in parallel chunks.
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
        return Attribution(
            sample: s, traceTime: alignment.traceTime(s.time),
            goroutine: p.run >= 0 ? index.trace.trace.runs[Int(p.run)].g : -1,
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
/// in an assist of its goroutine, or its stack in one; running a labelled mark worker, or its stack in
/// one (`StackEvidence`) (mark termination, a pause the worker
/// itself runs, counts as the worker's); in a stop-the-world pause; sweeping on its P; while a GC cycle
/// is active; otherwise none.
public func attribute(_ samples: [FoldedSample], trace: TraceIndex, offset: Int64) -> Attributions {
    attribute(
        samples, trace: trace,
        alignment: ClockAlignment(method: .given, offset: offset, agreement: 0, samplesCompared: 0))
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
            place(
                samples, 0..<samples.count, into: out.baseAddress!, trace: x, alignment: alignment,
                hasParking: hasParking, parked: parked)
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
                let hints = Hints(runs.slotCount), assistHints = Hints(assists.slotCount),
                    sweepHints = Hints(sweeps.slotCount)
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
                        if run < 0, hasParking {
                            run = TraceIndex.parkedRunIndex(parked(i), runs, facts, slot: slot, at: t)
                        }
                    }
                    let f = run >= 0 ? facts[run] : RunFacts.none
                    let evidence = hasParking ? StackEvidence(parked(i)) : .none
                    let state: GCState
                    if f.hasG, f.assists >= 0,
                        assists.item(containing: t, slot: Int(f.assists), hint: &assistHints[Int(f.assists)]) >= 0
                    {
                        state = .assist
                    } else if evidence == .assist {
                        state = .assist
                    } else if f.isWorker || evidence == .markWorker {
                        state = .markWorker
                    } else {
                        let k = global.lastStarting(atOrBefore: t, 0, globalEnd, hint: &globalHints[0])
                        let code = k >= 0 ? global.items[k] : 0
                        if code & 1 != 0 {
                            state = .stw
                        } else if f.sweeps >= 0,
                            sweeps.item(containing: t, slot: Int(f.sweeps), hint: &sweepHints[Int(f.sweeps)]) >= 0
                        {
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

/// What a sample's own stack says of its GC state, which the trace's ranges can miss at their edges: a
/// stack through `runtime.gcBgMarkWorker` is the worker's work even after its mark range closed (in
/// `gcMarkDone`, `gcMarkTermination`); one through `runtime.gcAssistAlloc`/`gcAssistAlloc1` is an assist.
/// Not when the stack passes through `runtime.mcall`: the goroutine has parked and the scheduler runs.
enum StackEvidence {
    case none, markWorker, assist

    init(_ s: AlignSample) {
        if s.viaMcall {
            self = .none
        } else if s.inAssist {
            self = .assist
        } else if s.inMarkWorker {
            self = .markWorker
        } else {
            self = .none
        }
    }
}

// Putting perf samples on the Go execution trace's timeline: the clock offset between the two
// (same clock, wall-clock bridge, or estimated from how samples agree with the trace), then each
// sample's goroutine and GC state.
import BinaryIO
import Collapse
import GoTrace
import PerfData

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

    public init(
        method: Method, offset: Int64, agreement: Double, samplesCompared: Int, plateau: ClosedRange<Int64>? = nil
    ) {
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
        return anchor &+ offset &+ Int64(saturating: (Double(p &- anchor) * fittedScale).rounded())
    }

    /// Perf time of a trace time (raw ns); 0 before perf's clock began.
    @inlinable public func perfTime(_ trace: Int64) -> UInt64 {
        let p =
            scaleApplied
            ? anchor &+ Int64(saturating: (Double(trace &- offset &- anchor) / fittedScale).rounded()) : trace &- offset
        return UInt64(max(0, p))
    }

    public var description: String {
        var s =
            "\(method.rawValue): trace = perf \(offset >= 0 ? "+" : "-") \(abs(offset)) ns, agreement \(Int((agreement * 1000).rounded()) / 10)% of \(samplesCompared) samples"
        if let p = plateau, method != .sameClock { s += " (offsets \(p.lowerBound)…\(p.upperBound) agree as well)" }
        if !threadOfM.isEmpty {
            if method == .fittedV1 {
                s += cFormat("; scale %.7f (fitted over time windows, ", fittedScale)
                s += (scaleApplied ? "applied: more samples agree" : "not applied: no more samples agree with it") + ")"
            }
            s +=
                "; threads: "
                + threadOfM.sorted { $0.key < $1.key }.map { m, tid in
                    let e = mappingEvidence[m]
                    return "M\(m)=tid \(tid)"
                        + (e.map { " (\($0.agree)/\($0.of) agree, next best M \($0.runnerUp))" } ?? "")
                }.joined(separator: ", ")
        }
        return s
    }
}

extension TraceIndex {
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
    @inline(__always) func agreement(_ range: Range<Int>, alignment a: ClockAlignment, sample: (Int) -> AlignSample)
        -> (good: Int, compared: Int)
    {
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
                        if Self.agrees(
                            s, run: k, facts, at: t,
                            inAssist: { assists.item(containing: t, slot: $0, hint: &assistHints[$0]) >= 0 })
                        {
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
        return runFacts.withUnsafeBufferPointer {
            Self.agrees(s, run: k, $0, at: t, inAssist: { assists.item(containing: t, slot: $0) >= 0 })
        }
    }

    /// `agrees(_:thread:at:)` given the run at `t` (-1: none); `inAssist` tells whether `t` is in an
    /// assist of the goroutine whose assists have that slot.
    @inline(__always) static func agrees(
        _ s: AlignSample, run k: Int, _ facts: UnsafeBufferPointer<RunFacts>, at t: Int64,
        inAssist: (Int) -> Bool
    ) -> Bool {
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
        // A center from the files (the wall-clock bridge) may be anywhere: clamped, the scan's bounds
        // and steps stay far from overflow.
        let center = center.clampedTime, span = min(max(span, 1), 1 << 40)
        var best = center
        // Goroutine runs are often well under a millisecond: the first pass must not step over them.
        var step = max(span / 2000, 1)
        var lo = center - span, hi = center + span
        var score = (good: 0, compared: 0)
        // The wide first pass scores an evenly spread subset; the narrow ones score every sample.
        let usable = samples.filter { $0.root >= 0 || $0.inScheduler }
        let subset =
            usable.count > 400 ? stride(from: 0, to: usable.count, by: usable.count / 400).map { usable[$0] } : usable
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
                if a.good > bestGood {
                    bestGood = a.good; plateau = [o]; score = a
                } else if a.good == bestGood {
                    plateau.append(o)
                }
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
        return ClockAlignment(
            method: .estimated, offset: best, agreement: Double(score.good) / Double(compared),
            samplesCompared: score.compared,
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
    let same = ClockAlignment(
        method: .sameClock, offset: 0, agreement: Double(a.good) / Double(max(a.compared, 1)),
        samplesCompared: a.compared)
    return same.agreement >= 0.9 || a.compared == 0 ? same : nil
}

/// Chooses the clock alignment: the same clock when perf used CLOCK_MONOTONIC and the trace is on
/// nanotime (Go ≥ 1.22 on Linux), else an estimate seeded by the wall-clock bridge when both files
/// carry one.
public func alignClocks(perf: PerfFile, trace: TraceIndex, samples: [AlignSample], override: Int64? = nil)
    -> ClockAlignment
{
    if trace.trace.v1Clock != nil { return alignV1(trace: trace, samples: samples, override: override) }
    if let o = override {
        let a = trace.agreement(samples, offset: o)
        return ClockAlignment(
            method: .given, offset: o, agreement: Double(a.good) / Double(max(a.compared, 1)),
            samplesCompared: a.compared)
    }
    if sharesClock(perf: perf, trace: trace), let same = sameClock(trace.agreement(samples, offset: 0)) { return same }
    var center: Int64 = 0
    var method = ClockAlignment.Method.estimated
    if let cd = perf.features.clockData, let snap = trace.trace.snapshots.first {
        // trace_mono - (wall - mono)_go = perf_clock - (tod - clock)_perf  =>  offset = Δperf - Δgo
        let perfDelta = Int64(bitPattern: cd.todNs) &- Int64(bitPattern: cd.clockNs)
        let goDelta =
            Int64(bitPattern: snap.wallSeconds) &* 1_000_000_000 &+ Int64(bitPattern: snap.wallNanoseconds)
            &- Int64(bitPattern: snap.mono)
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

// Go 1.21 (v1) traces and perf: the trace clock is cputicks (RDTSC/64 on amd64), relative to the trace's
// first event, and threads are named by the runtime's M ids, not OS thread ids. Both are fitted from
// where samples fall (research notes go-trace.md §5.2 (c), step 7): first an offset that needs no thread
// mapping, then the M → thread mapping that agrees best, then the offset refined per thread, then the
// scale, kept only where samples agree better with it.
import BinaryIO
import GoTrace

/// Intervals of raw trace time, asked "does any of them hold t".
struct IntervalSet {
    var starts: [Int64] = []
    /// Largest end among the intervals up to each index: with sorted starts this answers `contains`.
    var maxEnds: [Int64] = []

    init(_ spans: [(Int64, Int64)]) {
        let sorted = spans.sorted { $0.0 < $1.0 }
        starts = sorted.map(\.0)
        var m = Int64.min
        maxEnds = sorted.map { m = max(m, $0.1); return m }
    }

    func contains(_ t: Int64) -> Bool {
        guard let i = starts.lastIndex(atOrBefore: t, by: { $0 }) else { return false }
        return maxEnds[i] >= t
    }
}

extension TraceIndex {
    /// The offset where most samples fall in a run of the right kind on any thread: GC-labelled runs for
    /// mark-worker samples, assists for assist samples, runs of goroutines started in the sample's root
    /// function otherwise. Scans every offset that puts samples inside the trace, coarse to fine.
    func threadFreeOffset(_ samples: [AlignSample]) -> (offset: Int64, good: Int, probes: Int)? {
        let t = trace
        var sets = [
            IntervalSet(
                t.runs.filter { !$0.labelText.isEmpty && $0.label.hasPrefix("GC ") }.map { ($0.rawStart, $0.rawEnd) }),
            IntervalSet(t.ranges.filter { $0.kind == .assist }.map { ($0.rawStart, $0.rawEnd) })
        ]
        var byRoot: [String: [(Int64, Int64)]] = [:]
        for r in t.runs where r.labelText.isEmpty || !r.label.hasPrefix("GC ") {
            if let f = t.goroutines[r.g]?.startFunction, !f.isEmpty {
                byRoot[f, default: []].append((r.rawStart, r.rawEnd))
            }
        }
        // By start function id (`AlignSample.root`).
        var rootSet: [Int32: Int] = [:]
        for (f, spans) in byRoot.sorted(by: { $0.key < $1.key }) {
            rootSet[functionID(f)] = sets.count
            sets.append(IntervalSet(spans))
        }
        var probes: [(time: Int64, set: Int)] = []
        for s in samples {
            // A time past 2^61 ns (73 years) is no clock's: left out, so the scan's bounds cannot overflow.
            guard s.time <= 1 << 61 else { continue }
            let time = Int64(bitPattern: s.time)
            if s.inMarkWorker {
                probes.append((time, 0))
            } else if s.inAssist {
                probes.append((time, 1))
            } else if s.root >= 0, let k = rootSet[s.root] {
                probes.append((time, k))
            }
        }
        guard let minT = probes.map(\.time).min(), let maxT = probes.map(\.time).max() else { return nil }
        func score(_ o: Int64) -> Int { probes.reduce(0) { $0 + (sets[$1.set].contains($1.time &+ o) ? 1 : 0) } }
        var lo = t.firstTime.clampedTime - maxT, hi = t.lastTime.clampedTime - minT
        guard lo <= hi else { return nil }
        var step = max((hi - lo) / 20_000, 1)
        var best: Int64 = lo, bestGood = -1
        while true {
            var plateau: [Int64] = []
            bestGood = -1
            var o = lo
            while o <= hi {
                let g = score(o)
                if g > bestGood { bestGood = g; plateau = [o] } else if g == bestGood { plateau.append(o) }
                o += step
            }
            best = plateau[plateau.count / 2]
            if step <= 1_000 { break }
            lo = plateau.first! - step
            hi = plateau.last! + step
            step = max(step / 10, 1_000)
        }
        return (best, bestGood, probes.count)
    }

    /// Which perf thread each runtime M is, at `offset`: for every (thread, M) pair, how many of the
    /// thread's samples agree with what M ran then; pairs taken best first, each thread and M once.
    func mapThreads(_ samples: [AlignSample], offset: Int64) -> (
        threadOfM: [Int64: Int64], evidence: [Int64: (agree: Int, of: Int, runnerUp: Int)]
    ) {
        let ms = threads.sorted()
        var score: [Int64: [Int64: Int]] = [:]
        var compared: [Int64: Int] = [:]
        // Scheduler samples agree with any idle M: they say nothing about which M a thread is.
        for s in samples where s.root >= 0 {
            let tid = Int64(s.tid)
            compared[tid, default: 0] += 1
            let t = Int64(bitPattern: s.time) &+ offset
            for m in ms where agrees(s, thread: m, at: t) { score[tid, default: [:]][m, default: 0] += 1 }
        }
        var pairs: [(tid: Int64, m: Int64, n: Int)] = []
        for (tid, row) in score { for (m, n) in row { pairs.append((tid, m, n)) } }
        pairs.sort { ($0.n, $1.tid, $1.m) > ($1.n, $0.tid, $0.m) }
        var threadOfM: [Int64: Int64] = [:]
        var taken = Set<Int64>()
        var evidence: [Int64: (agree: Int, of: Int, runnerUp: Int)] = [:]
        for p in pairs where threadOfM[p.m] == nil && !taken.contains(p.tid) {
            threadOfM[p.m] = p.tid
            taken.insert(p.tid)
            let runnerUp = score[p.tid]!.filter { $0.key != p.m }.map(\.value).max() ?? 0
            evidence[p.m] = (p.n, compared[p.tid] ?? 0, runnerUp)
        }
        return (threadOfM, evidence)
    }
}

/// Aligns a Go 1.21 trace: offset, M → thread mapping, scale. `override` fixes the offset (the mapping
/// is still fitted at it).
func alignV1(trace index: TraceIndex, samples: [AlignSample], override: Int64? = nil) -> ClockAlignment {
    guard let coarse = override ?? index.threadFreeOffset(samples)?.offset else {
        return ClockAlignment(method: .fittedV1, offset: 0, agreement: 0, samplesCompared: 0)
    }
    var offset = coarse
    var (threadOfM, evidence) = index.mapThreads(samples, offset: offset)
    var result = ClockAlignment(
        method: override == nil ? .fittedV1 : .given, offset: offset, agreement: 0, samplesCompared: 0)
    var mapped = TraceIndex(index, threadOfM: threadOfM)
    if override == nil {
        // Per-thread agreement is sharper than the thread-free score: refine, then map again there.
        for _ in 0..<2 {
            let fine = mapped.estimateOffset(samples, center: offset, span: 2_000_000)
            offset = fine.offset
            result.plateau = fine.plateau
            let again = index.mapThreads(samples, offset: offset)
            if again.threadOfM == threadOfM { evidence = again.evidence; break }
            (threadOfM, evidence) = again
            mapped = TraceIndex(index, threadOfM: threadOfM)
        }
        // Scale. Go 1.21 converts ticks with a frequency it measured against nanotime over the whole
        // trace, so with perf -k mono the true scale is 1 within a ppm or two; perf's default clock
        // (sched_clock) is not slewed by NTP as CLOCK_MONOTONIC is, and may differ by a few ppm more.
        // Offsets fitted per time window are noisy (a plateau is tens of µs wide), so a scale derived from
        // them is only a candidate: the one, scaled or not, under which most samples agree wins, and 1 on
        // a tie.
        let usable = samples.filter { $0.root >= 0 || $0.inScheduler }.sorted { $0.time < $1.time }
        // Candidates are compared on at most 4,000 samples spread over the run (a long capture has millions).
        let probe =
            usable.count > 4_000
            ? stride(from: 0, to: usable.count, by: usable.count / 4_000).map { usable[$0] } : usable
        func agreeing(_ a: ClockAlignment) -> Int { mapped.agreement(probe, alignment: a).good }
        result.offset = offset
        var bestGood = agreeing(result)
        let windows = min(8, usable.count / 60)
        if windows >= 2 {
            // (perf time, offset) per window, then a least-squares line through them.
            var points: [(x: Double, y: Double)] = []
            for w in 0..<windows {
                let part = Array(usable[(usable.count * w / windows)..<(usable.count * (w + 1) / windows)])
                let fit = mapped.estimateOffset(part, center: offset, span: 1_000_000)
                points.append((Double(Int64(bitPattern: part[part.count / 2].time)), Double(fit.offset)))
            }
            let mx = points.map(\.x).reduce(0, +) / Double(points.count)
            let my = points.map(\.y).reduce(0, +) / Double(points.count)
            let sxx = points.map { ($0.x - mx) * ($0.x - mx) }.reduce(0, +)
            let sxy = points.map { ($0.x - mx) * ($0.y - my) }.reduce(0, +)
            if sxx > 0 {
                var scaled = result
                scaled.fittedScale = 1 + sxy / sxx
                scaled.anchor = Int64(saturating: mx).clampedTime
                scaled.offset = Int64(saturating: my.rounded()).clampedTime
                scaled.scaleApplied = true
                result.fittedScale = scaled.fittedScale
                // The line's offset is the windows' average: refine it under the scale, a µs at a time.
                let (refined, bestScaled) = bestOffset(near: scaled, agreeing)
                scaled.offset = refined
                if bestScaled > bestGood {
                    bestGood = bestScaled
                    result.scaleApplied = true
                    result.anchor = scaled.anchor
                    offset = scaled.offset
                }
            }
        }
    }
    result.offset = offset
    result.threadOfM = threadOfM
    result.mappingEvidence = evidence
    let (good, compared) = mapped.agreement(samples, alignment: result)
    result.agreement = Double(good) / Double(max(compared, 1))
    result.samplesCompared = compared
    return result
}

/// The offset within 50 µs of `a`'s, in steps of 1 µs, under which the most samples agree (the middle one
/// of a tie), and how many agree there.
private func bestOffset(near a: ClockAlignment, _ agreeing: (ClockAlignment) -> Int) -> (offset: Int64, good: Int) {
    var o = a.offset - 50_000
    var bestGood = -1, bestOffsets: [Int64] = []
    while o <= a.offset + 50_000 {
        var c = a
        c.offset = o
        let g = agreeing(c)
        if g > bestGood {
            bestGood = g; bestOffsets = [o]
        } else if g == bestGood {
            bestOffsets.append(o)
        }
        o += 1_000
    }
    return (bestOffsets[bestOffsets.count / 2], bestGood)
}

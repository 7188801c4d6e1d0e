import BinaryIO
import GoTrace

/// What `stackfold gc` reports: CPU share per GC state, the longest stop-the-world pauses with what ran
/// during each (aggregated by function and thread), CPU by user region, and who paid for mark assists.
/// Times are trace nanoseconds; the renderer shows them relative to the trace's start.
public struct GCReport: Sendable {
    public struct Count: Sendable, Equatable {
        public var name: String
        public var samples: Int
        public init(name: String, samples: Int) { (self.name, self.samples) = (name, samples) }
    }

    public struct Pause: Sendable {
        public var reason: String
        /// Trace time, ns (as `go tool trace` reports it), and the same instant on perf's clock.
        public var start: Int64
        public var duration: Int64
        public var perfStart: UInt64
        public var goroutine: Int64
        /// Samples that fell in the pause, by leaf function and by thread (`tid`), most first.
        public var functions: [Count]
        public var threads: [Count]
        public var samples: Int
        /// Samples running a goroutine other than the one that stopped the world: Go records the end of
        /// a stop-the-world only after it has restarted the Ps, so these ran after the world restarted.
        public var otherGoroutineSamples: Int
        /// Each sample, in time order (for --verbose).
        public var detail: [SampleLine]
    }

    public struct SampleLine: Sendable {
        public var traceTime: Int64
        public var perfTime: UInt64
        public var cpu: UInt32
        public var tid: Int32
        public var goroutine: Int64
        public var leaf: String
    }

    public struct Region: Sendable {
        public var name: String
        public var samples: Int
        public var byState: [(GCState, Int)]
    }

    public struct Assister: Sendable {
        public var goroutine: Int64
        public var function: String
        public var assistTime: Int64
        public var samples: Int
    }

    public var clock: String
    public var traceStart: Int64
    public var traceSpan: Int64
    public var samples: Int
    public var samplesInTrace: Int
    public var gcCycles: Int
    public var pauseCount: Int
    public var pauseTotal: Int64
    public var byState: [(GCState, Int)]
    public var topFunctions: [(GCState, [Count])]
    public var pauses: [Pause]
    /// Empty when no sample fell in a user region.
    public var regions: [Region]
    public var assisters: [Assister]
}

extension AlignedCapture {
    /// The report, keeping the `top` longest pauses, functions and assisting goroutines.
    public func gcReport(top: Int) -> GCReport {
        let t = trace.trace
        let all = attributions
        let n = all.count
        var leaves: [Int32: String] = [:]
        func leaf(_ stack: Int32) -> String {
            if let l = leaves[stack] { return l }
            let names = collapser.stackNames(stack)
            let l = names.count > 1 ? names.last! : "[\(names.first ?? "?")]"
            leaves[stack] = l
            return l
        }
        var traced = 0
        for i in 0..<n {
            let tt = all.traceTime(i)
            if tt >= t.firstTime && tt <= t.lastTime { traced += 1 }
        }
        let stws = t.ranges.filter { $0.kind == .stw }
        // Samples per (unique stack, state): names are looked up once per unique stack.
        let states = GCState.allCases
        var stacks = 0
        for r in all.samples { stacks = max(stacks, Int(r.stack) + 1) }
        var perStack = [Int](repeating: 0, count: stacks * states.count)
        var perState = [Int](repeating: 0, count: states.count)
        for i in 0..<n {
            let s = all.state(i).ordinal
            perStack[Int(all.samples[i].stack) * states.count + s] += 1
            perState[s] += 1
        }
        var topFunctions: [(GCState, [GCReport.Count])] = []
        for s in states where perState[s.ordinal] > 0 {
            var counts: [String: Int] = [:]
            for stack in 0..<stacks where perStack[stack * states.count + s.ordinal] > 0 {
                counts[leaf(Int32(stack)), default: 0] += perStack[stack * states.count + s.ordinal]
            }
            topFunctions.append((s, ranked(counts, top)))
        }
        return GCReport(
            clock: "\(alignment)", traceStart: t.firstTime, traceSpan: t.lastTime - t.firstTime,
            samples: n, samplesInTrace: traced, gcCycles: t.ranges.count(where: { $0.kind == .gc }),
            pauseCount: stws.count, pauseTotal: stws.reduce(0) { $0 + $1.end - $1.start },
            byState: states.map { ($0, perState[$0.ordinal]) }, topFunctions: topFunctions,
            pauses: pauses(stws, top: top, leaf: leaf), regions: regions(top: top), assisters: assisters(top: top))
    }

    private func pauses(_ stws: [TraceRange], top: Int, leaf: (Int32) -> String) -> [GCReport.Pause] {
        let all = attributions
        let n = all.count
        // Samples by trace time, ties in sample order (already in time order unless a fitted clock says
        // otherwise).
        var byTime = Array(0..<n)
        if (1..<max(n, 1)).contains(where: { all.traceTime($0) < all.traceTime($0 - 1) }) {
            byTime.sort { (all.traceTime($0), $0) < (all.traceTime($1), $1) }
        }
        var out: [GCReport.Pause] = []
        for r in stws.sorted(by: { ($0.end - $0.start, $1.start) > ($1.end - $1.start, $0.start) }).prefix(top) {
            let lo = byTime.partitionPoint { all.traceTime($0) < r.rawStart }
            var functions: [String: Int] = [:], threads: [String: Int] = [:]
            var detail: [GCReport.SampleLine] = []
            var others = 0
            var i = lo
            while i < n, all.traceTime(byTime[i]) <= r.rawEnd {
                let a = all[byTime[i]]
                let l = leaf(a.sample.stack)
                functions[l, default: 0] += 1
                threads["\(a.sample.tid)", default: 0] += 1
                if a.goroutine > 0 && a.goroutine != r.scope { others += 1 }
                detail.append(
                    .init(
                        traceTime: a.traceTime, perfTime: a.sample.time, cpu: a.sample.cpu, tid: a.sample.tid,
                        goroutine: a.goroutine, leaf: l))
                i += 1
            }
            out.append(
                .init(
                    reason: r.reason, start: r.start, duration: r.end - r.start,
                    perfStart: alignment.perfTime(r.rawStart),
                    goroutine: r.scope, functions: ranked(functions, .max), threads: ranked(threads, .max),
                    samples: detail.count, otherGoroutineSamples: others, detail: detail))
        }
        return out
    }

    private func regions(top: Int) -> [GCReport.Region] {
        let all = attributions
        let n = all.count
        guard (0..<n).contains(where: { all.inRegion($0) && !all[$0].regions.isEmpty }) else { return [] }
        var byRegion: [String: [GCState: Int]] = [:]
        for i in 0..<n {
            let regions = all.inRegion(i) ? all[i].regions : []
            byRegion[regions.isEmpty ? "(no region)" : regions.joined(separator: "/"), default: [:]][
                all.state(i), default: 0] += 1
        }
        let rows = byRegion.map { ($0.key, $0.value, $0.value.values.reduce(0, +)) }.sorted {
            ($0.2, $1.0) > ($1.2, $0.0)
        }
        return rows.prefix(max(top, 8)).map { name, states, k in
            GCReport.Region(
                name: name, samples: k, byState: GCState.allCases.compactMap { s in states[s].map { (s, $0) } })
        }
    }

    private func assisters(top: Int) -> [GCReport.Assister] {
        let t = trace.trace
        let all = attributions
        var assistTime: [Int64: Int64] = [:]
        for r in t.ranges where r.kind == .assist { assistTime[r.scope, default: 0] += r.end - r.start }
        var assistSamples: [Int64: Int] = [:]
        for i in 0..<all.count where all.state(i) == .assist { assistSamples[all[i].goroutine, default: 0] += 1 }
        return assistTime.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(top).map { g, d in
            GCReport.Assister(
                goroutine: g, function: t.goroutines[g]?.startFunction ?? "", assistTime: d,
                samples: assistSamples[g] ?? 0)
        }
    }
}

/// Most first, ties by name; at most `limit`.
private func ranked(_ counts: [String: Int], _ limit: Int) -> [GCReport.Count] {
    counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(limit).map {
        GCReport.Count(name: $0.key, samples: $0.value)
    }
}

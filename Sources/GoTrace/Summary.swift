import BinaryIO

// The readable report of `stackfold gotrace`: what GC cost the run. Durations and sums of times read
// from the trace saturate instead of trapping (a hostile trace can hold any Int64 times).

/// `end - start`, clamped to Int64's range.
@inline(__always) func duration(_ start: Int64, _ end: Int64) -> Int64 {
    let (d, overflow) = end.subtractingReportingOverflow(start)
    return overflow ? (end < start ? .min : .max) : d
}

/// `a + b`, clamped to Int64's range.
@inline(__always) func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (s, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b < 0 ? .min : .max) : s
}

func milliseconds(_ ns: Int64) -> String { cFormat("%.3f ms", Double(ns) / 1e6) }

extension GoTrace {
    /// The summary: clock, GC cycles, stop-the-world pauses by reason, assists, mark workers, sweeps,
    /// user annotations, heap.
    public func summaryText() -> String {
        let span = duration(firstTime, lastTime)
        var o = "trace: \(version.formatName), \(generations) generation(s), \(events) events, \(milliseconds(span))\n"
        o += clockLines()
        o += pauseLines(span: span)
        o += assistAndWorkLines()
        o += annotationAndHeapLines()
        return o
    }

    func clockLines() -> String {
        var o = ""
        if ticksPerSecond > 0 {
            o +=
                "clock: \(cFormat("%.0f", ticksPerSecond)) ticks/s"
                + (ticksPerSecond == 15_625_000 ? " (nanotime/64: CLOCK_MONOTONIC on Linux)" : "") + "\n"
        }
        if let c = v1Clock {
            o +=
                "  Go 1.21 clock: cputicks (RDTSC/64 on amd64, nanotime/16 on arm64), not CLOCK_MONOTONIC; frequency measured when tracing stopped; time 0 = tick \(c.minTicks)\n"
        }
        if let s = snapshots.first {
            o +=
                "clock snapshot: trace \(s.time) ns = monotonic \(s.mono) ns = wall \(s.wallSeconds).\(cFormat("%09llu", s.wallNanoseconds)) s\n"
        }
        return o
    }

    func pauseLines(span: Int64) -> String {
        var o = ""
        let gcs = ranges.filter { $0.kind == .gc }
        o +=
            "GC cycles: \(gcs.count), concurrent mark total \(milliseconds(gcs.reduce(0) { saturatingAdd($0, duration($1.start, $1.end)) }))\n"
        let stws = ranges.filter { $0.kind == .stw }
        let total = stws.reduce(0) { saturatingAdd($0, duration($1.start, $1.end)) }
        o +=
            "stop-the-world: \(stws.count) pauses, total \(milliseconds(total))"
            + (span > 0 ? cFormat(" (%.2f%% of the trace)", 100 * Double(total) / Double(span)) : "") + "\n"
        var byReason: [String: [Int64]] = [:]
        for r in stws { byReason[r.reason, default: []].append(duration(r.start, r.end)) }
        for (reason, ds) in byReason.sorted(by: { $0.key < $1.key }) {
            let d = ds.sorted()
            func pct(_ p: Double) -> Int64 { d[min(d.count - 1, Int(Double(d.count - 1) * p))] }
            o +=
                "  \(reason): \(d.count), total \(milliseconds(d.reduce(0, saturatingAdd))), p50 \(milliseconds(pct(0.5))), p99 \(milliseconds(pct(0.99))), max \(milliseconds(d.last!))\n"
        }
        if let longest = stws.max(by: { duration($0.start, $0.end) < duration($1.start, $1.end) }) {
            o +=
                "  longest: \(milliseconds(duration(longest.start, longest.end))) (\(longest.reason)) at \(longest.start) ns, goroutine \(longest.scope)\n"
        }
        return o
    }

    func assistAndWorkLines() -> String {
        var o = ""
        let assists = ranges.filter { $0.kind == .assist }
        var byG: [Int64: Int64] = [:]
        for a in assists { byG[a.scope] = saturatingAdd(byG[a.scope] ?? 0, duration(a.start, a.end)) }
        o +=
            "mark assists: \(assists.count), total \(milliseconds(assists.reduce(0) { saturatingAdd($0, duration($1.start, $1.end)) })) in \(byG.count) goroutine(s)\n"
        for (g, d) in byG.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(5) {
            o += "  goroutine \(g) \(goroutines[g]?.startFunction ?? ""): \(milliseconds(d))\n"
        }
        // Sums over the hundreds of thousands of runs and sweeps by index: a filtered copy moved (and
        // retained) every element.
        var workerTotal: Int64 = 0
        var byLabel: [String: Int64] = [:]
        for i in runs.indices where !runs[i].labelText.isEmpty && runs[i].label.hasPrefix("GC ") {
            let d = duration(runs[i].start, runs[i].end)
            workerTotal = saturatingAdd(workerTotal, d)
            byLabel[runs[i].label] = saturatingAdd(byLabel[runs[i].label] ?? 0, d)
        }
        o += "background mark workers: \(milliseconds(workerTotal))"
        o += byLabel.sorted(by: { $0.key < $1.key }).map { ", \($0.key) \(milliseconds($0.value))" }.joined() + "\n"
        var sweeps = 0
        var sweepTotal: Int64 = 0
        for i in ranges.indices where ranges[i].kind == .sweep {
            sweeps += 1
            sweepTotal = saturatingAdd(sweepTotal, duration(ranges[i].start, ranges[i].end))
        }
        o += "sweeping: \(sweeps) ranges, total \(milliseconds(sweepTotal))\n"
        return o
    }

    func annotationAndHeapLines() -> String {
        var o = ""
        if !tasks.isEmpty || !regions.isEmpty {
            var byType: [String: (Int, Int64)] = [:]
            for r in regions {
                let (n, d) = byType[r.type] ?? (0, 0)
                byType[r.type] = (n + 1, saturatingAdd(d, duration(r.start, r.end)))
            }
            o += "user annotations: \(tasks.count) tasks, \(regions.count) regions, \(logs.count) logs\n"
            for (type, (n, d)) in byType.sorted(by: { ($0.value.1, $1.key) > ($1.value.1, $0.key) }).prefix(5) {
                o += "  region \(type): \(n), total \(milliseconds(d))\n"
            }
        }
        if let peak = heapPeak {
            o += "heap: peak \(cFormat("%.1f", Double(peak.live) / 1_048_576)) MiB live at \(peak.time) ns"
            if let goal = heapGoals.map(\.live).max() {
                o += ", highest goal \(cFormat("%.1f", Double(goal) / 1_048_576)) MiB"
            }
            o += "\n"
        }
        return o
    }
}

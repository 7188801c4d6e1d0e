import Align
import ArgumentParser
import BinaryIO
import FlameSVG
import GoTrace

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "GC pauses cross-located with CPU samples: what ran during each pause, CPU share per GC state.",
        discussion: """
            Needs the perf.data and the Go execution trace of the same run. With `perf record -k mono` and \
            Go ≥ 1.22 the two share CLOCK_MONOTONIC; otherwise the offset is estimated (--clock-offset overrides). \
            Go 1.21 traces tick on the CPU's TSC and name threads by runtime M id: the offset, scale and which \
            perf thread each M is are fitted from where samples fall (printed with the clock). \
            --folded prints folded stacks with a root frame per GC state ([gc:assist], [gc:mark-worker], …), \
            ready for `stackfold flamegraph`. --svg draws that flame graph under a timeline strip of sample \
            density by GC state with GC cycles, pauses and assists on it; drag across the strip to redraw the \
            graph for a time window.
            """)

    @Argument(help: "perf.data") var input: String = "perf.data"
    @OptionGroup var go: GoTraceInputOptions
    @Flag(help: "Folded stacks with a root frame per GC state instead of the report.") var folded = false
    @Option(help: "With --folded: only samples in this GC state (stw, assist, mark-worker, sweep, gc-concurrent, none).",
            completion: .list(GCState.allCases.map(\.rawValue)))
    var state: String?
    @Flag(help: "A flame graph by GC state with a timeline strip (drag across it to draw a time window).") var svg = false
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report, folded stacks or SVG to this file instead of standard output.", valueName: "file"))
    var output: String?
    @Option(help: "How many pauses and functions to list.") var top = 5
    @OptionGroup var perf: PerfSymbolOptions
    @OptionGroup var style: FlameGraphStyleOptions

    func validate() throws {
        if let state, GCState(rawValue: state) == nil {
            throw ValidationError("--state \(state): expected one of \(GCState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let dest = try OutputFile(output)
        do {
            var out = dest.buffer()
            defer { out.flush() }
            try write(to: &out)
        }
        try dest.commit()
    }

    private func write(to out: inout OutputBuffer) throws {
        let c = try go.load(input, perf)
        keepUntilExit(c)
        if svg {
            var o = try style.options()
            if o.title == "Flame Graph" { o.title = "CPU by GC state" }
            if o.subtitle.isEmpty { o.subtitle = "clock: \(c.alignment)" }
            var fg = FlameGraph(options: o)
            let text = fg.render(strip: gcStrip(c, state: state.flatMap(GCState.init(rawValue:))))
            for w in fg.warnings { printError("stackfold: \(w)") }
            out.append(text)
            return
        }
        if folded {
            var timer = PhaseTimer()
            out.append(bytes: c.foldedByState(only: state.flatMap(GCState.init(rawValue:))))
            timer.lap("folded by GC state")
            return
        }
        out.append(gcReport(c, top: top))
    }
}

/// Samples as stacks with a root frame per GC state, and the trace's GC cycles, pauses and assists,
/// in perf's time (trace time minus the clock offset).
func gcStrip(_ c: AlignedCapture, state: GCState?) -> TimeStrip {
    let colors: [GCState: String] = [
        .stw: "rgb(215,48,39)", .assist: "rgb(244,140,30)", .markWorker: "rgb(140,90,200)",
        .sweep: "rgb(50,160,160)", .gcConcurrent: "rgb(225,195,50)", .none: "rgb(150,160,178)",
    ]
    let states = GCState.allCases
    // Strip stacks per (unique stack, state), numbered as first met; read without assembling attributions.
    let all = c.attributions
    var maxStack = 0
    for r in all.samples { maxStack = max(maxStack, Int(r.stack) + 1) }
    var stackIDs = [Int](repeating: -1, count: maxStack * states.count)
    var stacks: [[String]] = []
    var samples: [TimeStrip.Sample] = []
    for i in all.indices {
        let gc = all.state(i)
        if let state, gc != state { continue }
        let r = all.samples[i]
        let k = gc.ordinal
        let key = Int(r.stack) * states.count + k
        var id = stackIDs[key]
        if id < 0 {
            id = stacks.count
            stackIDs[key] = id
            stacks.append(["[gc:\(gc.rawValue)]"] + c.collapser.stackNames(r.stack))
        }
        // Samples, not periods: the strip is a sample density, like the report and FlameScope.
        samples.append(TimeStrip.Sample(time: r.time, stack: id, weight: 1, category: k))
    }
    func perfTime(_ t: Int64) -> UInt64 { c.alignment.perfTime(t) }
    var spans: [TimeStrip.Span] = []
    for r in c.trace.trace.ranges where r.kind != .sweep {
        let d = cFormat("%.3f ms", Double(r.end - r.start) / 1e6)
        let at = "at \(perfSeconds(perfTime(r.rawStart))) s"
        switch r.kind {
        case .gc:
            spans.append(.init(lane: .band, start: perfTime(r.rawStart), end: perfTime(r.rawEnd), kind: "GC",
                               label: "GC cycle: \(d) \(at)", color: "rgb(255,236,170)"))
        case .stw:
            spans.append(.init(lane: .top, start: perfTime(r.rawStart), end: perfTime(r.rawEnd), kind: "stop-the-world",
                               label: "stop-the-world (\(r.reason)): \(d) \(at)", color: colors[.stw]!))
        case .assist:
            spans.append(.init(lane: .bottom, start: perfTime(r.rawStart), end: perfTime(r.rawEnd), kind: "assist",
                               label: "mark assist, goroutine \(r.scope): \(d) \(at)", color: colors[.assist]!))
        case .sweep:
            break
        }
    }
    return TimeStrip(stacks: stacks, samples: samples,
                     categories: states.map { TimeStrip.Category(name: $0.rawValue, color: colors[$0]!) }, spans: spans)
}

func gcReport(_ c: AlignedCapture, top: Int) -> String {
    var o = ""
    let t = c.trace.trace
    o += "clock: \(c.alignment)\n"
    // Per sample, only what is needed is read (an `Attribution` is assembled for the few printed), and
    // names are looked up once per unique stack: hundreds of thousands of samples share a few thousand.
    let samples = c.attributions
    let records = samples.samples
    let n = samples.count
    let total = max(n, 1)
    var traced = 0
    for i in 0..<n {
        let tt = samples.traceTime(i)
        if tt >= t.firstTime && tt <= t.lastTime { traced += 1 }
    }
    o += "samples: \(n), \(traced) within the trace (\(ms(t.lastTime - t.firstTime)))\n"
    let gcs = t.ranges.filter { $0.kind == .gc }
    let stws = t.ranges.filter { $0.kind == .stw }
    o += "GC cycles: \(gcs.count); stop-the-world pauses: \(stws.count), total \(ms(stws.reduce(0) { $0 + $1.end - $1.start }))\n"
    var leaves: [Int32: String] = [:]
    func leaf(_ stack: Int32) -> String {
        if let l = leaves[stack] { return l }
        let names = c.collapser.stackNames(stack)
        let l = names.count > 1 ? names.last! : "[\(names.first ?? "?")]"
        leaves[stack] = l
        return l
    }
    // Samples per (unique stack, state).
    let states = GCState.allCases
    var stacks = 0
    for r in records { stacks = max(stacks, Int(r.stack) + 1) }
    var perStack = [Int](repeating: 0, count: stacks * states.count)
    var perState = [Int](repeating: 0, count: states.count)
    for i in 0..<n {
        let s = samples.state(i).ordinal
        perStack[Int(records[i].stack) * states.count + s] += 1
        perState[s] += 1
    }
    o += "\nCPU by GC state (samples):\n"
    for s in states {
        let k = perState[s.ordinal]
        o += "  " + s.rawValue.padded(14) + cFormat("%7d  %5.1f%%", k, 100 * Double(k) / Double(total)) + "\n"
    }
    o += "\ntop functions per GC state:\n"
    for s in states where perState[s.ordinal] > 0 {
        var counts: [String: Int] = [:]
        for stack in 0..<stacks where perStack[stack * states.count + s.ordinal] > 0 {
            counts[leaf(Int32(stack)), default: 0] += perStack[stack * states.count + s.ordinal]
        }
        o += "  \(s.rawValue):\n"
        for (f, k) in counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(top) {
            o += cFormat("    %5.1f%%  ", 100 * Double(k) / Double(perState[s.ordinal])) + f + "\n"
        }
    }
    o += "\nlongest stop-the-world pauses and what each CPU ran during them:\n"
    // Samples by trace time, ties in sample order (they are in time order already unless a fitted clock
    // says otherwise).
    var byTime = Array(0..<n)
    if (1..<max(n, 1)).contains(where: { samples.traceTime($0) < samples.traceTime($0 - 1) }) {
        byTime.sort { (samples.traceTime($0), $0) < (samples.traceTime($1), $1) }
    }
    for r in stws.sorted(by: { ($0.end - $0.start, $1.start) > ($1.end - $1.start, $0.start) }).prefix(top) {
        o += "  \(ms(r.end - r.start)) \(r.reason) at \(r.start) ns (goroutine \(r.scope))\n"
        var lo = 0, hi = n
        while lo < hi { let m = (lo + hi) / 2; if samples.traceTime(byTime[m]) < r.rawStart { lo = m + 1 } else { hi = m } }
        var any = false
        var i = lo
        while i < n, samples.traceTime(byTime[i]) <= r.rawEnd {
            let a = samples[byTime[i]]
            o += "    cpu \(a.sample.cpu) tid \(a.sample.tid) g \(a.goroutine): \(leaf(a.sample.stack))\n"
            any = true
            i += 1
        }
        if !any { o += "    (no sample fell in this pause)\n" }
    }
    if (0..<n).contains(where: { samples.inRegion($0) && !samples[$0].regions.isEmpty }) {
        // "How much CPU goes to mark assists inside my handlers": GC states per user region.
        o += "\nCPU by user region (trace.WithRegion, nested as outer/inner) and GC state:\n"
        var byRegion: [String: [GCState: Int]] = [:]
        for i in 0..<n {
            let regions = samples.inRegion(i) ? samples[i].regions : []
            byRegion[regions.isEmpty ? "(no region)" : regions.joined(separator: "/"), default: [:]][samples.state(i), default: 0] += 1
        }
        let rows = byRegion.map { ($0.key, $0.value, $0.value.values.reduce(0, +)) }.sorted { ($0.2, $1.0) > ($1.2, $0.0) }
        for (region, states, k) in rows.prefix(max(top, 8)) {
            let parts = GCState.allCases.compactMap { s in states[s].map { "\(s.rawValue) \(cFormat("%.1f%%", 100 * Double($0) / Double(k)))" } }
            o += "  " + region.padded(24) + cFormat("%7d  %5.1f%%  ", k, 100 * Double(k) / Double(total)) + parts.joined(separator: ", ") + "\n"
        }
    }
    o += "\ngoroutines that paid most assist time (trace) and their assist samples (perf):\n"
    var assistTime: [Int64: Int64] = [:]
    for r in t.ranges where r.kind == .assist { assistTime[r.scope, default: 0] += r.end - r.start }
    var assistSamples: [Int64: Int] = [:]
    for i in 0..<n where samples.state(i) == .assist { assistSamples[samples[i].goroutine, default: 0] += 1 }
    for (g, d) in assistTime.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(top) {
        o += "  goroutine \(g) \(t.goroutines[g]?.startFunction ?? ""): \(ms(d)) in assists, \(assistSamples[g] ?? 0) samples\n"
    }
    return o
}

extension String {
    func padded(_ n: Int) -> String { self + String(repeating: " ", count: max(0, n - count)) }
}

import Align
import ArgumentParser
import BinaryIO
import FlameSVG
import GoTrace

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
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
            """))

    @Argument(help: "perf.data") var input: String = "perf.data"
    @OptionGroup var go: GoTraceInputOptions
    @Flag(help: "Folded stacks with a root frame per GC state instead of the report.") var folded = false
    @Option(help: "With --folded: only samples in this GC state (stw, assist, mark-worker, sweep, gc-concurrent, none).",
            completion: .list(GCState.allCases.map(\.rawValue)))
    var state: String?
    @Flag(help: "A flame graph by GC state with a timeline strip (drag across it to draw a time window).") var svg = false
    @Flag(help: "With --svg: flames (root at the bottom) instead of the icicle drawn by default, whose widest frames sit under the strip.")
    var flames = false
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report, folded stacks or SVG to this file instead of standard output.", valueName: "file"))
    var output: String?
    @Option(help: "How many pauses and functions the report lists (default 5).") var top: Int?
    @Flag(help: "In the report, every sample that fell in each pause listed (time, cpu, thread, goroutine, function).")
    var verbose = false
    @OptionGroup var perf: PerfSymbolOptions
    @OptionGroup var style: FlameGraphStyleOptions

    func validate() throws {
        if let state, GCState(rawValue: state) == nil {
            throw ValidationError("--state \(state): expected one of \(GCState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // Options that do not apply to what was asked are errors, not silently ignored.
        if folded, svg { throw notApplicable("--folded", "and --svg: choose one (folded stacks, or the flame graph drawn from them)") }
        if state != nil, !folded, !svg { throw notApplicable("--state", "selects samples for --folded or --svg: pass one of them") }
        if top != nil, folded || svg { throw notApplicable("--top", "sets the report's list lengths: it does not apply to --folded or --svg") }
        if flames, !svg { throw notApplicable("--flames", "sets how --svg draws the graph: pass --svg") }
        if verbose, folded || svg { throw notApplicable("--verbose", "lists the report's samples: it does not apply to --folded or --svg") }
        if let top, top < 0 { throw ValidationError("--top \(top): expected a count >= 0") }
        if !svg, let first = style.given.first { throw notApplicable(first, "sets how --svg draws the graph: pass --svg, or drop it") }
        if svg, style.inverted { throw notApplicable("--inverted", "does not apply: gc --svg draws an icicle already (--flames for the root at the bottom)") }
        if svg, style.negate { throw notApplicable("--negate", "swaps a differential graph's colours, and gc --svg is not one (stackfold diff | stackfold flamegraph is)") }
    }

    func run() throws {
        try writeOutput(to: output, reading: [input, go.goTrace]) { out throws in try write(to: &out) }
    }

    private func write(to out: inout OutputBuffer) throws {
        let c = try go.load(input, perf)
        keepUntilExit(c)
        if svg {
            var o = try style.options()
            if o.title == "Flame Graph" { o.title = "CPU by GC state" }
            if o.subtitle.isEmpty { o.subtitle = "clock: \(c.alignment)" }
            if style.countname == "samples" { o.weightUnit = c.collapser.weightUnit }
            // The GC-state root frames in the strip legend's colours, whatever a palette file says.
            for (state, color) in gcStateColors { o.paletteMap["[gc:\(state.rawValue)]"] = color }
            // Icicle: the widest frames sit right under the strip, on the first screen of a deep profile.
            if !flames { o.inverted = true }
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
        // Frame and goroutine names are the inputs': escaped for the terminal.
        var weights: [GCState: UInt64] = [:]
        let all = c.attributions
        for i in all.indices { weights[all.state(i), default: 0] &+= all.samples[i].weight }
        let report = renderGCReport(c.gcReport(top: top ?? 5), top: top ?? 5, verbose: verbose, weights: (c.collapser.weightUnit, weights))
        out.append(TerminalText.escape(report, keepingLineBreaks: true))
    }
}

/// The strip's colour per GC state, used by its legend and the graph's root frames.
let gcStateColors: [GCState: String] = [
    .stw: "rgb(215,48,39)", .assist: "rgb(244,140,30)", .markWorker: "rgb(140,90,200)",
    .sweep: "rgb(50,160,160)", .gcConcurrent: "rgb(225,195,50)", .none: "rgb(150,160,178)",
]

/// Samples as stacks with a root frame per GC state, and the trace's GC cycles, pauses and assists,
/// in perf's time (trace time minus the clock offset).
func gcStrip(_ c: AlignedCapture, state: GCState?) -> TimeStrip {
    let colors = gcStateColors
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
        // The graph weighs periods, as `collapse`; the strip counts samples, like the report and FlameScope.
        samples.append(TimeStrip.Sample(time: r.time, stack: id, weight: Double(r.weight), category: k))
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
    var strip = TimeStrip(stacks: stacks, samples: samples,
                          categories: states.map { TimeStrip.Category(name: $0.rawValue, color: colors[$0]!) }, spans: spans)
    strip.origin = perfTime(c.trace.trace.firstTime)
    return strip
}

extension String {
    func padded(_ n: Int) -> String { self + String(repeating: " ", count: max(0, n - count)) }
}

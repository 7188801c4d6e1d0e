import Align
import ArgumentParser
import BinaryIO
import PerfData
import Pprof

struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "top",
        abstract: "The functions with the most samples: flat, flat%, sum%, cum, cum%, as go tool pprof -top.",
        discussion: """
            INPUT is a pprof profile (gzip or not), a perf.data capture (symbolized as collapse does) or folded \
            stacks. Values are in the sample type's unit (ms/s for nanoseconds, B/kB/MB for bytes; perf.data: \
            nanoseconds of cpu-clock/task-clock periods, else counts). As pprof, functions whose cum is under \
            0.5 % of the total are dropped (the header says how many). With a perf.data capture, --go-trace and \
            --state keep the samples taken in one GC state, as `gc --folded --state`.
            """))

    @Argument(help: "pprof profile, perf.data or folded stacks; - or nothing reads standard input.") var input: String = "-"
    @Option(name: [.customShort("n"), .customLong("nodecount")], help: "Show at most this many functions (default: all, as pprof -top).")
    var count: Int?
    @Flag(help: "Sort by cum instead of flat.") var cum = false
    @Option(name: .customLong("go-trace"), help: "perf.data: the Go execution trace of the same run, for --state.") var goTrace: String?
    @Option(help: "perf.data with --go-trace: only samples in this GC state (stw, assist, mark-worker, sweep, gc-concurrent, none).",
            completion: .list(GCState.allCases.map(\.rawValue)))
    var state: String?
    @Flag(name: .customLong("force-trace"), help: "With --go-trace: use the trace even when it does not look like the capture's run.")
    var forceTrace = false
    @OptionGroup var destination: OutputOption
    @OptionGroup var pprof: SampleIndexOption
    @OptionGroup var perf: PerfSymbolOptions
    @OptionGroup var frames: FrameFilterOptions

    func validate() throws {
        try requireInput(input, Self.self)
        if let count, count < 0 { throw ValidationError("-n \(count): expected a count >= 0") }
        if let state, GCState(rawValue: state) == nil {
            throw ValidationError("--state \(state): expected one of \(GCState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if (state == nil) != (goTrace == nil) {
            throw ValidationError("--go-trace and --state go together: --state selects samples by the trace's GC state")
        }
        if forceTrace, goTrace == nil { throw ValidationError("--force-trace applies to --go-trace: pass the trace") }
    }

    func run() throws {
        let dest = try OutputFile(destination.output)
        let progress = Progress.start(reading: [input] + (goTrace.map { [$0] } ?? []), outputFile: destination.output)
        let (stacks, file, total) = try topStacks()
        progress?.stop()
        var o = TopTable.Options()
        o.nodeCount = count ?? 0
        o.cumSort = cum
        let table = TopTable(stacks, options: o, total: total)
        if table.total == 0 { throw unreadableInput(input, "no sample with a nonzero \(stacks.valueType.type) value") }
        var out = dest.buffer()
        // Names come from the input: escaped for the terminal.
        out.append(TerminalText.escape(TopText.render(table, file: file), keepingLineBreaks: true))
        out.flush()
        try dest.commit()
    }

    /// The input's stacks with their value type, the main binary's name when the input has one, and the
    /// total before filters and --state (percentages are of the whole profile, as pprof's under -focus
    /// and -tagfocus).
    private func topStacks() throws -> (WeightedStacks, String?, Int64) {
        let filter = try frames.filter()
        let filtered = !(frames.focus.isEmpty && frames.ignore.isEmpty && frames.hide.isEmpty)
        let file: MappedFile
        do { file = try openInput(input) } catch { throw unreadableInput(input, error.message) }
        let pprofInput = isPprof(file)
        try pprof.rejectUnless(pprof: pprofInput, input)
        if goTrace != nil, !isPerfData(file) { throw UserError("--go-trace: \(input) is not perf.data; GC states come from a perf.data capture and its trace") }
        if pprofInput {
            let p = try readPprof(file, input)
            let s = try pprofStacks(p, input, pprof)
            let base = p.mainBinary.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
            guard filtered else { return (s, base, s.total) }
            // Filters work on folded text; inlined frames keep their mark through it.
            let text = filter.apply(s.folded(markInline: true).text)
            return (text.withUnsafeBytes { WeightedStacks(folded: $0, valueType: s.valueType) }, base, s.total)
        }
        if isPerfData(file) {
            var perf = self.perf
            perf.annotateInline = true
            let type = try perfValueType(file, perf)
            var text: [UInt8]
            var all: [UInt8]
            if let goTrace, let state {
                var args = ["--go-trace", goTrace]
                if forceTrace { args.append("--force-trace") }
                let c = try GoTraceInputOptions.parse(args).load(input, perf)
                keepUntilExit(c)
                text = dropRootFrame(dropRootFrame(c.foldedByState(only: GCState(rawValue: state))))
                all = c.foldedByState(only: nil)
            } else {
                text = dropRootFrame(try collapsePerf(file, perf.checkedOptions(capture: input)))
                all = text
            }
            let total = all.withUnsafeBytes { WeightedStacks(folded: $0, valueType: type) }.total
            text = filter.apply(text)
            return (text.withUnsafeBytes { WeightedStacks(folded: $0, valueType: type) }, nil, total)
        }
        if looksBinary(file.bytes) || !looksFolded(file.bytes) {
            throw unreadableInput(input, "not a pprof profile, perf.data or folded stacks; pass one of them (gzip, zstd or xz compressed ones too)")
        }
        let type = PprofProfile.ValueType(type: "samples", unit: "count")
        let total = WeightedStacks(folded: file.bytes, valueType: type).total
        let text = filter.apply(Array(file.bytes))
        let s = text.withUnsafeBytes { WeightedStacks(folded: $0, valueType: type) }
        if s.skipped > 0 { printError("stackfold: warning: \(input): skipped \(s.skipped) lines without an integer count") }
        return (s, nil, total)
    }
}

/// What a perf.data fold's values are: nanoseconds when every event is a CPU clock weighed by its
/// period, else the samples (--count-samples) or the events' periods as counts.
private func perfValueType(_ file: MappedFile, _ perf: PerfSymbolOptions) throws -> PprofProfile.ValueType {
    if perf.countSamples { return .init(type: "samples", unit: "count") }
    let events: [String]
    do { events = try PerfFile(file: file).events.map(\.name) } catch { throw UserError(error.description) }
    if !events.isEmpty, events.allSatisfy({ $0 == "cpu-clock" || $0 == "task-clock" }) { return .init(type: "cpu", unit: "nanoseconds") }
    return .init(type: Set(events).sorted().joined(separator: ","), unit: "count")
}

/// Folded lines without their first frame: the `[gc:state]` root `gc --folded` adds, or the comm root of
/// collapse (a thread's name, not a function: `stackfold pprof` writes it as the `comm` label).
private func dropRootFrame(_ text: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(text.count)
    for line in text.split(separator: 0x0a) {
        guard let semi = line.firstIndex(of: 0x3b) else { continue }
        out.append(contentsOf: line[(semi + 1)...])
        out.append(0x0a)
    }
    return out
}

import Align
import ArgumentParser
import BinaryIO
import Collapse
import PerfData
import Pprof

#if canImport(Glibc)
import Glibc
#endif

struct PprofCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "pprof",
        abstract: "A pprof profile (gzip-compressed profile.proto) from perf.data, for go tool pprof, Pyroscope or Parca.",
        discussion: """
            The stacks are collapse's (the same repair and unwinding, the same names, inlined frames as Go's \
            runtime/pprof writes them), with addresses, mappings, file names and lines, so go tool pprof needs \
            neither the binary nor perf. Sample types: samples/count and cpu/nanoseconds for cpu-clock and \
            task-clock, else samples/count and EVENT/count. Labels per sample: pid, tid, comm, cpu (when \
            recorded), event; with --go-trace also goroutine, gc (stw, assist, mark-worker, sweep, \
            gc-concurrent, none), region and task. Example: go tool pprof -tagfocus gc=assist -top cpu.pb.gz. \
            See docs/pprof.md.
            """))

    @Argument(help: "perf.data") var input: String = "perf.data"
    @Option(name: .customLong("go-trace"), help: "The Go execution trace of the same run: adds goroutine, gc, region and task labels.")
    var goTrace: String?
    @Option(name: .customLong("clock-offset"), help: "With --go-trace: use this offset (ns, trace = perf + offset) instead of aligning the clocks.")
    var clockOffset: Int64?
    @Flag(name: .customLong("force-trace"), help: "With --go-trace: use the trace even when it does not look like the same run as the capture.")
    var forceTrace = false
    @Option(name: .customLong("event-filter"), help: "Keep only samples of this event (default: the first declared event that has samples).")
    var eventFilter: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the profile to this file (default: standard output, unless it is a terminal).", valueName: "file"))
    var output: String?
    @OptionGroup var perf: PerfSymbolOptions
    @OptionGroup var frames: FrameFilterOptions

    func validate() throws {
        if goTrace == nil, clockOffset != nil || forceTrace {
            throw ValidationError("--clock-offset and --force-trace apply to --go-trace: pass the trace, or drop them")
        }
        if perf.countSamples {
            throw ValidationError("--count-samples does not apply: the profile has both sample counts and periods (go tool pprof -sample_index=samples)")
        }
        if output == nil || output == "-", isatty(1) == 1 {
            throw ValidationError("the profile is binary: pass -o FILE (e.g. -o cpu.pb.gz) or redirect standard output")
        }
    }

    func run() throws {
        let filter = try frames.filter()
        let dest = try OutputFile(output)
        let result: PprofResult
        do {
            let progress = Progress.start(reading: [input] + (goTrace.map { [$0] } ?? []), outputFile: output)
            defer { progress?.stop() }
            result = try profile(filter)
        }
        for w in result.warnings { printError("stackfold: warning: \(w)") }
        guard result.samples > 0 else {
            throw UserError("\(input): no sample left to write (check --event-filter, --time, --only-* and --focus/--ignore/--hide)")
        }
        let bytes: [UInt8]
        do { bytes = try result.gzipped() } catch { throw UserError("\(input): \(error.description)") }
        var out = dest.buffer()
        out.append(bytes: bytes)
        out.flush()
        try dest.commit()
    }

    private func profile(_ filter: FoldedFilter) throws -> PprofResult {
        guard let goTrace else {
            let file = try openPerf(input)
            var o = try perf.checkedOptions(capture: input)
            o.eventFilter = eventFilter
            let r: PprofResult
            do { r = try PprofWriter.profile(perf: file, options: o, filter: filter) } catch { throw UserError(error.description) }
            if file.isPipe, r.samples == 0, r.warnings.contains(PerfCollapser.noSampleInPipe(file.path)) {
                throw UserError(PerfCollapser.noSampleInPipe(file.path))
            }
            return r
        }
        var args = ["--go-trace", goTrace]
        if let clockOffset { args += ["--clock-offset", String(clockOffset)] }
        if forceTrace { args.append("--force-trace") }
        let go = try GoTraceInputOptions.parse(args)
        var window: ClosedRange<UInt64>?
        let c = try go.load(input, perf) { o in
            var o = PprofWriter.collapseOptions(o)
            o.eventFilter = eventFilter
            // The alignment needs every sample; the window is applied to the profile's samples.
            window = o.timeRange
            o.timeRange = nil
            return o
        }
        keepUntilExit(c)
        return PprofWriter.profile(aligned: c, perf: try openPerf(input), window: window, filter: filter)
    }
}

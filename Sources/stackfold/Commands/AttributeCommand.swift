import Align
import ArgumentParser
import BinaryIO
import Collapse
import GoTrace
import PerfData

#if canImport(Glibc)
import Glibc
#endif

/// Options shared by the commands that put perf samples on a Go trace.
struct GoTraceInputOptions: ParsableArguments {
    @Option(name: .customLong("go-trace"), help: "The Go execution trace of the same run.") var goTrace: String
    @Option(name: .customLong("clock-offset"), help: "Use this offset (ns, trace = perf + offset) instead of aligning the clocks.")
    var clockOffset: Int64?
    @Flag(name: .customLong("force-trace"), help: "Use the trace even when it does not look like the same run as the capture (no time overlap, no common threads, or samples that disagree with it).")
    var forceTrace = false

    /// `adjust`: what the caller's output needs of the fold (pprof: locations, no time window).
    func load(_ input: String, _ perf: PerfSymbolOptions,
              adjust: (PerfCollapseOptions) -> PerfCollapseOptions = { $0 }) throws -> AlignedCapture {
        let file = try openPerf(input)
        let options = adjust(try perf.checkedOptions(capture: input))
        // The trace is read and indexed on a second thread while the capture is folded: neither needs
        // the other.
        let path = goTrace
        let capture: AlignedCapture
        do {
            capture = try AlignedCapture.load(perf: file, options: options, clockOffset: clockOffset) { () -> Result<TraceIndex, UserError> in
                let tf: MappedFile
                do throws(FileError) { tf = try openInput(path) } catch { return .failure(UserError(error.description)) }
                var timer = PhaseTimer()
                let trace: GoTrace
                do { trace = try GoTrace(bytes: tf.bytes) } catch { return .failure(UserError("\(path): \(error)")) }
                timer.lap("Go trace read and analysed (second thread)")
                let index = TraceIndex(trace)
                timer.lap("trace index (second thread)")
                return .success(index)
            }
        } catch {
            switch error {
            case .trace(let e): throw e
            case .perf(let e): throw UserError(e.description)
            }
        }
        // As `collapse` warns: a truncated capture is read up to its last complete record.
        for w in capture.collapser.warnings { printError("stackfold: warning: \(w)") }
        for w in capture.trace.trace.warnings { printError("stackfold: warning: \(goTrace): \(w)") }
        if let why = PairingCheck(capture).problem {
            let line = "\(goTrace) and \(input) do not look like the same run: \(why)"
            guard forceTrace else { throw UserError(line + "; pass the trace of this capture's run, or --force-trace to use it anyway") }
            printError("stackfold: warning: \(line); used anyway (--force-trace)")
        }
        return capture
    }
}

struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "attribute",
        abstract: "Each perf sample with its goroutine and GC state, from the Go trace of the same run."))

    @Argument(help: "perf.data") var input: String = "perf.data"
    @OptionGroup var go: GoTraceInputOptions
    @Flag(help: "One JSON object per sample.") var json = false
    @OptionGroup var destination: OutputOption
    @OptionGroup var perf: PerfSymbolOptions

    func validate() throws {
        if perf.countSamples { throw notApplicable("--count-samples", "weighs folded stacks, and attribute prints one line per sample, without weights: drop it") }
    }

    func run() throws {
        try writeOutput(to: destination.output, reading: [input, go.goTrace]) { out throws in try write(to: &out) }
    }

    private func write(to out: inout OutputBuffer) throws {
        let c = try go.load(input, perf)
        keepUntilExit(c)
        printError("stackfold: clock: \(c.alignment)")
        var lines = AttributeLines(collapser: c.collapser, json: json)
        let all = c.attributions
        if !json {
            out.append("# time_ns tid g=goroutine gc_state [region=outer/inner task=id] stack(caller;...;leaf)\n")
        }
        for i in all.indices {
            lines.append(all[i], inRegion: all.inRegion(i), to: &out)
            out.flushIfFull()
        }
    }
}

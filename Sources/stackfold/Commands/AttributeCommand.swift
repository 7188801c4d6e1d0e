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
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Each perf sample with its goroutine and GC state, from the Go trace of the same run.")

    @Argument(help: "perf.data") var input: String = "perf.data"
    @OptionGroup var go: GoTraceInputOptions
    @Flag(help: "One JSON object per sample.") var json = false
    @OptionGroup var destination: OutputOption
    @OptionGroup var perf: PerfSymbolOptions

    func validate() throws {
        if perf.countSamples { throw notApplicable("--count-samples", "weighs folded stacks, and attribute prints one line per sample, without weights: drop it") }
    }

    func run() throws {
        let dest = try OutputFile(destination.output)
        do {
            let progress = Progress.start(reading: [input, go.goTrace], outputFile: destination.output)
            defer { progress?.stop() }
            var out = dest.buffer()
            defer { out.flush() }
            try write(to: &out)
        }
        try dest.commit()
    }

    private func write(to out: inout OutputBuffer) throws {
        let c = try go.load(input, perf)
        keepUntilExit(c)
        printError("stackfold: clock: \(c.alignment)")
        // Hundreds of thousands of lines: what repeats is rendered once (a unique stack's leaf or frames,
        // a goroutine's start function), the rest appended as bytes.
        var stackText: [Int32: [UInt8]] = [:]
        var functions: [Int64: [UInt8]] = [:]
        func names(_ stack: Int32) -> [UInt8] {
            if let t = stackText[stack] { return t }
            let names = c.collapser.stackNames(stack)
            var t: [UInt8] = []
            if json { appendJSONString(names.last ?? "", to: &t) } else { t = Array(names.dropFirst().joined(separator: ";").utf8) }
            stackText[stack] = t
            return t
        }
        let all = c.attributions
        if !json {
            out.append("# time_ns tid g=goroutine gc_state [region=outer/inner task=id] stack(caller;...;leaf)\n")
        }
        for i in all.indices {
            let a = all[i]
            if json {
                out.append("{\"time\":")
                out.append(decimal: a.sample.time)
                out.append(",\"trace_time\":")
                appendSigned(a.traceTime, to: &out)
                out.append(",\"tid\":")
                appendSigned(Int64(a.sample.tid), to: &out)
                if c.collapser.recordsCPU {
                    out.append(",\"cpu\":")
                    out.append(decimal: UInt64(a.sample.cpu))
                }
                out.append(",\"goroutine\":")
                appendSigned(a.goroutine, to: &out)
                out.append(",\"function\":")
                if let f = functions[a.goroutine] {
                    out.append(bytes: f)
                } else {
                    var f: [UInt8] = []
                    appendJSONString(a.goroutineFunction, to: &f)
                    functions[a.goroutine] = f
                    out.append(bytes: f)
                }
                out.append(",\"label\":")
                appendJSONString(a.label, to: &out)
                out.append(",\"gc\":\"")
                out.append(a.gc.rawValue)
                if all.inRegion(i) {
                    let regions = a.regions
                    out.append("\",\"region\":")
                    appendJSONString(regions.last ?? "", to: &out)
                    out.append(",\"regions\":[")
                    for (k, r) in regions.enumerated() {
                        if k > 0 { out.append(byte: 0x2c) }
                        appendJSONString(r, to: &out)
                    }
                    out.append("],\"task\":")
                    if let task = a.task { out.append(decimal: task) } else { out.append("null") }
                    out.append(",\"task_type\":")
                    appendJSONString(a.taskType, to: &out)
                } else {
                    out.append("\",\"region\":\"\",\"regions\":[],\"task\":null,\"task_type\":\"\"")
                }
                out.append(",\"leaf\":")
                out.append(bytes: names(a.sample.stack))
                out.append("}\n")
            } else {
                out.append(decimal: a.sample.time)
                out.append(byte: 0x20)
                appendSigned(Int64(a.sample.tid), to: &out)
                out.append(" g=")
                appendSigned(a.goroutine, to: &out)
                out.append(byte: 0x20)
                out.append(a.gc.rawValue)
                if all.inRegion(i) {
                    let regions = a.regions
                    if !regions.isEmpty { out.append(" region=\(regions.joined(separator: "/"))" + (a.task.map { " task=\($0)" } ?? "")) }
                }
                out.append(byte: 0x20)
                out.append(bytes: names(a.sample.stack))
                out.append(byte: 0x0a)
            }
            out.flushIfFull()
        }
    }
}

/// `v` in decimal, with its sign.
private func appendSigned(_ v: Int64, to out: inout OutputBuffer) {
    if v < 0 { out.append(byte: 0x2d) }
    out.append(decimal: v.magnitude)
}

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

    func load(_ input: String, _ perf: PerfSymbolOptions) throws -> AlignedCapture {
        let file = try openPerf(input)
        let options = try perf.checkedOptions()
        // The trace is read and indexed on a second thread while the capture is folded: neither needs
        // the other.
        let path = goTrace
        let capture: AlignedCapture
        do {
            capture = try AlignedCapture.load(perf: file, options: options, clockOffset: clockOffset) { () -> Result<TraceIndex, UserError> in
                let tf: MappedFile
                do throws(FileError) { tf = try MappedFile(path: path) } catch { return .failure(UserError(error.description)) }
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
    @OptionGroup var perf: PerfSymbolOptions

    func run() throws {
        let c = try go.load(input, perf)
        keepUntilExit(c)
        printError("stackfold: clock: \(c.alignment)")
        var out = OutputBuffer(fd: 1)
        defer { out.flush() }
        for a in c.attributions {
            let names = c.stackNames(a)
            if json {
                out.append("{\"time\":\(a.sample.time),\"trace_time\":\(a.traceTime),\"tid\":\(a.sample.tid),\"cpu\":\(a.sample.cpu),")
                out.append("\"goroutine\":\(a.goroutine),\"function\":\(jsonString(a.goroutineFunction)),\"label\":\(jsonString(a.label)),")
                out.append("\"gc\":\"\(a.gc.rawValue)\",\"region\":\(jsonString(a.regions.last ?? "")),\"regions\":[")
                out.append(a.regions.map(jsonString).joined(separator: ","))
                out.append("],\"task\":\(a.task.map(String.init) ?? "null"),\"task_type\":\(jsonString(a.taskType)),")
                out.append("\"leaf\":\(jsonString(names.last ?? ""))}\n")
            } else {
                let region = a.regions.isEmpty ? "" : " region=\(a.regions.joined(separator: "/"))" + (a.task.map { " task=\($0)" } ?? "")
                out.append("\(a.sample.time) \(a.sample.tid) g=\(a.goroutine) \(a.gc.rawValue)\(region) \(names.dropFirst().joined(separator: ";"))\n")
            }
        }
    }
}

import ArgumentParser
import BinaryIO
import GoTrace

struct GoTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "gotrace",
        abstract: "Summary of a Go execution trace: GC cycles, stop-the-world pauses, assists, mark workers, heap."))

    @Argument(help: "A Go execution trace (runtime/trace, go test -trace, /debug/pprof/trace); - reads standard input.")
    var input: String
    @Flag(help: "One JSON object per range (gc, stw, assist, sweep), then goroutine runs, user tasks, regions and logs, then clock facts.")
    var json = false
    @Flag(help: "Ranges, labels, syncs, user tasks, regions and logs as `go tool trace -d=parsed` prints them.")
    var parsed = false
    @Flag(help: "Only read and order every event, then print how many (reading speed).")
    var countOnly = false
    @OptionGroup var destination: OutputOption

    func validate() throws {
        if json, parsed { throw notApplicable("--json", "and --parsed: choose one (JSON objects, or go tool trace -d=parsed lines)") }
        if countOnly, json || parsed {
            throw notApplicable(json ? "--json" : "--parsed", "does not apply to --count-only, which prints only the number of events")
        }
    }

    func run() throws {
        try writeOutput(to: destination.output, reading: [input]) { out throws in try write(to: &out) }
    }

    private func write(to out: inout OutputBuffer) throws {
        let file: MappedFile
        do { file = try openInput(input) } catch { throw unreadableInput(input, error.message) }
        if countOnly {
            var n = 0
            do {
                var r = try GoTraceReader(bytes: file.bytes)
                while try r.next() != nil { n += 1 }
                for w in r.warnings { printError("stackfold: warning: \(input): \(w)") }
            } catch { throw UserError("\(input): \(error)") }
            out.append("\(n)\n")
            return
        }
        let t: GoTrace
        do { t = try GoTrace(bytes: file.bytes, keepParsedLines: parsed) } catch {
            throw UserError("\(input): \(error)")
        }
        for w in t.warnings { printError("stackfold: warning: \(input): \(w)") }
        keepUntilExit(t)
        if parsed {
            // The trace's strings (functions, reasons, labels, logs) escaped for the terminal (issue 22).
            for l in t.parsedLines { out.append(TerminalText.escape(l)); out.append(byte: 0x0a) }
            return
        }
        if json {
            let lines = JSONLines()
            try t.forEachJSONLine { try lines.append($0, to: &out) }
            return
        }
        out.append(TerminalText.escape(t.summaryText(), keepingLineBreaks: true))
    }
}

func ms(_ ns: Int64) -> String { cFormat("%.3f ms", Double(ns) / 1e6) }

import ArgumentParser
import BinaryIO
import Collapse
import PerfData

struct ScriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "script",
        abstract: "One block per sample with symbolized frames, like perf script; --json for one object per sample.",
        discussion: """
            Frames are named as collapse names them: Go names and inlined frames (`(inlined)` lines, as perf \
            script --inline prints them) by default; with --elf-names --no-inline, exactly perf script's text \
            for the same binaries and kallsyms. --srcline adds file:line under each frame (in JSON: file, line).
            """))

    @Argument(help: "A perf.data file (file or pipe mode); - reads standard input.")
    var input: String = "perf.data"

    @Flag(help: "One JSON object per line per sample: time, pid, tid, cpu, period, event, comm, ips, and stack (one entry per frame, innermost first: addr, function, offset, module, inlined; file and line with --srcline).")
    var json = false

    @Flag(help: "Records in file order instead of perf's time order.")
    var fileOrder = false

    @Flag(help: "Read every sample and print only the count (for benchmarks).")
    var countOnly = false

    @Flag(help: "List every record (file offset, size, type) instead of samples, in the chosen order.")
    var records = false

    @Option(name: .customLong("event-filter"), help: "Print only samples of this event (default: every event, as perf script).")
    var eventFilter: String?

    @Option(help: "Callchain entries printed per sample at most, as perf script's --max-stack (default: as perf script, this machine's kernel.perf_event_max_stack, else 127).")
    var maxStack: Int?

    @OptionGroup var destination: OutputOption
    @OptionGroup var perf: PerfSymbolOptions

    func validate() throws {
        if countOnly, records { throw notApplicable("--count-only", "and --records: choose one (the number of samples, or the list of records)") }
        if let mode = countOnly ? "--count-only" : records ? "--records" : nil {
            // Neither prints a sample: how samples are chosen, named or formatted changes nothing.
            let given = (json ? ["--json"] : []) + (eventFilter != nil ? ["--event-filter"] : []) + perf.given
                + (perf.noDemangle ? ["--no-demangle"] : [])
            if let first = given.first { throw notApplicable(first, "does not apply to \(mode), which prints no samples: drop one of them") }
        }
        if perf.annotateInline { throw notApplicable("--annotate-inline", "marks inlined frames in folded stacks; script prints them as (inlined) lines: drop it") }
        if perf.countSamples { throw notApplicable("--count-samples", "weighs folded stacks; script prints each sample with its own period: drop it") }
    }

    func run() throws {
        let dest = try OutputFile(destination.output)
        let progress = Progress.start(reading: [input], outputFile: destination.output)
        defer { progress?.stop() }
        let file = try openPerf(input)
        var o = try perf.checkedOptions(capture: input)
        o.eventFilter = eventFilter
        if let m = maxStack, m < 0 { throw UserError("--max-stack \(m): pass a count of 0 or more") }
        if maxStack != nil, records || countOnly {
            throw inapplicable(input, "--max-stack", "does not apply to \(records ? "--records" : "--count-only"), which prints no callchains: drop one")
        }
        o.maxStack = maxStack ?? systemMaxStack()
        if let e = file.cpuFilterError(o.cpus) { throw UserError(e.description) }
        var writer = PerfScriptWriter(options: o, json: json)
        writer.begin(file)
        var model = ProcessModel(file: file)
        var out = dest.buffer()
        var count = 0
        var failure: PerfDataError?
        // Read once: an ArgumentParser flag's getter costs ~850 instructions, and `handle` runs per record.
        let (records, countOnly) = (self.records, self.countOnly)
        func handle(_ rec: RawRecord) throws(PerfDataError) {
            if records {
                out.append("0x\(String(rec.offset, radix: 16)) [0x\(String(rec.size, radix: 16))]: \(rec.type.name)\n")
                return
            }
            if countOnly {
                if rec.type == .sample { count += 1 } else { model.process(rec, in: file) }
                return
            }
            try writer.process(rec, model: &model, file: file, to: &out)
        }
        do {
            if fileOrder {
                var r = file.records()
                while let rec = try r.nextRecord() { try handle(rec) }
            } else {
                var r = file.orderedRecords()
                while let rec = r.next() { try handle(rec) }
                failure = r.error
            }
        } catch {
            failure = error
        }
        if countOnly { out.append("\(count)\n") }
        out.flush()
        if countOnly || records {
            reportWarnings(file)
        } else {
            writer.finish(file, notes: model.notes)
            for w in writer.warnings { printError("stackfold: warning: \(w)\n") }
        }
        if let failure { throw UserError(failure.description) }
        if !countOnly, !records, writer.samples == 0 {
            // perf script prints nothing here; an empty output must not pass for a result.
            throw UserError("\(input): no sample to print (check --event-filter, --time and --only-*; `stackfold info \(input)` lists the events and their sample counts)")
        }
        try dest.commit()
    }
}

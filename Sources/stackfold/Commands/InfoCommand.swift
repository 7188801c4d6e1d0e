import BinaryIO
import ArgumentParser
import PerfData

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "info",
        abstract: "What perf report --header-only tells, plus record counts, lost samples, time span and clock."))

    @Argument(help: "A perf.data file (file or pipe mode); - reads standard input.")
    var input: String = "perf.data"
    @Option(name: .customLong("binaries"), help: "--call-graph dwarf captures: folders of binaries (any layout), matched to the capture by build-id, for counting the samples the stack dump cut.")
    var binaryDirs: [String] = []
    @Option(help: "--call-graph dwarf captures: look for binaries under this root first, like perf --symfs.") var symfs: String?

    func run() throws {
        let file = try openPerf(input)
        if !binaryDirs.isEmpty || symfs != nil, !file.events.contains(where: { $0.attr.sampleStackUser > 0 }) {
            throw inapplicable(input, binaryDirs.isEmpty ? "--symfs" : "--binaries",
                               "applies to --call-graph dwarf captures (to count the stacks their dump cut), and this capture has no stack dumps: drop it")
        }
        let summary = PerfFileSummary(file)
        var out = file.describe(capturedOn: input != "-" ? modificationTime(input) : nil, summary: summary)
        out += callGraphLine(file)
        if summary.readError == nil { out += dwarfStackLines(file) }
        // Host name, cpuid, cmdline, event and file names are the capture's: escaped for the terminal.
        writeStdout(TerminalText.escape(out, keepingLineBreaks: true))
        reportWarnings(file)
        if let e = summary.readError { throw UserError(e.description) }
    }
}

func openPerf(_ path: String) throws -> PerfFile {
    let file: MappedFile
    do { file = try openInput(path) } catch { throw unreadableInput(path, error.message) }
    do {
        return try PerfFile(file: file)
    } catch {
        throw UserError(error.description)
    }
}

func reportWarnings(_ file: PerfFile) {
    // Once each: a second pass over the records (info's dwarf unwind count) meets the same damage again.
    var seen = Set<String>()
    for w in file.warnings where seen.insert(w).inserted {
        printError("stackfold: warning: \(w)\n")
    }
}

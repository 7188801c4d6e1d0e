import BinaryIO
import ArgumentParser
import PerfData

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What perf report --header-only tells, plus record counts, lost samples, time span and clock.")

    @Argument(help: "A perf.data file (file or pipe mode); - reads standard input.")
    var input: String = "perf.data"

    func run() throws {
        let file = try openPerf(input)
        let summary = PerfFileSummary(file)
        // Host name, cpuid, cmdline, event and file names are the capture's: escaped for the terminal.
        writeStdout(TerminalText.escape(file.describe(capturedOn: input != "-" ? modificationTime(input) : nil, summary: summary),
                                        keepingLineBreaks: true))
        reportWarnings(file)
        if let e = summary.readError { throw UserError(e.description) }
    }
}

func openPerf(_ path: String) throws -> PerfFile {
    do {
        return try PerfFile(path: path)
    } catch {
        throw UserError(error.description)
    }
}

func reportWarnings(_ file: PerfFile) {
    for w in file.warnings {
        printError("stackfold: warning: \(w)\n")
    }
}

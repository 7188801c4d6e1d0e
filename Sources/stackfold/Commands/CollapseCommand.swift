import ArgumentParser
import BinaryIO
import Collapse
import Foundation
import PerfData

struct CollapseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collapse",
        abstract: "Folded stacks from perf.data or perf script text (a drop-in for stackcollapse-perf.pl).")

    @Argument(help: "perf.data (file or pipe mode) or perf script text; - or nothing reads standard input.")
    var input: String = "-"

    @Flag(help: "Root frame comm-PID.") var pid = false
    @Flag(help: "Root frame comm-PID/TID.") var tid = false
    @Flag(help: "Annotate kernel frames with _[k].") var kernel = false
    @Flag(help: "Annotate JIT frames with _[j].") var jit = false
    @Flag(help: "Both --kernel and --jit.") var all = false
    @Flag(help: "Addresses in unknown frames: [module <addr>].") var addrs = false
    @Option(name: .customLong("event-filter"), help: "Keep only samples of this event (default: the first event seen).")
    var eventFilter: String?
    @Flag(help: "Unrecognized lines are errors.") var strict = false
    @Flag(help: "Reproduce stackcollapse-perf.pl exactly, including where it loses samples or cuts names.")
    var perlCompatible = false

    func run() throws {
        let file: MappedFile
        do { file = try MappedFile(path: input) } catch { throw UserError(error.description) }
        if file.count >= 8, file.bytes.loadUnaligned(as: UInt64.self) == PerfFile.magic
            || file.bytes.loadUnaligned(as: UInt64.self).byteSwapped == PerfFile.magic {
            throw UserError("\(input): collapsing perf.data directly needs symbolization, which is not implemented yet; pipe `perf script -i \(input)` into `stackfold collapse -` meanwhile")
        }
        var o = ScriptCollapseOptions()
        o.includePID = pid
        o.includeTID = tid
        o.annotateKernel = kernel || all
        o.annotateJIT = jit || all
        o.includeAddresses = addrs
        o.eventFilter = eventFilter
        o.strict = strict
        o.perlCompatible = perlCompatible
        var c = ScriptTextCollapser(options: o)
        do {
            try c.feed(file.bytes, path: input == "-" ? "<stdin>" : input)
        } catch {
            throw UserError(error.description)
        }
        c.finish()
        var out = OutputBuffer(fd: 1)
        out.append(bytes: c.folded())
        out.flush()
        for w in c.warnings { FileHandle.standardError.write((w + "\n").data(using: .utf8)!) }
        if c.unrecognizedLines > 0 {
            FileHandle.standardError.write("stackfold: skipped \(c.unrecognizedLines) unrecognized lines\n".data(using: .utf8)!)
        }
    }
}

import ArgumentParser
import BinaryIO
import Collapse

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "diff",
        abstract: "Two-column folded output for differential flame graphs, like difffolded.pl.",
        discussion: """
            Each input is folded stacks, perf script text, a perf.data capture or a pprof profile (folded first, with the \
            symbolization options below). Output: `stack count1 count2`, sorted; pipe it into \
            `stackfold flamegraph` for a differential flame graph (red: grew in the second profile).
            """))

    @Argument(help: "The baseline profile.") var before: String
    @Argument(help: "The profile to compare with it.") var after: String
    @Flag(name: [.customShort("n"), .long], help: "Normalize: scale the first profile's counts to the second's total.")
    var normalize = false
    @Flag(name: [.customShort("s"), .customLong("strip-hex")], help: "Replace hex numbers (addresses) by 0x... .")
    var stripHex = false
    @OptionGroup var destination: OutputOption
    @OptionGroup var perf: PerfSymbolOptions
    @OptionGroup var frames: FrameFilterOptions
    @OptionGroup var pprof: SampleIndexOption

    func run() throws {
        var o = FoldedDiff.Options()
        o.normalize = normalize
        o.stripHex = stripHex
        var d = FoldedDiff(options: o)
        let progress = Progress.start(reading: [before, after], outputFile: destination.output)
        defer { progress?.stop() }
        var perfData = false
        for (i, path) in [before, after].enumerated() {
            let folded = try frames.filter().apply(try foldedInput(path, perf, pprof, perfData: &perfData))
            folded.withUnsafeBytes { d.add($0, profile: i) }
        }
        if !perfData { try perf.rejectOnText("\(before), \(after)", "neither input is a perf.data capture") }
        let dest = try OutputFile(destination.output)
        var out = dest.buffer()
        out.append(bytes: d.render())
        out.flush()
        try dest.commit()
        for (i, n) in d.skippedLines.enumerated() where n > 0 {
            printError("stackfold: warning: \([before, after][i]): skipped \(n) lines without a trailing count")
        }
    }
}

/// Folded stacks from a file that is already folded, is perf script text, or is a perf.data capture.
/// `perfData` is set when it is a perf.data capture.
func foldedInput(_ path: String, _ perf: PerfSymbolOptions, _ pprof: SampleIndexOption = SampleIndexOption(),
                 perfData: inout Bool) throws -> [UInt8] {
    let file: MappedFile
    do { file = try openInput(path) } catch { throw unreadableInput(path, error.message) }
    try pprof.rejectUnless(pprof: isPprof(file), path)
    if isPprof(file) { return try pprofFolded(file, path, pprof) }
    if isPerfData(file) {
        perfData = true
        return try collapsePerf(file, perf.checkedOptions(capture: path))
    }
    if looksFolded(file.bytes) { return Array(file.bytes) }
    var c = ScriptTextCollapser(options: ScriptCollapseOptions())
    do { try c.feed(file.bytes, path: path) } catch { throw UserError(error.description) }
    c.finish()
    return c.folded()
}

/// Folded text: its first non-empty lines end in a count after a space and none starts with whitespace
/// (perf script's frame lines do), and no line is a bare header.
func looksFolded(_ b: UnsafeRawBufferPointer) -> Bool {
    var start = 0
    var checked = 0
    while start < b.count, checked < 20 {
        var end = start
        while end < b.count, b[end] != 0x0a { end += 1 }
        if end > start {
            let line = b[start..<end]
            if line.first == 0x20 || line.first == 0x09 || line.first == 0x23 { return false }
            var i = end
            while i > start, (b[i - 1] >= 0x30 && b[i - 1] <= 0x39) || b[i - 1] == 0x2e { i -= 1 }
            // Any whitespace before the count, as difffolded.pl's `\s+?` (a tab too).
            if i == end || i == start || !(b[i - 1] == 0x20 || (b[i - 1] >= 0x09 && b[i - 1] <= 0x0d)) { return false }
            checked += 1
        }
        start = end + 1
    }
    return checked > 0
}

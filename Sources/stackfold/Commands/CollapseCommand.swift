import ArgumentParser
import BinaryIO
import Collapse
import PerfData
import Symbolize

struct CollapseCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "collapse",
        abstract: "Folded stacks from perf.data, perf script text or a pprof profile (a drop-in for stackcollapse-perf.pl)."))

    @Argument(help: "perf.data (file or pipe mode), perf script text or a pprof profile; - or nothing reads standard input.")
    var input: String = "-"

    @Flag(help: "Root frame comm-PID.") var pid = false
    @Flag(help: "Root frame comm-PID/TID.") var tid = false
    @Flag(help: "Annotate kernel frames with _[k].") var kernel = false
    @Flag(help: "Annotate JIT frames with _[j].") var jit = false
    @Flag(help: "Both --kernel and --jit.") var all = false
    @Flag(help: "Addresses in unknown frames: [module <addr>].") var addrs = false
    @Option(name: .customLong("event-filter"), help: "Keep only samples of this event (default: perf.data: the first declared event that has samples; perf script text: the first event seen).")
    var eventFilter: String?
    @Flag(help: "Unrecognized lines are errors.") var strict = false
    @Flag(help: "perf script text: un-inline frames from the binaries named on each frame line (found as printed, under --symfs, or by name in --binaries folders; checked against perf's symbol), as stackcollapse-perf.pl --inline. perf.data frames are un-inlined by default.")
    var inline = false
    @Flag(help: "perf script text: as --inline, each frame with :file:line (file's base name), as stackcollapse-perf.pl --context.")
    var context = false
    @Flag(help: "Reproduce stackcollapse-perf.pl exactly, including where it loses samples or cuts names.")
    var perlCompatible = false
    // The members of OutputOption, FrameFilterOptions and SampleIndexOption, declared here in the groups'
    // order with their help: each @OptionGroup costs every run four first-time protocol conformance
    // lookups, each a scan of all the binary's conformance records; these three cost 2.2 M instructions
    // of a 22.6 M run (docs/performance.md, a24).
    @Option(name: .shortAndLong, help: OutputOption.help) var output: String?
    @OptionGroup var perf: PerfSymbolOptions
    @Option(help: FrameFilterOptions.focusHelp) var focus: [String] = []
    @Option(help: FrameFilterOptions.ignoreHelp) var ignore: [String] = []
    @Option(help: FrameFilterOptions.hideHelp) var hide: [String] = []
    @Option(name: .customLong("sample-index"), help: SampleIndexOption.help) var sampleIndex: String?

    var destination: OutputOption {
        var o = OutputOption()
        o.output = output
        return o
    }
    var frames: FrameFilterOptions {
        var f = FrameFilterOptions()
        (f.focus, f.ignore, f.hide) = (focus, ignore, hide)
        return f
    }
    var pprof: SampleIndexOption {
        var p = SampleIndexOption()
        p.sampleIndex = sampleIndex
        return p
    }

    /// `folded` after --focus/--ignore/--hide; an error when they leave nothing of a fold that had stacks.
    func keptByFilter(_ folded: [UInt8], _ filter: FoldedFilter) throws -> [UInt8] {
        let kept = filter.apply(folded)
        if kept.isEmpty, !folded.isEmpty {
            throw UserError("\(displayName(input)): no stack is left after --focus/--ignore/--hide: nothing to print")
        }
        return kept
    }

    /// The groups' validation (frames only: the others have none), in their order, before the input's.
    func validate() throws {
        try frames.validate()
        try requireInput(input, Self.self)
    }

    func run() throws {
        let filter = try frames.filter()
        let dest = try OutputFile(destination.output)
        let progress = Progress.start(reading: [input], outputFile: destination.output)
        defer { progress?.stop() }
        let file: MappedFile
        do { file = try openInput(input) } catch { throw unreadableInput(input, error.message) }
        try pprof.rejectUnless(pprof: isPprof(file), input)
        if isPprof(file) {
            let folded = try keptByFilter(try pprofFolded(file, input, pprof), filter)
            var out = dest.buffer()
            out.append(bytes: folded)
            out.flush()
            try dest.commit()
            return
        }
        if isPerfData(file) {
            for (set, name) in [(strict, "--strict"), (perlCompatible, "--perl-compatible"), (jit, "--jit")] where set {
                throw inapplicable(input, name, "applies to perf script text only, and this input is perf.data: drop it, or pass perf script's output")
            }
            if inline || context {
                throw UserError("--inline/--context read perf script text; perf.data frames are un-inlined already (--srcline adds file:line, --no-inline folds them)")
            }
            var o = try perf.checkedOptions(capture: input)
            o.includePID = pid
            o.includeTID = tid
            o.annotateKernel = kernel || all
            o.includeAddresses = addrs
            o.eventFilter = eventFilter
            var out = dest.buffer()
            out.append(bytes: try keptByFilter(try collapsePerf(file, o), filter))
            out.flush()
            try dest.commit()
            return
        }
        if looksBinary(file.bytes) { throw unreadableInput(input, "binary data that is not perf.data; \(collapseInputHint)") }
        if file.bytes.isEmpty { throw UserError("\(displayName(input)): empty input: nothing to fold; \(collapseInputHint)") }
        try perf.rejectOnText(input, "this input is perf script text", using: inline || context ? ["--symfs", "--binaries"] : [])
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
        if inline || context {
            c.inlineLookup = ScriptInlineLookup(symfs: perf.symfs, folders: perf.binaryDirs, context: context)
        }
        do {
            try c.feed(file.bytes, path: displayName(input))
        } catch {
            throw UserError(error.description)
        }
        c.finish()
        let folded = c.folded()
        if folded.isEmpty, c.unrecognizedLines > 0 {
            if looksFolded(file.bytes) {
                throw unreadableInput(input, "already folded stacks, which collapse does not read; pass it to `stackfold flamegraph` or `stackfold diff`")
            }
            throw unreadableInput(input, "not perf script text: none of its \(c.unrecognizedLines) lines could be read; \(collapseInputHint)")
        }
        if folded.isEmpty {
            throw UserError("\(displayName(input)): perf script text without a sample\(eventFilter.map { " of event \($0)" } ?? ""): nothing to fold")
        }
        var out = dest.buffer()
        out.append(bytes: try keptByFilter(folded, filter))
        out.flush()
        try dest.commit()
        for w in c.warnings { printError((w + "\n")) }
        for w in c.inlineLookup?.warnings ?? [] { printError("stackfold: warning: \(w)\n") }
        if c.unrecognizedLines > 0 {
            printError("stackfold: skipped \(c.unrecognizedLines) unrecognized lines\n")
        }
    }
}


func isPerfData(_ file: MappedFile) -> Bool {
    PerfFile.hasMagic(file.bytes)
}

func collapsePerf(_ file: MappedFile, _ o: PerfCollapseOptions) throws -> [UInt8] {
    try foldPerf(file, o) { c, _ in c.folded() }
}

/// `stack samples weight` lines and what the weights count, for a renderer that labels both.
func collapsePerfCounted(_ file: MappedFile, _ o: PerfCollapseOptions) throws -> (folded: [UInt8], unit: WeightUnit) {
    try foldPerf(file, o) { c, perf in (c.foldedCounted(), c.weightUnit) }
}

/// The last fold's tables, left for the process's exit to reclaim: freed entry by entry they cost 1.9 M
/// instructions on a 45,000-sample capture, 7.2 M on a cgo one, just before the process ends.
nonisolated(unsafe) private var lastFold: PerfCollapser?

private func foldPerf<T>(_ file: MappedFile, _ o: PerfCollapseOptions, render: (PerfCollapser, PerfFile) -> T) throws -> T {
    lastFold = nil  // a second fold (diff) frees the first before it starts, as before
    let perf: PerfFile
    do { perf = try PerfFile(file: file) } catch { throw UserError(error.description) }
    var timer = PhaseTimer()
    var c = PerfCollapser(options: o)
    do { try c.collapse(perf) } catch { throw UserError(error.description) }
    timer.lap("perf.data folded")
    if perf.isPipe, c.capturedSamples == 0 { throw UserError(PerfCollapser.noSampleInPipe(perf.path)) }
    // An empty fold is never printed as if it were one: collapse, flamegraph, diff and top fail on it.
    if let why = c.nothingFolded(perf) { throw UserError(why) }
    for w in c.warnings { printError("stackfold: warning: \(w)\n") }
    let text = render(c, perf)
    timer.lap("folded stacks rendered")
    lastFold = consume c
    return text
}

/// Options for symbolizing a perf.data capture (collapse, flamegraph).
struct PerfSymbolOptions: ParsableArguments {
    @Flag(name: .customLong("no-inline"), help: "perf.data: fold inlined frames into their caller.") var noInline = false
    @Flag(name: .customLong("annotate-inline"), help: "perf.data: mark inlined frames with _[i].") var annotateInline = false
    @Flag(name: .customLong("raw-names"), help: "perf.data: names as the linker wrote them (generic shapes kept).") var rawNames = false
    @Flag(name: .customLong("no-demangle"), help: "perf.data: C++ and Rust symbol names as the linker wrote them (by default demangled as perf script prints them).") var noDemangle = false
    @Flag(name: .customLong("elf-names"), help: "perf.data: ELF symbol names, as perf script prints them (no inlines); a stripped Go binary's from its pclntab, where perf has none.") var elfNames = false
    @Flag(name: .customLong("keep-wrappers"), help: "perf.data: keep Go wrapper frames and runtime.goexit.") var keepWrappers = false
    @Flag(help: "perf.data: add file:line to each frame.") var srcline = false
    @Flag(name: .customLong("as-recorded"), help: "perf.data: stacks exactly as perf recorded them, without adding the Go callers a frame-pointer walk skips (see docs/stack-truth.md) and without unwinding --call-graph dwarf samples (their user part is then the sampled address alone; docs/dwarf-unwinding.md).")
    var asRecorded = false
    @Flag(name: .customLong("count-samples"), help: "perf.data: weight by sample count instead of period. Folded counts are perf's periods by default, summed as stackcollapse-perf.pl sums them: nanoseconds for cpu-clock and task-clock, events for counters such as cycles (docs/units.md).") var countSamples = false
    @Option(help: "perf.data: look for binaries under this root first, like perf --symfs.") var symfs: String?
    @Option(name: .customLong("build-id-dir"), help: "perf.data: folders searched by build-id (.build-id/ab/cdef…, perf's ~/.debug).")
    var buildIDDirs: [String] = []
    @Option(name: .customLong("binaries"), help: "perf.data: folders of binaries (any layout), matched to the capture by build-id.")
    var binaryDirs: [String] = []
    @Flag(name: .customLong("no-debug-file"), help: "perf.data: never use separate debug files (.build-id/ab/cdef….debug, .gnu_debuglink; under --symfs when set) for binaries without symbols or DWARF.")
    var noDebugFile = false
    @Option(name: .customLong("debuginfod"), help: ArgumentHelp(
        "perf.data: debuginfod server asked by build-id for binaries not found locally; repeatable. Without it, the servers in DEBUGINFOD_URLS are used, as perf and gdb do (now: \(environment("DEBUGINFOD_URLS").map { $0.isEmpty ? "empty" : $0 } ?? "unset")). Downloads are cached in DEBUGINFOD_CACHE_PATH, else ~/.cache/debuginfod_client.",
        valueName: "url"))
    var debuginfodURLs: [String] = []
    @Flag(name: .customLong("no-debuginfod"), help: "perf.data: never ask a debuginfod server (ignores --debuginfod and DEBUGINFOD_URLS).")
    var noDebuginfod = false
    @Option(name: .customLong("debuginfod-timeout"), help: ArgumentHelp(
        "perf.data: longest wait for one debuginfod download, connecting included (default: DEBUGINFOD_TIMEOUT, else 30).", valueName: "seconds"))
    var debuginfodTimeout: Int?
    @Option(help: ArgumentHelp("perf.data: kernel symbols in /proc/kallsyms format (copy it from the host that recorded). Without it, this machine's are used when the capture was made here.", valueName: "file"))
    var kallsyms: String?
    @Option(name: .customLong("only-pid"), help: "perf.data: keep only these pids.") var onlyPIDs: [Int32] = []
    @Option(name: .customLong("only-tid"), help: "perf.data: keep only these tids.") var onlyTIDs: [Int32] = []
    @Option(name: .customLong("only-comm"), help: "perf.data: keep only these comms.") var onlyComms: [String] = []
    @Option(name: .customLong("only-cpu"), help: "perf.data: keep only these cpus.") var onlyCPUs: [UInt32] = []
    @Option(help: ArgumentHelp("perf.data: keep samples in this time window, in seconds as perf script prints them; either side may be empty.",
                               valueName: "start,end"))
    var time: String?

    func options() -> PerfCollapseOptions {
        var o = PerfCollapseOptions()
        o.inlines = !noInline
        o.annotateInline = annotateInline
        o.rawNames = rawNames
        o.elfNames = elfNames
        o.demangle = !noDemangle
        o.keepWrappers = keepWrappers
        o.srcline = srcline
        o.recordedStacks = asRecorded
        o.weightByPeriod = !countSamples
        o.binaries.symfs = symfs
        let home = environment("HOME") ?? "/root"
        o.binaries.buildIDDirs = buildIDDirs + ["\(home)/.debug", "/usr/lib/debug"]
        o.binaries.searchDirs = binaryDirs
        o.binaries.debugFiles = !noDebugFile
        o.binaries.debuginfod = debuginfod()
        o.binaries.kernelSymbolCache = DebugSectionCache.folder(environment: environment)
        o.binaries.debugSectionCache = o.binaries.kernelSymbolCache
        o.pids = Set(onlyPIDs)
        o.tids = Set(onlyTIDs)
        o.comms = Set(onlyComms)
        o.cpus = Set(onlyCPUs)
        o.kallsyms = kallsyms
        return o
    }

    /// --debuginfod, else DEBUGINFOD_URLS; nil when neither names a server or --no-debuginfod.
    func debuginfod() -> DebuginfodConfig? {
        if noDebuginfod { return nil }
        let urls = debuginfodURLs.isEmpty ? DebuginfodConfig.urls(fromEnvironmentValue: environment("DEBUGINFOD_URLS")) : debuginfodURLs
        let timeout = debuginfodTimeout ?? environment("DEBUGINFOD_TIMEOUT").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 30
        let maxBytes = environment("DEBUGINFOD_MAXSIZE").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? DebuginfodConfig.defaultMaxBytes
        return urls.isEmpty ? nil : DebuginfodConfig(urls: urls, timeoutSeconds: timeout, maxBytes: maxBytes)
    }

    func validate() throws {
        if let time { _ = try parseTimeRange(time) }
        for b in binaryDirs where SymbolSources.kind(of: b) == nil {
            throw ValidationError("--binaries \(b): no such file or folder (pass a binary or a folder holding it)")
        }
        if let t = debuginfodTimeout, t < 1 { throw ValidationError("--debuginfod-timeout \(t): expected a number of seconds >= 1") }
        for u in debuginfodURLs where !(u.hasPrefix("http://") || u.hasPrefix("https://") || u.hasPrefix("file://")) {
            throw ValidationError("--debuginfod \(u): expected a server URL (http://host:port, https://…)")
        }
    }

    /// The options, with the time window parsed.
    func checkedOptions(capture input: String) throws -> PerfCollapseOptions {
        var o = options()
        o.binaries.captureFolder = captureFolder(of: input)
        if let time { o.timeRange = try parseTimeRange(time) }
        return o
    }
}

/// `start,end` in seconds (`12345.678901,12346`) -> nanoseconds; an empty side is open.
func parseTimeRange(_ s: String) throws -> ClosedRange<UInt64> {
    let parts = s.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count == 2 else { throw ValidationError("--time \(s): expected start,end in seconds (either may be empty)") }
    func ns(_ p: Substring, _ open: UInt64) throws -> UInt64 {
        let t = p.trimmingPrefix(" ")
        if t.isEmpty { return open }
        let sec = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = UInt64(sec[0].isEmpty ? "0" : String(sec[0])) else { throw ValidationError("--time \(s): \(p) is not a number of seconds") }
        var frac: UInt64 = 0
        if sec.count == 2 {
            let digits = String(sec[1].prefix(9))
            guard digits.allSatisfy(\.isASCII), let f = UInt64(digits.isEmpty ? "0" : digits) else {
                throw ValidationError("--time \(s): \(p) is not a number of seconds")
            }
            frac = f
            for _ in digits.count..<9 { frac *= 10 }
        }
        return whole * 1_000_000_000 + frac
    }
    let a = try ns(parts[0], 0), b = try ns(parts[1], .max)
    guard a <= b else { throw ValidationError("--time \(s): start after end") }
    return a...b
}

/// Frame filters for every output of folded stacks.
struct FrameFilterOptions: ParsableArguments {
    @Option(help: Self.focusHelp) var focus: [String] = []
    @Option(help: Self.ignoreHelp) var ignore: [String] = []
    @Option(help: Self.hideHelp) var hide: [String] = []

    // Shared with the commands that declare the three options themselves (collapse).
    static let focusHelp = ArgumentHelp("Keep only stacks with a frame matching this regex (as pprof -focus); repeatable.", valueName: "regex")
    static let ignoreHelp = ArgumentHelp("Drop stacks with a frame matching this regex (pprof -ignore); repeatable.", valueName: "regex")
    static let hideHelp = ArgumentHelp("Remove frames matching this regex from stacks, keeping the rest (pprof -hide); repeatable.", valueName: "regex")

    func validate() throws { _ = try filter() }

    func filter() throws -> FoldedFilter {
        do { return try FoldedFilter(focus: focus, ignore: ignore, hide: hide) } catch { throw ValidationError(error.description) }
    }
}

/// The folder of a capture given by path (nil for standard input): where its binary is looked for last,
/// as users copy perf.data and the binary together.
func captureFolder(of input: String) -> String? {
    guard input != "-", !input.isEmpty else { return nil }
    guard let slash = input.lastIndex(of: "/") else { return "." }
    return slash == input.startIndex ? "/" : String(input[..<slash])
}

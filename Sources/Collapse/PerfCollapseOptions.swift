// What a perf.data fold is asked for.
import BinaryIO
import PerfData
import Symbolize

/// Options for folding perf.data directly.
public struct PerfCollapseOptions: Sendable {
    public var includePID = false
    public var includeTID = false
    public var annotateKernel = false
    /// `_[i]` on inlined frames.
    public var annotateInline = false
    public var includeAddresses = false
    /// Show inlined frames (as Go's pprof does); off folds them into their caller.
    public var inlines = true
    /// Names as the linker wrote them (generic shapes kept) instead of runtime.Frame.Function's.
    public var rawNames = false
    /// ELF symbol names, as perf script prints them, instead of Go's pclntab (no inlines).
    public var elfNames = false
    /// C++ and Rust (legacy) symbol names demangled as perf prints them; off: as the linker wrote them.
    public var demangle = true
    /// Keep wrapper frames and runtime.goexit (Go's tracebacks hide them).
    public var keepWrappers = false
    /// `file:line` in each frame name.
    public var srcline = false
    /// Weight by period (as stackcollapse-perf.pl does) or count samples.
    public var weightByPeriod = true
    public var eventFilter: String?
    public var pids: Set<Int32> = []
    public var tids: Set<Int32> = []
    public var comms: Set<String> = []
    public var cpus: Set<UInt32> = []
    /// Sample time range in ns, as recorded.
    public var timeRange: ClosedRange<UInt64>?
    /// Where binaries and this machine's kernel symbols are looked for (see `SymbolSources.Options`).
    public var binaries = SymbolSources.Options()
    /// Kernel symbols in /proc/kallsyms format. Without it, this machine's /proc/kallsyms is used when the
    /// capture's hostname and kernel release are this machine's (the same kernel); else kernel frames stay
    /// `[kernel.kallsyms]`.
    public var kallsyms: String?
    public var useRunningKernel = true
    /// Keep one record per sample (time, thread, stack index) for attribution.
    public var recordSamples = false
    /// Keep every sample's stack as locations too (address, mapping, names per entry), for pprof
    /// (see Locations.swift).
    public var recordLocations = false
    /// Stacks exactly as perf recorded them (`--as-recorded`): without the frame-pointer repair (see
    /// Unwind/StackTruth.swift), and `--call-graph dwarf` samples not unwound (their user part is the sampled
    /// address alone).
    public var recordedStacks = false
    /// `script`: callchain entries printed per sample at most, as perf script's --max-stack; nil: all.
    public var maxStack: Int?
    public init() {}
}

extension PerfCollapseOptions {
    /// A symbolizer's function name as folded and printed: C++ and Rust names demangled (unless not
    /// `demangle`; their brackets are not Go's), Go's generic shapes shortened (unless `rawNames`).
    func displayName(_ function: String) -> String {
        // The first byte before hasPrefix: this runs per new frame, and almost no Go name starts with `_`.
        if demangle, function.utf8.first == 0x5f, function.hasPrefix("_Z") {
            let d = demangledName(function)
            if d != function { return d }
        }
        return rawNames ? function : goPrintName(function)
    }
}

// What a perf.data fold is asked for, and where it finds the binaries a capture names.
import BinaryIO
import PerfData
import Symbolize

#if canImport(Glibc)
import Glibc
#endif

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
    public var binaries = BinaryLocator()
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
    public init() {}
}

/// Where binaries named by a capture are found: the recorded path, under a symfs root, or by build-id
/// in `.build-id/xx/yyyy` folders and perf's `~/.debug` cache; then, if set, from debuginfod servers.
public struct BinaryLocator: Sendable {
    public var symfs: String?
    public var buildIDDirs: [String] = []
    /// Folders of binaries in any layout, and binaries themselves, matched to the capture by build-id
    /// (scanned once).
    public var searchDirs: [String] = []
    /// The capture's own folder, where users copy the binary with perf.data: its files (not subfolders)
    /// are matched as `searchDirs` are, after them.
    public var captureFolder: String?
    /// Servers asked by build-id for binaries not found locally. Off (nil) unless set: the library never
    /// reads `DEBUGINFOD_URLS` itself, so tests and embedders stay offline; the command line sets it.
    public var debuginfod: DebuginfodConfig?
    /// Look for separate debug files (`.build-id/ab/cdef….debug`, `.gnu_debuglink`) of binaries without
    /// `.symtab` or DWARF, in `buildIDDirs` and `searchDirs`; `/usr/lib/debug` among `buildIDDirs` is the
    /// global debuglink folder too, and is looked up under `symfs` when set, as perf does.
    public var debugFiles = true
    public init() {}

    /// Where debug files are looked for; `scannedDebugFiles`: debug-only files found in `searchDirs`.
    public func debugFileSearch(scannedDebugFiles: [String: String] = [:]) -> DebugFileSearch {
        let system = "/usr/lib/debug"
        let dirs = buildIDDirs.map { $0 == system ? (symfs ?? "") + system : $0 }
        let global = buildIDDirs.contains(system) ? [(symfs ?? "") + system] : []
        return DebugFileSearch(buildIDDirs: dirs, byBuildID: scannedDebugFiles, globalDirs: global, root: symfs)
    }

    public func candidates(path: String, buildID: String?) -> [String] {
        var out: [String] = []
        // The recorded name is the capture's: normalised and kept inside the root, symlinks included.
        if let symfs, let p = ConfinedPath.join(root: symfs, path) { out.append(p) }
        if let id = buildID, ConfinedPath.isBuildID(id) {
            let head = String(id.prefix(2)), tail = String(id.dropFirst(2))
            for d in buildIDDirs {
                out.append("\(d)/.build-id/\(head)/\(tail)")
                out.append("\(d)/.build-id/\(head)/\(tail).debug")
                out.append("\(d)/\(head)/\(tail)")
                // perf's cache: ~/.debug/.build-id/ab/cdef…/elf
                out.append("\(d)/.build-id/\(head)/\(tail)/elf")
            }
        }
        if symfs == nil { out.append(path) }
        return out
    }

    /// perf's copy of a process's `[vdso]`, kept by build-id in its cache (`~/.debug/.build-id/ab/cdef…/vdso`).
    public func vdsoCandidates(buildID: String?) -> [String] {
        guard let id = buildID, ConfinedPath.isBuildID(id) else { return [] }
        let head = String(id.prefix(2)), tail = String(id.dropFirst(2))
        return buildIDDirs.map { "\($0)/.build-id/\(head)/\(tail)/vdso" }
    }
}

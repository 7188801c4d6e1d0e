import Collapse
import PerfData

/// Folds `file` with the go1.25 fixture binaries only (no symfs, not this machine's kernel), ELF names and
/// wrappers kept so that frames compare with perf script's. Kernel-frame warnings are left out: tests do not
/// read this machine's kallsyms. `configure` sets what a test varies (event, recorded stacks).
func foldWithGo125Binaries(_ file: PerfFile, _ configure: (inout PerfCollapseOptions) -> Void = { _ in }) throws
    -> (folded: String, warnings: [String])
{
    var o = PerfCollapseOptions()
    o.binaries.symfs = "/nonexistent"
    o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.25").path]
    o.useRunningKernel = false
    o.elfNames = true
    o.keepWrappers = true
    configure(&o)
    var c = PerfCollapser(options: o)
    try c.collapse(file)
    return (String(decoding: c.folded(), as: UTF8.self), c.warnings.filter { !$0.hasPrefix("kernel frames") })
}

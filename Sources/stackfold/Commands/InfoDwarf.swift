import Collapse
import PerfData

extension InfoCommand {
    /// For `--call-graph dwarf` captures: how the samples' user stacks unwind
    /// (the fold's own unwinder), so that stacks cut by the dump are counted, not guessed. Empty otherwise.
    func dwarfStackLines(_ file: PerfFile) -> String {
        let dump = file.events.map { Int($0.attr.sampleStackUser) }.max() ?? 0
        guard dump > 0 else { return "" }
        var o = PerfCollapseOptions()
        o.binaries.symfs = symfs
        o.binaries.searchDirs = binaryDirs
        let home = environment("HOME") ?? "/root"
        o.binaries.buildIDDirs = ["\(home)/.debug", "/usr/lib/debug"]
        o.useRunningKernel = false
        var c = PerfCollapser(options: o)
        guard (try? c.collapse(file)) != nil else { return "" }
        let st = c.unwindStats
        // The dump size itself is on the call-graph line (InfoCallGraph.swift).
        var out =
            "# user stacks unwound: \(st.samples) samples: \(st.root) to their root, \(st.truncated) cut by the \(dump)-byte dump, "
            + "\(st.stackSwitch) ended at a stack switch, \(st.copyEnded) ended where the kernel's copy of the stack did (a page it "
            + "could not read), \(st.other) ended elsewhere (code without unwind information, or its binary not found)\n"
        if st.truncated > 0 {
            out +=
                "# hint: \(st.truncated) stacks end in [truncated: stack dump \(dump) bytes]; record with --call-graph dwarf,65528 for deeper stacks\n"
        }
        return out
    }
}

import PerfData

/// Samples whose user stack was recorded for unwinding (`--call-graph dwarf`) but whose callchain, as
/// folded, holds one user frame: their stacks are leaf-only, which looks like a flat profile rather than
/// a missing unwind. The one check: a recorded user stack and at most one user frame in the chain the
/// fold used (an unwinder that fills the chain in before this is called silences it).
extension PerfCollapser {
    @inline(__always)
    mutating func noteLeafOnly(_ s: Sample, chain: U64View) {
        guard s.userStack.count > 0 else { return }
        var user = 0, inUser = s.cpuMode == .user
        for v in chain {
            if CallchainContext.isMarker(v) { inUser = v == CallchainContext.user; continue }
            if inUser { user &+= 1; if user > 1 { return } }
        }
        leafOnlySamples &+= 1
    }

    mutating func warnLeafOnly() {
        guard leafOnlySamples > 0 else { return }
        warnings.append(
            "\(leafOnlySamples) of \(samples) samples have a recorded user stack (--call-graph dwarf) that was not unwound: "
                + "their stacks stop at the leaf frame (--as-recorded turns unwinding off; otherwise the binaries were not found: pass --binaries DIR)"
        )
    }
}

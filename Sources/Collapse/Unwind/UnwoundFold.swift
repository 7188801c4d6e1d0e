// The fold of an unwound (`--call-graph dwarf`) sample: the names of its user frames come from the
// frame-rule cache's slots (`FlatRuleCache`), which the unwinder has just probed for each frame, so a
// frame seen before costs no second hash probe (`appendNames`' per-entry lookup was about a third of a
// dwarf sample's fold). The kernel part and frames not yet named go through `appendChain`/`appendNames`.
import PerfData

extension PerfCollapser {
    /// Appends the names of the chain `unwindUserStack` wrote, root first, as `appendChain` over
    /// `stackTruth.chain` does: the truncation marker, the user frames outermost first, the kernel part.
    mutating func appendUnwound(_ s: Sample, model: ProcessModel, to scratch: inout FrameScratch) {
        if stackTruth.chain.pending { writeUnwoundChain(s) }
        let named = unwindState.frameNames, count = unwindState.frameCount
        // The frames' names as the rule cache has them now: the unwinder did not copy them (most samples
        // repeat a chain folded before, and need none). A name is a function of the slot's key alone.
        let frames = unwindState.frames
        for i in 0..<count {
            let f = frames[i]
            named[i] = stackTruth.unwindRules.find(f.address, tag: FlatRuleCache.tag(pid: s.pid, exact: f.exact))?.names
                ?? FlatRuleCache.unnamed
        }
        // The marker, when the dump cut the stack, is the chain's last entry.
        let last = stackTruth.chain.count - 1
        if last >= 0, stackTruth.chain.origins[last] == .truncated {
            scratch.append(UInt32(truncatingIfNeeded: stackTruth.chain.entries[last]))
        }
        // Every frame named before (all but a sample's first sight of a PC): the names copied in one pass.
        if let total = FlatRuleCache.nameCount(named, count: count) {
            scratch.append(count: total) { stackTruth.unwindRules.copyNames(named, count: count, to: $0) }
        } else {
            appendUnwoundFrames(s, model: model, to: &scratch)
        }
        let k = unwindState.kernelEntries
        if k > 0 {
            let t = stackTruth.chain
            t.entries.withUnsafeBufferPointer { e in
                appendChain(UnsafeBufferPointer(rebasing: e[..<k]), origins: nil, s, model: model, to: &scratch)
            }
        }
    }

    /// The user frames of `appendUnwound` one by one, naming (and recording the names of) frames not named yet.
    mutating func appendUnwoundFrames(_ s: Sample, model: ProcessModel, to scratch: inout FrameScratch) {
        let frames = unwindState.frames, named = unwindState.frameNames
        var i = unwindState.frameCount - 1
        while i >= 0 {
            let f = frames[i]
            let run = named[i]
            if run != FlatRuleCache.unnamed {
                stackTruth.unwindRules.appendNames(run, to: &scratch)
            } else {
                // A user frame's entry in the chain follows a context marker exactly when it is exact.
                let start = scratch.count
                appendNames(for: f.address, mode: .user, exact: f.exact, pid: s.pid, model: model, to: &scratch)
                let tag = FlatRuleCache.tag(pid: s.pid, exact: f.exact)
                scratch.withIDs { ids in
                    stackTruth.unwindRules.setNames(f.address, tag: tag, UnsafeBufferPointer(rebasing: ids[start...]))
                }
            }
            i -= 1
        }
    }
}

extension PerfCollapser {
    /// `writeUnwoundChain` without the writing: the chain's length and hash (`chainBody`), for the chain fold
    /// cache's probe (`findUnwoundFold`); `stackTruth.chain` is left pending. A sample with a kernel part
    /// (rare in a Go capture) is written at once: the compare then needs no walk of its callchain.
    @inline(__always)
    mutating func keyUnwoundChain(_ s: Sample) {
        var kernel = false
        Self.forEachKernelEntry(s) { _, _, _ in kernel = true }
        if kernel { return writeUnwoundChain(s) }
        let f = unwindState.frames, count = unwindState.frameCount
        // A frame's entry, and a context marker before the first frame and before each exact one.
        var n = count &+ (unwindState.cutMarker != nil ? 1 : 0), h: UInt64 = 0
        var i = 0
        while i < count {
            let frame = f[i]
            n &+= i == 0 || frame.exact ? 1 : 0
            h = ChainFoldCache.fold(h, frame.address)
            i &+= 1
        }
        unwindState.kernelEntries = 0
        unwindState.chainBody = h
        unwindState.chainCount = n
        stackTruth.chain.pending = true
    }

    /// Whether `p` (as long as the chain) holds the chain `writeUnwoundChain` would write for a sample without
    /// a kernel part: `frames` and `marker` as `keyUnwoundChain` left them.
    @inline(__always)
    static func unwoundChainEquals(
        _ p: UnsafeBufferPointer<UInt64>, frames f: UnsafePointer<UnwoundFrame>, count: Int, marker: UInt32?
    ) -> Bool {
        var k = 0, i = 0
        while i < count {
            let frame = f[i]
            if i == 0 || frame.exact {
                guard p[k] == CallchainContext.user else { return false }
                k &+= 1
            }
            guard p[k] == frame.address else { return false }
            k &+= 1
            i &+= 1
        }
        if let m = marker { return p[k] == UInt64(m) }
        return true
    }
}

extension FoldStack {
    /// Whether the stack is in `stackTruth.chain`.
    var readsChain: Bool {
        switch self {
        case .chain, .unwound: return true
        default: return false
        }
    }
}

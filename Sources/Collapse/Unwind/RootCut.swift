// Frame-pointer chains past a Go root: perf's walk does not know where a Go stack ends, so on threads
// whose root frame leaves BP stale (`runtime.mstart` on sysmon and other Ms started by clone, Go 1.21–1.25)
// it goes on reading whatever the stack held above it: `[unknown];[unknown];runtime.wbBufFlush1;
// runtime.mstart;…`, or stale Go frames (`runtime.morestack;runtime.newstack;runtime.gopreempt_m;
// runtime.mstart;…`). The Go linker marks root functions TOPFRAME (`goexit`, `mstart`, `rt0_go`;
// internal/abi FuncFlagTopFrame: "call stack unwinders should stop at this function"), and the runtime's
// unwinder stops there; so does this stage: a chain is cut after its first user entry in a TOPFRAME
// function (and a TOPFRAME caller right after it: `rt0_go` calling `mstart` on m0). The signal handler
// `runtime.sigtramp` is TOPFRAME too but is left alone: what perf records above it is the interrupted
// code's callers (docs/stack-truth.md).

import PerfData
import Symbolize

extension PerfCollapser {
    /// How many entries of the sample's recorded chain to keep: nil when the chain does not go on past a Go
    /// root (most samples: their last entry is `goexit+1` or `mstart+5`, remembered per address).
    mutating func rootCut(_ s: Sample, model: ProcessModel) -> Int? {
        let chain = s.callchain
        let n = chain.count
        guard n >= 2 else { return nil }
        let last = chain[n - 1]
        if CallchainContext.isMarker(last) { return nil }
        let pid = UInt64(UInt32(bitPattern: s.pid))
        let slot = Int(truncatingIfNeeded: mix64(last ^ pid << 40) & UInt64(StackTruthState.rootTailSlots - 1)) &* 2
        if stackTruth.rootTails[slot] == last && stackTruth.rootTails[slot + 1] == pid | 1 << 63 { return nil }
        if isGoRoot(pid: s.pid, last, exact: false, model: model) {
            stackTruth.rootTails[slot] = last
            stackTruth.rootTails[slot + 1] = pid | 1 << 63
            return nil
        }
        // The last entry is not a root: look for one before it (user entries only; the first is exact).
        var mode = s.cpuMode
        var firstUser = true
        var i = 0
        while i < n - 1 {
            let v = chain[i]
            if CallchainContext.isMarker(v) {
                mode = CallchainContext.mode(of: v)
            } else if mode == .user {
                if isGoRoot(pid: s.pid, v, exact: firstUser, model: model) {
                    // A root's caller that is a root too (rt0_go -> mstart) is a real frame.
                    while i + 1 < n, isGoRoot(pid: s.pid, chain[i + 1], exact: false, model: model) { i += 1 }
                    return i + 1 < n ? i + 1 : nil
                }
                firstUser = false
            }
            i += 1
        }
        return nil
    }

    /// Whether the user address is in a Go TOPFRAME function other than the signal handler.
    @inline(__always)
    mutating func isGoRoot(pid: Int32, _ a: UInt64, exact: Bool, model: ProcessModel) -> Bool {
        goFrameKind(pid: pid, a, exact: exact, model: model) & GoFrameKind.root != 0
    }

    /// What the stack-truth stage needs to know of the Go function holding a user address (`GoFrameKind`
    /// bits); cached per (pid, address, exactness) until the maps change.
    mutating func goFrameKind(pid: Int32, _ a: UInt64, exact: Bool, model: ProcessModel) -> UInt32 {
        let tag = UInt64(UInt32(bitPattern: pid)) << 1 | (exact ? 1 : 0) | 1 << 62
        if let (start, _) = stackTruth.roots.find(a, tag: tag) { return stackTruth.roots.pool[start] }
        var kind: UInt32 = 0
        if a < 1 << 63, a > 0, let (_, p, va, _) = goCode(pid: pid, a, model: model) {
            // A return address is looked up at pc - 1, except at a function's entry (`runtime.Frames.Next`):
            // the signal restorer's, planted by the kernel, is its entry.
            var k = p.funcKind(at: exact ? va : va &- 1)
            if !exact, k == nil || k!.end == va { k = p.funcKind(at: va) }
            if let f = k, f.flags.contains(.topFrame) || f.funcID != 0 || f.flags.contains(.asm),
               let named = p.frameInfo(at: f.entry) {
                if DwarfUnwinder.isGoRoot(flags: f.flags, name: named.name) { kind |= GoFrameKind.root }
                if DwarfUnwinder.callerIsExact(named) { kind |= GoFrameKind.injectedCall }
                if DwarfUnwinder.isGoSigreturn(named.name) { kind |= GoFrameKind.signalReturn }
            }
        }
        stackTruth.roots.insert(a, tag: tag, one: kind)
        return kind
    }

    /// Writes `stackTruth.chain`: the first `keep` entries of the recorded chain, with the repair's caller
    /// (if any) inserted after the leaf and, when `injected`, the edits after injected calls
    /// (`stackTruth.injected`: a marker before each interrupted PC, a skipped caller after it).
    mutating func writeChain(_ s: Sample, insertion ins: ChainInsertion?, keep: Int, injected: Bool = false) {
        let chain = s.callchain
        let firstMode = s.cpuMode
        let edits = injected ? stackTruth.injected.filter { $0.at < keep } : []
        let extra = (ins != nil && ins!.after < keep ? 1 : 0)
            + edits.reduce(0) { $0 + ($1.exact ? 1 : 0) + ($1.insertion == nil ? 0 : 1) }
        // Written in place, in one pass over storage made ready once (not an append per entry).
        stackTruth.chain.write(keep + extra) { e, o in
            var mode = firstMode
            var k = 0, next = 0
            func put(_ add: ChainInsertion) {
                (e[k], o[k]) = (add.value, add.named ? .placeholder : .callSite)
                k &+= 1
            }
            for i in 0..<keep {
                let v = chain[i]
                let edit = next < edits.count && edits[next].at == i ? edits[next] : nil
                if edit != nil { next &+= 1 }
                if edit?.exact == true {
                    (e[k], o[k]) = (CallchainContext.user, .recorded)
                    k &+= 1
                }
                let marker = CallchainContext.isMarker(v)
                if marker { mode = CallchainContext.mode(of: v) }
                e[k] = v
                o[k] = marker ? .recorded : Self.recordedOrigin(mode, hasChain: true)
                k &+= 1
                if let ins, i == ins.after { put(ins) }
                if let add = edit?.insertion { put(add) }
            }
        }
    }
}

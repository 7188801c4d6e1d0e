// Calls the Go runtime injects at an interrupted PC: async preemption (`runtime.asyncPreempt`, entered from
// the preemption signal), a fault (`runtime.sigpanic`) and the debugger's `debugCallV2`. The return address
// such a frame holds is the interrupted PC itself, not the end of a CALL: the runtime's traceback looks it up
// exactly (traceback.go: `injectedCall` sets `unwindTrap`; `runtime.Callers` hands it out so that
// `CallersFrames`' pc−1 lands on it), and so must we. Looked up at pc−1 like a return address, the frame
// can get inlined frames that are not there (`main.mix` inlined at the instruction before the one
// interrupted), or the previous function's name when the PC is at a function's first instruction.
//
// In a `-g` chain the entry after an injected call's frame (once that frame has set BP: not at
// `asyncPreempt+0`) is therefore marked exact, the way perf marks
// the first entry of a context: a PERF_CONTEXT_USER marker is written before it (every consumer of a chain
// treats the first entry after a marker as an exact PC). The dwarf unwinder decides the same per frame
// (`DwarfUnwinder.callerIsExact`).
//
// The fold looks for them only in a chain whose names hold an injected call's (`mayHoldInjectedCall`):
// looking up every entry's function beforehand cost 14 M instructions (6 %) of the fp bench capture.
// `script` looks again the same way at a stack whose rendered frames name one; folds that record
// locations look beforehand.
//
// A signal handler's frame is alike: its return address is Go's restorer (`runtime.sigreturn__sigaction`,
// planted by the kernel), and the entries after it come from the interrupted code's BP, so the function
// the signal interrupted is missing, as a frameless leaf's caller is. The CALL that ends at the next
// entry names it (or a placeholder stands for it): the repair of the pair (restorer, next entry). A
// restorer that is the sample's first user entry (inside its rt_sigreturn) is the leaf's repair's already.
//
// The interrupted function is a leaf like the sampled one: when it had not set up its frame pointer (a
// frameless function), perf's walk skips its caller there too, so the frame-pointer repair runs on that
// (entry, next entry) pair as it does on the sample's leaf.

import PerfData
import Symbolize

/// Bits of `PerfCollapser.goFrameKind`.
enum GoFrameKind {
    /// A TOPFRAME function other than the signal handler: the stack ends there (RootCut.swift).
    static let root: UInt32 = 1
    /// A function the runtime enters by an injected call: its caller's entry is an exact PC.
    static let injectedCall: UInt32 = 2
    /// Go's signal return trampoline (`DwarfUnwinder.goSigreturns`): the kernel planted it as the return
    /// address of the signal handler's frame.
    static let signalReturn: UInt32 = 4
}

/// An edit of a recorded chain: when `exact`, a marker before the entry `at` (an interrupted PC); the
/// caller the frame-pointer walk skipped after it, if any.
struct InjectedEdit {
    var at: Int
    var exact: Bool
    var insertion: ChainInsertion?
}

extension DwarfUnwinder {
    /// `goInjectedCalls` and `goSigreturns`, each also with the `.abi0` the ELF symbol of an assembly
    /// function has.
    static let injectedOrRestorerNames: [String] = goInjectedCalls.union(goSigreturns).sorted().flatMap { [$0, $0 + ".abi0"] }
    /// Bit n set: some name of `injectedOrRestorerNames` is n bytes long.
    static let injectedOrRestorerLengths: UInt64 = injectedOrRestorerNames.reduce(0) { $0 | 1 << UInt64($1.utf8.count) }

    /// Whether a function name (as the pclntab or the ELF symbol table gives it) is a Go injected call's or
    /// signal restorer's. Asked of every new address's function: a length mask first, then equality.
    @inline(__always)
    static func isInjectedCallOrRestorer(_ name: String) -> Bool {
        let n = name.utf8.count
        guard n < 64, injectedOrRestorerLengths & 1 << UInt64(n) != 0 else { return false }
        // Lengths compared first: many names share a length with one of these, and a String compare costs ~90.
        return injectedOrRestorerNames.contains { $0.utf8.count == n && $0 == name }
    }
}

extension FoldStack {
    /// Whether the fold of this stack can need `injectedFoldStack`: a recorded chain, as is or repaired.
    @inline(__always) func mayHoldInjectedCall(_ s: Sample) -> Bool {
        switch self {
        case .unwound: return false
        case .recorded: return !s.callchain.isEmpty
        case .chain, .inserted: return true
        }
    }
}

extension PerfCollapser {
    /// Whether folded names hold an injected call's frame (names seen so far: `names(for:)` notes them
    /// before the fold asks); most captures have none, and then this is one test.
    @inline(__always)
    func mayHoldInjectedCall(_ scratch: FrameScratch) -> Bool {
        let flags = stackTruth.injectedNames
        guard !flags.isEmpty, !options.recordLocations, !options.recordedStacks else { return false }
        return flags.withUnsafeBufferPointer { f in
            scratch.withIDs { ids in ids.contains { Int($0) < f.count && f[Int($0)] } }
        }
    }

    /// Notes the name id of an address's physical frame when it is a Go injected call or signal restorer
    /// (never inlined: asm or runtime functions the runtime enters itself). `frames` root first.
    mutating func noteInjectedCallNames(_ frames: [(name: String, frame: SourceFrame?, symbols: Bool)], ids: [UInt32]) {
        guard !frames.isEmpty, ids.count == frames.count,
              DwarfUnwinder.isInjectedCallOrRestorer(frames[0].frame?.function ?? frames[0].name) else { return }
        let i = Int(ids[0])
        if stackTruth.injectedNames.count <= i {
            stackTruth.injectedNames += repeatElement(false, count: i + 1 - stackTruth.injectedNames.count)
        }
        stackTruth.injectedNames[i] = true
    }

    /// The fold's second look at a chain that named an injected call's frame: true when `stackTruth.chain`
    /// now holds it with the injected-call edits (as `findStack` writes it); false when there are none.
    mutating func injectedFoldStack(_ s: Sample, model: ProcessModel) -> Bool {
        // The first look counted the leaf's repair; this one only asks for it again.
        let counted = (stackTruth.inserted, stackTruth.placeholders)
        let ins = findRepair(s, model: model)
        (stackTruth.inserted, stackTruth.placeholders) = counted
        let keep = rootCut(s, model: model) ?? s.callchain.count
        guard findInjectedCalls(s, keep: keep, leafRepair: ins, model: model) else { return false }
        writeChain(s, insertion: ins, keep: keep, injected: true)
        return true
    }

    /// Finds the chain's injected calls among its first `keep` entries, into `stackTruth.injected`; true
    /// when there is one. `leafRepair`: what the leaf's repair inserted (a sample is counted once).
    mutating func findInjectedCalls(_ s: Sample, keep: Int, leafRepair: ChainInsertion?, model: ProcessModel) -> Bool {
        stackTruth.injected.removeAll(keepingCapacity: true)
        let chain = s.callchain
        var mode = s.cpuMode
        var exact = true
        var counted = (inserted: leafRepair != nil, placeholder: leafRepair?.named == true)
        var i = 0
        while i + 1 < keep {
            let v = chain[i]
            if CallchainContext.isMarker(v) {
                mode = CallchainContext.mode(of: v)
                exact = true
                i += 1
                continue
            }
            let next = chain[i + 1]
            if mode == .user, !CallchainContext.isMarker(next), next != 0, next < 1 << 63 {
                let kind = goFrameKind(pid: s.pid, v, exact: exact, model: model)
                if kind & GoFrameKind.injectedCall != 0, !exact || ownsFramePointer(pid: s.pid, v, model: model) {
                    let ins = i + 2 < keep ? repairAfterInjected(s, at: i + 1, counted: &counted, model: model) : nil
                    stackTruth.injected.append(InjectedEdit(at: i + 1, exact: true, insertion: ins))
                } else if kind & GoFrameKind.signalReturn != 0, !exact,
                          let ins = repairAfterInjected(s, at: i, counted: &counted, model: model) {
                    stackTruth.injected.append(InjectedEdit(at: i, exact: false, insertion: ins))
                }
            }
            exact = false
            i += 1
        }
        return !stackTruth.injected.isEmpty
    }

    /// Whether the function at exact PC `l` had set BP to its own frame, so that perf's next entry is the
    /// return address its frame holds: for an injected call's frame, the interrupted PC. Before that (at
    /// `asyncPreempt+0`, entered from a signal return) BP is still the interrupted code's, and the next
    /// entry an ordinary return address, which the leaf's repair looks at. Shares the repair's per-leaf cache.
    mutating func ownsFramePointer(pid: Int32, _ l: UInt64, model: ProcessModel) -> Bool {
        cachedLeafMaySkipCaller(pid: pid, leaf: l, model: model) == nil
    }

    /// The frame-pointer repair of the interrupted entry `at` and the one after it (FramePointerRepair.swift).
    mutating func repairAfterInjected(
        _ s: Sample, at: Int, counted: inout (inserted: Bool, placeholder: Bool), model: ProcessModel
    ) -> ChainInsertion? {
        let l = s.callchain[at], r = s.callchain[at + 1]
        guard !CallchainContext.isMarker(r), r != 0, r < 1 << 63 else { return nil }
        let ins: ChainInsertion
        switch cachedRepair(pid: s.pid, leaf: l, next: r, model: model) {
        case .none: return nil
        case .callSite(let a): ins = ChainInsertion(after: at, value: a, named: false)
        case .placeholder(let id):
            ins = ChainInsertion(after: at, value: UInt64(id), named: true)
            if !counted.placeholder { stackTruth.placeholders &+= 1 }
            counted.placeholder = true
        }
        if !counted.inserted { stackTruth.inserted &+= 1 }
        counted.inserted = true
        return ins
    }
}

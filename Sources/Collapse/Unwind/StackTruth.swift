// The stack-truth stage: turns a sample into the stack the program really had, for every output
// (collapse, flamegraph, script and its JSON, attribute, gc all read stacks through `PerfCollapser.findStack`).
//
// Layout: perf's own (leaf first, PERF_CONTEXT_* markers kept), so the consumers walk a true chain exactly as
// they walk a recorded one; each entry carries how it was found (`FrameOrigin`).
//
// Where a stack comes from is decided in ONE function, `findStack` below:
//   1. `--as-recorded` (options.recordedStacks), or a sample without a callchain: perf's chain as it is.
//   2. A frame-pointer callchain: `findRepair` (FramePointerRepair.swift) adds the caller perf's walk
//      skips when the sampled function had not set up its frame pointer; `rootCut` (RootCut.swift) ends a
//      chain that went on past a Go root.
//   3. `--call-graph dwarf` captures (PERF_SAMPLE_REGS_USER + STACK_USER): the copied user stack unwound
//      (Unwind/SampleUnwind.swift, Unwind/DwarfUnwind.swift): kernel entries as recorded, then the user part
//      with origins `pcsp`/`cfi`/`signal`, a cut stack ending in a `truncated` marker. Checked before 2.
//   4. Calls the Go runtime injects (asyncPreempt, sigpanic) and Go's signal restorer: looked for by the
//      caller once a stack's names hold one (`injectedFoldStack`, Unwind/InjectedCalls.swift).
// A function that rewrites the chain fills `stackTruth.chain` and returns true; false means "use
// `s.callchain` as recorded", which costs nothing (most samples).

import BinaryIO
import PerfData
import Symbolize

/// How one frame of a stack was found. Open: unwinders added later bring their own values.
public struct FrameOrigin: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Recorded by perf, not checked by stackfold: kernel frames, a sample without a callchain.
    public static let recorded = FrameOrigin(rawValue: 0)
    /// A user frame of perf's frame-pointer callchain (its first entry is the sampled PC itself).
    public static let fp = FrameOrigin(rawValue: 1)
    /// Unwound with Go's pclntab SP-delta table (the copied user stack of a dwarf capture).
    public static let pcsp = FrameOrigin(rawValue: 2)
    /// Unwound with DWARF call-frame information (`.eh_frame`, `.debug_frame`).
    public static let cfi = FrameOrigin(rawValue: 3)
    /// A caller the frame-pointer walk skipped, named by the direct CALL that ends at the next return
    /// address; its address is the return address of its unique call to the callee, else its entry.
    public static let callSite = FrameOrigin(rawValue: 4)
    /// A caller the frame-pointer walk skipped behind an indirect CALL (closure, interface method): the
    /// function is unknown, shown as `[caller of <callee>]`; its entry holds a name id, not an address.
    public static let placeholder = FrameOrigin(rawValue: 5)
    /// The PC a signal interrupted, read from the signal frame's saved context (dwarf captures).
    public static let signal = FrameOrigin(rawValue: 6)
    /// The marker ending a stack the stack copy cut short, `[truncated: stack dump N bytes]`; like a
    /// placeholder, its entry holds a name id.
    public static let truncated = FrameOrigin(rawValue: 7)

    /// Whether the entry holds a name id, not an address (placeholders and the truncation marker).
    @inline(__always) public var holdsName: Bool { self == .placeholder || self == .truncated }

    /// The name `script --json` prints in `"found"`.
    public var name: String {
        switch self {
        case .recorded: return "recorded"
        case .fp: return "fp"
        case .pcsp: return "pcsp"
        case .cfi: return "cfi"
        case .callSite: return "call-site"
        case .placeholder: return "placeholder"
        case .signal: return "signal"
        case .truncated: return "truncated"
        default: return "origin-\(rawValue)"
        }
    }
}

/// A rewritten chain, in perf's layout, with an origin per entry (markers get `.recorded`). Buffers are
/// reused from sample to sample: read only the first `count` entries.
struct TrueChain {
    var entries: [UInt64] = []
    var origins: [FrameOrigin] = []
    var count = 0
    /// The chain is the last unwound sample's, not written yet (`unwindUserStack(lazily:)`): a reader
    /// calls `writeUnwoundChain` first. Any write clears it.
    var pending = false

    mutating func removeAll() {
        count = 0
        pending = false
    }

    /// Makes `n` entries and lets `body` write all of them through their storage (a whole chain at once).
    mutating func write(
        _ n: Int, _ body: (UnsafeMutableBufferPointer<UInt64>, UnsafeMutableBufferPointer<FrameOrigin>) -> Void
    ) {
        if entries.count < n {
            entries += repeatElement(0, count: n - entries.count)
            origins += repeatElement(.recorded, count: n - origins.count)
        }
        entries.withUnsafeMutableBufferPointer { e in origins.withUnsafeMutableBufferPointer { o in body(e, o) } }
        count = n
        pending = false
    }

    mutating func append(_ v: UInt64, _ o: FrameOrigin) {
        if count < entries.count {
            entries[count] = v
            origins[count] = o
        } else {
            entries.append(v)
            origins.append(o)
        }
        count &+= 1
    }
}

/// The stage's state inside a collapser: the last rewritten chain and what was decided per address pair.
struct StackTruthState {
    var chain = TrueChain()
    /// Per (pid, leaf PC, next entry): the frame-pointer repair's answer, cleared when maps change.
    /// 4,096 slots: a bench capture decides ~4,000 pairs, and each doubling rehashes them all.
    var repairs = RepairCache(capacity: 1 << 12)
    /// Per (leaf PC, pid): 1 when the frame-pointer walk can have skipped the leaf's caller, else 0
    /// (`leafMaySkipCaller`); cleared when maps change.
    var leaves = FrameRunCache(capacity: 1 << 10)
    /// Per (function, callee entry) in a binary: the return addresses of its direct calls to the callee.
    var callSites: [CallSiteKey: [UInt64]] = [:]
    /// Per call target: its binary and the function the stub there tail-jumps to, 0 for none (`stubTarget`).
    var stubTargets = IntMap<(binary: ObjectIdentifier, target: UInt64)>()
    /// Placeholder names, interned once per leaf function.
    var placeholderNames: [String: UInt32] = [:]
    /// Samples whose chain got a caller inserted, and of those behind an indirect call (placeholders).
    var inserted = 0
    var placeholders = 0
    /// Per (pid, PC, exactness) of a dwarf sample's frame: its rule. The rules stay cached per mapping
    /// (`SampleUnwindState.rules`); this skips the map lookup.
    var unwindRules = FlatRuleCache()
    /// The mapping of the last new PC the unwinder resolved (`resolveFrameRule`); dropped when maps change.
    var unwindMapping: UnwindMapping?
    /// Per mapping id: its binary (`mappedImage`); not cleared when maps change.
    var images = MappingImages()
    /// Per (pid, address, exactness): the `GoFrameKind` bits of the Go function holding it (`goFrameKind`).
    var roots = FrameRunCache(capacity: 1 << 8)
    /// The last chain's edits after injected calls (`findInjectedCalls`).
    var injected: [InjectedEdit] = []
    /// Per name id, up to the largest noted: whether it names a Go injected call or signal restorer
    /// (`noteInjectedCallNames`); empty until one is met.
    var injectedNames: [Bool] = []
    /// Direct-mapped (address, pid | 1 << 63) pairs of chain ends known to be Go roots (`rootCut`).
    static let rootTailSlots = 256
    var rootTails = [UInt64](repeating: 0, count: 2 * rootTailSlots)

    mutating func mapsChanged() {
        repairs.removeAll()
        leaves.removeAll()
        unwindRules.removeAll()
        unwindMapping = nil
        roots.removeAll()
        for i in rootTails.indices { rootTails[i] = 0 }
    }
}

/// Where the fold reads a sample's stack from (`findFoldStack`).
enum FoldStack {
    /// `s.callchain` as recorded.
    case recorded
    /// `stackTruth.chain`.
    case chain
    /// `stackTruth.chain` as `unwindUserStack` wrote it (a dwarf sample): `appendUnwound` can fold it.
    case unwound
    /// `s.callchain` with one entry inserted.
    case inserted(ChainInsertion)
}

/// The caller a frame-pointer repair inserts: after the chain's entry `after` (the leaf), `value`, an
/// address (a user return address, looked up at value - 1) or, when `named`, a placeholder's name id.
struct ChainInsertion {
    var after: Int
    var value: UInt64
    var named: Bool
}

struct CallSiteKey: Hashable {
    var binary: ObjectIdentifier
    var caller: UInt64
    var callee: UInt64
}

extension PerfCollapser {
    /// How this sample's stack is found (see the file header): `.unwound` or `.chain` when
    /// `stackTruth.chain` holds it, `.recorded` when the sample's own `callchain` stands as recorded.
    /// Never `.inserted`: a repair is written into `stackTruth.chain`.
    mutating func findStack(_ s: Sample, file: PerfFile, model: ProcessModel) -> FoldStack {
        if options.recordedStacks { return .recorded }
        // 3. A dwarf sample (user registers and stack copy): unwound (Unwind/SampleUnwind.swift).
        if s.userStack.count > 0, unwindUserStack(s, file: file, model: model) { return .unwound }
        if s.callchain.isEmpty { return .recorded }
        // 2. The frame-pointer repair, and a chain that went on past a Go root cut there (RootCut.swift).
        let ins = findRepair(s, model: model)
        let keep = rootCut(s, model: model)
        if ins == nil && keep == nil { return .recorded }
        writeChain(s, insertion: ins, keep: keep ?? s.callchain.count)
        return .chain
    }

    /// `findStack` for the fold: a frame-pointer repair comes back as the one entry to insert, so that the
    /// fold walks the recorded chain itself rather than a copy of it (`appendChain`'s `insert`).
    mutating func findFoldStack(_ s: Sample, file: PerfFile, model: ProcessModel) -> FoldStack {
        if options.recordedStacks { return .recorded }
        // A chain the fold may find folded before is written only if it is not (`findUnwoundFold`).
        if s.userStack.count > 0 {
            let lazily = !unwindState.writesChains && unwoundFoldable(model: model)
            if unwindUserStack(s, file: file, model: model, lazily: lazily) { return .unwound }
        }
        if s.callchain.isEmpty { return .recorded }
        let ins = findRepair(s, model: model)
        let keep = rootCut(s, model: model)
        // Injected calls are looked for after naming (`mayHoldInjectedCall`), except where locations are
        // recorded: a second fold would leave the first one's locations behind.
        let injected = options.recordLocations
            && findInjectedCalls(s, keep: keep ?? s.callchain.count, leafRepair: ins, model: model)
        if keep != nil || injected {
            writeChain(s, insertion: ins, keep: keep ?? s.callchain.count, injected: injected)
            return .chain
        }
        guard let i = ins else { return .recorded }
        return .inserted(i)
    }

    /// Appends the names of the stack `findFoldStack` found, root first; false when that is the recorded
    /// chain or the sampled address alone (`noteLeafOnly` then looks at it).
    @inline(__always)
    mutating func appendFoldStack(_ how: FoldStack, _ s: Sample, model: ProcessModel, to scratch: inout FrameScratch) -> Bool {
        switch how {
        case .inserted(let ins):
            appendChain(s.callchain, origins: nil, s, model: model, to: &scratch, insert: ins)
        case .unwound where !options.recordLocations:
            appendUnwound(s, model: model, to: &scratch)
        case .chain, .unwound:
            if stackTruth.chain.pending { writeUnwoundChain(s) }
            let t = stackTruth.chain
            t.entries.withUnsafeBufferPointer { e in
                t.origins.withUnsafeBufferPointer { o in
                    appendChain(UnsafeBufferPointer(rebasing: e[..<t.count]), origins: o.baseAddress, s, model: model, to: &scratch)
                }
            }
        case .recorded where s.callchain.isEmpty:
            appendNames(for: s.ip, mode: s.cpuMode, exact: true, pid: s.pid, model: model, to: &scratch)
            return false
        case .recorded:
            appendChain(s.callchain, origins: nil, s, model: model, to: &scratch)
            return false
        }
        return true
    }

    /// How a recorded entry was found: user frames of a callchain come from perf's frame-pointer walk.
    @inline(__always) static func recordedOrigin(_ mode: CPUMode, hasChain: Bool) -> FrameOrigin {
        hasChain && mode == .user ? .fp : .recorded
    }

    /// Samples the repair added a caller to, and how many of those callers are placeholders.
    public var repairCounts: (inserted: Int, placeholders: Int) { (stackTruth.inserted, stackTruth.placeholders) }
}

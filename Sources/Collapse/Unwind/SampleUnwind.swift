// `--call-graph dwarf` samples in the fold: the kernel part of the recorded callchain, then the user
// stack unwound from the sample's registers and stack dump (`DwarfUnwinder`), as perf assembles them.
import PerfData
import Symbolize

/// One binary's unwind tables: Go's pclntab for Go text, CFI for the rest (opened on first need).
final class UnwindTables {
    let image: BinaryImage
    /// `image.pclntab`, read once: the lazy property's getter cost ~130 instructions a rule.
    let pclntab: GoPclntab?
    private var cfiTried = false
    private var cfiTable: CFITable?

    init(image: BinaryImage) {
        self.image = image
        pclntab = image.pclntab
    }

    var cfi: CFITable? {
        if !cfiTried {
            cfiTried = true
            let debug = image.symbolFile.path != image.path ? image.symbolFile.path : nil
            let image = image
            cfiTable = CFITable(path: image.path, debugPath: debug, sharing: { image.dwarf })
        }
        return cfiTable
    }

    /// The rule at file virtual address `vaddr`: Go's at the PC itself, CFI's at the call (pc - 1) for a
    /// return address, as libdwfl looks it up.
    func rule(vaddr: UInt64, exact: Bool) -> FrameRule {
        if let p = pclntab, let info = p.frameInfo(at: vaddr) { return .go(info) }
        let at = exact || vaddr == 0 ? vaddr : vaddr - 1
        if let row = cfi?.rule(at: at) { return .cfi(row) }
        return .none
    }

    /// `FlatRule(rule(vaddr:exact:), objects:)`, a Go rule made without its name (`FlatRule(go:at:)`).
    func flatRule(vaddr: UInt64, exact: Bool, objects: inout [AnyObject]) -> FlatRule {
        if let p = pclntab, let r = FlatRule(go: p, at: vaddr) { return r }
        let at = exact || vaddr == 0 ? vaddr : vaddr - 1
        if let row = cfi?.rule(at: at) { return FlatRule(.cfi(row), objects: &objects) }
        return .none
    }
}

/// The mapping of the last PC whose rule was resolved, with its binary once a rule needed it: the next new
/// PC is mostly in the same one, and finding it in the model, its binary and its tables cost ~1,300
/// instructions. Valid while the maps do not change (`StackTruthState.mapsChanged` drops it).
struct UnwindMapping {
    var pid: Int32
    /// The model's `allMappings.count` when it was found.
    var mappings: Int
    var mapping: Mapping
    /// nil: not looked up yet; `.some(nil)`: the mapping has no binary.
    var image: BinaryImage??
    /// The binary's tables, once a rule needed them.
    var tables: UnwindTables?

    @inline(__always) func holds(_ pc: UInt64, pid p: Int32, mappings n: Int) -> Bool {
        p == pid && n == mappings && pc >= mapping.start && pc < mapping.end
    }
}

/// Counts of how unwinds ended, for `info` and the tests.
public struct UnwindStats: Sendable, Equatable {
    /// Samples with user registers and a stack dump.
    public var samples = 0
    public var root = 0
    /// Cut by the dump size.
    public var truncated = 0
    public var stackSwitch = 0
    /// Ended where the kernel's copy of the stack did, inside the size asked for: it copies no page that is
    /// not resident (an empty copy when the sampled SP's page is not).
    public var copyEnded = 0
    public var other = 0
    /// The largest dump size asked for (the attr's `sample_stack_user`), 0 when none.
    public var dumpSize = 0
}

/// The unwinder's state kept by a collapser: tables per image, rules per (mapping, address, exactness).
struct SampleUnwindState {
    var tables: [ObjectIdentifier: UnwindTables] = [:]
    /// Per (mapping id, address, exactness), tagged `rulesTag`: a Dictionary keyed by `FrameKey` cost ~1,300
    /// instructions a new PC in hashing, probing and growing. 4,096 slots (at most half full): a bench
    /// capture resolves ~1,100 keys, and a doubling rehashes them all.
    var rules = FlatRuleCache(capacity: 1 << 12)
    /// What the rules refer to (CFI rows, SPWrite names), kept for the collapser's life.
    var objects: [AnyObject] = []
    var stats = UnwindStats()
    /// Per event index of `eventsOf`: the attr's user register mask and stack dump size (a cross-module
    /// read of `PerfFile.events` costs a dynamic exclusivity check per sample).
    var events: [(mask: UInt64, dumpSize: UInt32, layout: RegisterLayout)] = []
    var eventsOf: PerfFile?
    /// The last sample's unwound user frames, leaf first: the first `frameCount` of a buffer made once
    /// (`buffers` owns it), written by the unwinder through its pointer.
    let frames: UnsafeMutablePointer<UnwoundFrame>
    var frameCount = 0
    /// Per frame of `frames`: its names in the rule cache (`FlatRuleCache`), or `FlatRuleCache.unnamed`;
    /// filled by `appendUnwound` (a chain folded before needs none).
    let frameNames: UnsafeMutablePointer<UInt64>
    private let buffers: UnwindBuffers
    /// How many entries of `stackTruth.chain` are its kernel part (the context marker included).
    var kernelEntries = 0
    /// The addresses of `stackTruth.chain`'s kernel entries and user frames folded into a word as
    /// `unwindUserStack` wrote them: the chain fold cache's hash starts from it (`ChainFoldCache.unwoundHash`).
    var chainBody: UInt64 = 0
    /// The last truncation marker's stop (`truncated` of a dump size, or `outsideDump`) and name id.
    var marker: (stop: UnwindStop, id: UInt32)?
    /// The last sample's truncation marker name id, nil when the dump did not cut its stack.
    var cutMarker: UInt32?
    /// Every unwound chain written at once, none left pending (tests compare the two folds).
    var writesChains = false
    /// The length of `stackTruth.chain` as `writeUnwoundChain` writes (or wrote) it for the last sample.
    var chainCount = 0

    init() {
        buffers = UnwindBuffers(capacity: DwarfUnwinder.frameLimit)
        frames = buffers.frames
        frameNames = buffers.names
    }
}

/// The unwinder's frame buffers, allocated once per collapser: a sample's frames and names go through
/// their pointers (an array appended and emptied per sample cost uniqueness checks and calls per frame).
final class UnwindBuffers {
    let frames: UnsafeMutablePointer<UnwoundFrame>
    let names: UnsafeMutablePointer<UInt64>

    init(capacity: Int) {
        frames = .allocate(capacity: capacity)
        frames.initialize(repeating: UnwoundFrame(address: 0, origin: .ip, exact: false), count: capacity)
        names = .allocate(capacity: capacity)
        names.initialize(repeating: FlatRuleCache.unnamed, count: capacity)
    }

    deinit {
        frames.deallocate()
        names.deallocate()
    }
}

/// A user frame of an unwound sample, or the marker of a stack cut by the dump.
public struct UnwoundEntry: Sendable {
    public var address: UInt64
    public var mode: CPUMode
    public var exact: Bool
    /// nil for kernel entries (from the recorded callchain).
    public var origin: UnwindOrigin?
}

extension PerfCollapser {
    /// Whether `s` carries what unwinding needs: 64-bit user registers with IP and SP, and a stack dump.
    func canUnwind(_ s: Sample, file: PerfFile) -> Bool {
        !options.recordedStacks && s.regsUserABI == 2 && !s.regsUser.isEmpty && s.userStack.count > 0
            && file.events[s.eventIndex].attr.sampleRegsUser != 0
    }

    /// `s`'s event's user register mask and dump size, read from `file` once per file.
    @inline(__always) mutating func unwindEvent(_ s: Sample, file: PerfFile) -> (
        mask: UInt64, dumpSize: UInt32, layout: RegisterLayout
    ) {
        if unwindState.eventsOf !== file {
            unwindState.events = file.events.map {
                ($0.attr.sampleRegsUser, $0.attr.sampleStackUser, RegisterLayout(mask: $0.attr.sampleRegsUser))
            }
            unwindState.eventsOf = file
        }
        return unwindState.events[s.eventIndex]
    }

    /// The sample's stack, leaf first: the callchain's kernel entries, then its user stack unwound; and how
    /// the unwind ended. nil when the sample cannot be unwound (see `canUnwind`).
    mutating func unwind(_ s: Sample, file: PerfFile, model: ProcessModel) -> (
        entries: [UnwoundEntry], stop: UnwindStop
    )? {
        guard let stop = unwindUser(s, file: file, model: model) else { return nil }
        var entries: [UnwoundEntry] = []
        Self.forEachKernelEntry(s) { entries.append(UnwoundEntry(address: $0, mode: $1, exact: $2, origin: nil)) }
        for f in UnsafeBufferPointer(start: unwindState.frames, count: unwindState.frameCount) {
            entries.append(UnwoundEntry(address: f.address, mode: .user, exact: f.exact, origin: f.origin))
        }
        return (entries, stop)
    }

    /// The kernel entries of a sample's callchain as recorded (exclude_callchain_user leaves only them),
    /// with their mode and exactness.
    @inline(__always) static func forEachKernelEntry(_ s: Sample, _ body: (UInt64, CPUMode, Bool) -> Void) {
        var mode = s.cpuMode
        var exact = true
        for v in s.callchain {
            if CallchainContext.isMarker(v) {
                mode = CallchainContext.mode(of: v)
                exact = true
                continue
            }
            if mode.isKernel { body(v, mode, exact) }
            exact = false
        }
    }

    /// Unwinds the sample's user stack into `unwindState.frames` (leaf first) and counts how it ended; nil
    /// when the sample cannot be unwound (see `canUnwind`).
    mutating func unwindUser(_ s: Sample, file: PerfFile, model: ProcessModel) -> UnwindStop? {
        unwindUserInline(s, file: file, model: model)
    }

    /// `unwindUser`, inlined into `unwindUserStack`: called, it kept goRun's `withProbe` closure a function
    /// of its own and handed the stop back through outlined copies, about 57 instructions a sample.
    @inline(__always)
    mutating func unwindUserInline(_ s: Sample, file: PerfFile, model: ProcessModel) -> UnwindStop? {
        guard !options.recordedStacks, s.regsUserABI == 2, !s.regsUser.isEmpty, s.userStack.count > 0 else {
            return nil
        }
        let event = unwindEvent(s, file: file)
        guard event.mask != 0 else { return nil }  // `canUnwind`'s checks
        // IP, SP and BP now; the others when a CFI frame needs them (most Go stacks never do).
        let rest = SampleRegisters(values: s.regsUser, layout: event.layout)
        var regs = UnwindRegisters()
        regs.loadGoRegisters(layout: rest.layout, values: rest.values)
        guard let sp = regs[7], regs[16] != nil else { return nil }
        let valid = Int(clamping: min(s.userStackDynSize, UInt64(s.userStack.count)))
        let dump = StackDump(
            base: sp, bytes: UnsafeRawBufferPointer(rebasing: s.userStack[0..<valid]), size: s.userStack.count)
        let pid = s.pid
        let frames = unwindState.frames
        var n = 0
        // Ordinary Go frames over the cached rules first; the general loop for the rest (GoRun.swift).
        let run = stackTruth.unwindRules.withProbe(pid: pid) {
            DwarfUnwinder.goRun(&regs, dump: dump, limit: DwarfUnwinder.frameLimit, frames: frames, count: &n, probe: $0)
        }
        let stop = run ?? unwindRest(&regs, rest: rest, dump: dump, count: &n, pid: pid, model: model)
        unwindState.frameCount = n
        unwindState.stats.samples += 1
        unwindState.stats.dumpSize = max(unwindState.stats.dumpSize, Int(event.dumpSize))
        switch stop {
        case .root: unwindState.stats.root += 1
        case .truncated: unwindState.stats.truncated += 1
        case .stackSwitch: unwindState.stats.stackSwitch += 1
        case .outsideDump: unwindState.stats.copyEnded += 1
        default: unwindState.stats.other += 1
        }
        return stop
    }

    /// The general loop from the `n` frames `goRun` wrote, the rules through the cache (`frameRule`).
    @inline(never)
    mutating func unwindRest(
        _ regs: inout UnwindRegisters, rest: SampleRegisters, dump: StackDump, count n: inout Int, pid: Int32,
        model: ProcessModel
    ) -> UnwindStop {
        let frames = unwindState.frames, start = n
        // The closure takes the model by pointer: captured by value, it was copied (every table of it
        // retained and released) once per sample.
        // `rest` by pointer too: the loop keeps 8 bytes live, not the registers' view and layout.
        return withUnsafePointer(to: model) { m in
            withUnsafePointer(to: rest) { r in
                DwarfUnwinder.unwind(
                    &regs, rest: r, dump: dump, limit: DwarfUnwinder.frameLimit, frames: frames, count: &n, from: start
                ) { pc, exact, _ in
                    frameRule(pc, exact: exact, pid: pid, model: m)
                }
            }
        }
    }

    /// The rule at `pc` in process `pid`, cached per (pid, pc, exactness) until the maps change.
    @inline(__always)
    mutating func frameRule(_ pc: UInt64, exact: Bool, pid: Int32, model: UnsafePointer<ProcessModel>) -> FlatRule {
        let tag = FlatRuleCache.tag(pid: pid, exact: exact)
        if let e = stackTruth.unwindRules.find(pc, tag: tag) { return e.rule }
        return newFrameRule(pc, tag: tag, exact: exact, pid: pid, model: model)
    }

    /// `frameRule` for a key not cached yet: kept out of the unwinder's loop, where the hit path is inlined.
    @inline(never)
    mutating func newFrameRule(
        _ pc: UInt64, tag: UInt64, exact: Bool, pid: Int32, model: UnsafePointer<ProcessModel>
    ) -> FlatRule {
        // The model by pointer: `model.pointee` passed by value copied it (~300 instructions a new PC).
        let rule = resolveFrameRule(pc, exact: exact, pid: pid, model: model)
        stackTruth.unwindRules.insert(pc, tag: tag, rule)
        return rule
    }

    /// The rule at `pc` in process `pid`, kept per (mapping, address, exactness) for the collapser's life.
    mutating func resolveFrameRule(_ pc: UInt64, exact: Bool, pid: Int32, model: UnsafePointer<ProcessModel>)
        -> FlatRule
    {
        // Every executable map the model takes is a new mapping: an unchanged count means unchanged maps
        // (a caller that never says `mapsChanged`, as tests, included).
        let count = model.pointee.allMappings.count
        if stackTruth.unwindMapping?.holds(pc, pid: pid, mappings: count) != true {
            guard let m = model.pointee.mapping(pid: pid, address: pc, mode: .user) else { return .none }
            stackTruth.unwindMapping = UnwindMapping(pid: pid, mappings: count, mapping: m)
        }
        let id = stackTruth.unwindMapping?.mapping.id ?? 0
        let offset = stackTruth.unwindMapping?.mapping.fileOffset(of: pc) ?? 0
        // Ids count the model's mappings; one too large for the tag is not cached (none is).
        let cached = id >= 0 && id < 1 << 62
        let tag = Self.rulesTag(mapping: id, exact: exact)
        if cached, let e = unwindState.rules.find(pc, tag: tag) { return e.rule }
        var rule = FlatRule.none
        if let img = unwindMappingImage(), let vaddr = img.elf.virtualAddress(ofFileOffset: offset) {
            rule = unwindMappingTables(img).flatRule(vaddr: vaddr, exact: exact, objects: &unwindState.objects)
        }
        if cached { unwindState.rules.insert(pc, tag: tag, rule) }
        return rule
    }

    /// The key of `unwindState.rules` beside the address: never 0 (an empty slot).
    @inline(__always) static func rulesTag(mapping id: Int, exact: Bool) -> UInt64 {
        UInt64(truncatingIfNeeded: id) << 1 | (exact ? 1 : 0) | 1 << 63
    }

    /// `mappedImage` of `stackTruth.unwindMapping`, asked once per mapping met.
    private mutating func unwindMappingImage() -> BinaryImage? {
        if let known = stackTruth.unwindMapping?.image { return known }
        guard let m = stackTruth.unwindMapping?.mapping else { return nil }
        let img = mappedImage(m)
        stackTruth.unwindMapping?.image = .some(img)
        return img
    }

    /// The tables of `img`, the binary of `stackTruth.unwindMapping`: one per binary for the collapser's life.
    private mutating func unwindMappingTables(_ img: BinaryImage) -> UnwindTables {
        if let t = stackTruth.unwindMapping?.tables { return t }
        let id = ObjectIdentifier(img)
        let t = unwindState.tables[id] ?? UnwindTables(image: img)
        unwindState.tables[id] = t
        stackTruth.unwindMapping?.tables = t
        return t
    }

    /// The marker frame ending a stack cut short by the dump size, or by a kernel copy of the stack that
    /// ended sooner (`outsideDump`: a page it could not read, or none copied at all).
    static func truncationMarker(_ stop: UnwindStop) -> String? {
        switch stop {
        case .truncated(let size): return "[truncated: stack dump \(size) bytes]"
        case .outsideDump: return "[truncated: stack copy ended early]"
        default: return nil
        }
    }

    /// The stack-truth stage's case for dwarf samples: writes `stackTruth.chain` in perf's layout (a context
    /// marker before the kernel part, before the user part and before each PC a signal interrupted, so that
    /// exactly those entries are exact), a cut stack ending in its marker's name id. False when the sample
    /// cannot be unwound. `lazily`: the chain's length and hash only, the chain left `pending` for
    /// `writeUnwoundChain` (UnwoundFold.swift): the fold needs it only for a chain not folded before.
    mutating func unwindUserStack(_ s: Sample, file: PerfFile, model: ProcessModel, lazily: Bool = false) -> Bool {
        guard let stop = unwindUserInline(s, file: file, model: model) else { return false }
        var marker: UInt32?
        switch stop {
        case .truncated, .outsideDump:
            // One dump size per capture in practice, short copies rare: a marker's name is interned when the
            // kind of cut changes, not per sample.
            if unwindState.marker?.stop != stop, let m = Self.truncationMarker(stop) {
                unwindState.marker = (stop, intern(m))
            }
            marker = unwindState.marker?.id
        default: break
        }
        unwindState.cutMarker = marker
        if lazily { keyUnwoundChain(s) } else { writeUnwoundChain(s) }
        return true
    }

    /// Writes `stackTruth.chain` from the last unwind (`unwindUserStack`), with its kernel part's length and
    /// the hash of its addresses (`chainBody`). Not inlined: the fold calls it only on a miss.
    @inline(never)
    mutating func writeUnwoundChain(_ s: Sample) {
        let f = unwindState.frames, count = unwindState.frameCount, marker = unwindState.cutMarker
        // At most a marker and an entry per callchain entry and per frame, and the truncation marker.
        let bound = s.callchain.count &+ 2 &* count &+ 2
        var n = 0, kernelEntries = 0, body: UInt64 = 0
        // Locals only inside: a nested function writing `n` made it a boxed variable with a dynamic
        // exclusivity check per write (about 80 instructions each).
        stackTruth.chain.write(bound) { e, o in
            var k = 0, kernel = false, h: UInt64 = 0
            Self.forEachKernelEntry(s) { v, _, _ in
                if !kernel {
                    (e[k], o[k]) = (CallchainContext.kernel, .recorded)
                    k &+= 1
                }
                kernel = true
                (e[k], o[k]) = (v, .recorded)
                k &+= 1
                h = ChainFoldCache.fold(h, v)
            }
            kernelEntries = k
            for i in 0..<count {
                if i == 0 || f[i].exact {
                    (e[k], o[k]) = (CallchainContext.user, .recorded)
                    k &+= 1
                }
                (e[k], o[k]) = (f[i].address, Self.frameOrigin(f[i].origin))
                k &+= 1
                h = ChainFoldCache.fold(h, f[i].address)
            }
            if let m = marker {
                (e[k], o[k]) = (UInt64(m), .truncated)
                k &+= 1
            }
            n = k
            body = h
        }
        stackTruth.chain.count = n
        unwindState.chainCount = n
        unwindState.kernelEntries = kernelEntries
        unwindState.chainBody = body
    }

    @inline(__always) static func frameOrigin(_ o: UnwindOrigin) -> FrameOrigin {
        switch o {
        case .ip: return .recorded
        case .pcsp: return .pcsp
        case .cfi: return .cfi
        case .signal: return .signal
        }
    }
}

// `--call-graph dwarf` samples in the fold: the kernel part of the recorded callchain, then the user
// stack unwound from the sample's registers and stack dump (`DwarfUnwinder`), as perf assembles them.
import PerfData
import Symbolize

/// One binary's unwind tables: Go's pclntab for Go text, CFI for the rest (opened on first need).
final class UnwindTables {
    let image: BinaryImage
    private var cfiTried = false
    private var cfiTable: CFITable?

    init(image: BinaryImage) { self.image = image }

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
        if let p = image.pclntab, let info = p.frameInfo(at: vaddr) { return .go(info) }
        let at = exact || vaddr == 0 ? vaddr : vaddr - 1
        if let row = cfi?.rule(at: at) { return .cfi(row) }
        return .none
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
    public var other = 0
    /// The largest dump size asked for (the attr's `sample_stack_user`), 0 when none.
    public var dumpSize = 0
}

/// The unwinder's state kept by a collapser: tables per image, rules per (mapping, address, exactness).
struct SampleUnwindState {
    var tables: [ObjectIdentifier: UnwindTables] = [:]
    var rules: [PerfCollapser.FrameKey: FrameRule] = [:]
    var stats = UnwindStats()
    /// Per event index: the attr's user register mask.
    var masks: [UInt64] = []
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

    /// The sample's stack, leaf first: the callchain's kernel entries, then its user stack unwound; and how
    /// the unwind ended. nil when the sample cannot be unwound (see `canUnwind`).
    mutating func unwind(_ s: Sample, file: PerfFile, model: ProcessModel) -> (
        entries: [UnwoundEntry], stop: UnwindStop
    )? {
        guard canUnwind(s, file: file) else { return nil }
        let attr = file.events[s.eventIndex].attr
        guard let regs = UnwindRegisters(mask: attr.sampleRegsUser, values: s.regsUser), let sp = regs[7] else {
            return nil
        }
        var entries: [UnwoundEntry] = []
        // Kernel entries as recorded: exclude_callchain_user leaves only them in the callchain.
        var mode = s.cpuMode
        var exact = true
        for v in s.callchain {
            if CallchainContext.isMarker(v) {
                mode = CallchainContext.mode(of: v)
                exact = true
                continue
            }
            if mode.isKernel { entries.append(UnwoundEntry(address: v, mode: mode, exact: exact, origin: nil)) }
            exact = false
        }
        let valid = Int(clamping: min(s.userStackDynSize, UInt64(s.userStack.count)))
        let dump = StackDump(
            base: sp, bytes: UnsafeRawBufferPointer(rebasing: s.userStack[0..<valid]), size: s.userStack.count)
        let pid = s.pid
        let result = DwarfUnwinder.unwind(regs, dump: dump) { pc, exact in
            frameRule(pc, exact: exact, pid: pid, model: model)
        }
        for f in result.frames {
            entries.append(UnwoundEntry(address: f.address, mode: .user, exact: f.exact, origin: f.origin))
        }
        unwindState.stats.samples += 1
        unwindState.stats.dumpSize = max(unwindState.stats.dumpSize, Int(attr.sampleStackUser))
        switch result.stop {
        case .root: unwindState.stats.root += 1
        case .truncated: unwindState.stats.truncated += 1
        case .stackSwitch: unwindState.stats.stackSwitch += 1
        default: unwindState.stats.other += 1
        }
        return (entries, result.stop)
    }

    mutating func frameRule(_ pc: UInt64, exact: Bool, pid: Int32, model: ProcessModel) -> FrameRule {
        guard let m = model.mapping(pid: pid, address: pc, mode: .user) else { return .none }
        let key = FrameKey(mapping: m.id, address: pc, exact: exact)
        if let r = unwindState.rules[key] { return r }
        var rule = FrameRule.none
        if let img = image(for: m), let vaddr = img.elf.virtualAddress(ofFileOffset: m.fileOffset(of: pc)) {
            let id = ObjectIdentifier(img)
            let t = unwindState.tables[id] ?? UnwindTables(image: img)
            unwindState.tables[id] = t
            rule = t.rule(vaddr: vaddr, exact: exact)
        }
        unwindState.rules[key] = rule
        return rule
    }

    /// The marker frame ending a stack cut short by the dump size.
    static func truncationMarker(_ stop: UnwindStop) -> String? {
        guard case .truncated(let size) = stop else { return nil }
        return "[truncated: stack dump \(size) bytes]"
    }

    /// The stack-truth stage's case for dwarf samples: writes `stackTruth.chain` in perf's layout (a context
    /// marker before the kernel part, before the user part and before each PC a signal interrupted, so that
    /// exactly those entries are exact), a cut stack ending in its marker's name id. False when the sample
    /// cannot be unwound.
    mutating func unwindUserStack(_ s: Sample, file: PerfFile, model: ProcessModel) -> Bool {
        guard let (entries, stop) = unwind(s, file: file, model: model) else { return false }
        stackTruth.chain.removeAll()
        var kernel = false, user = false
        for e in entries {
            guard let o = e.origin else {
                if !kernel { stackTruth.chain.append(CallchainContext.kernel, .recorded) }
                kernel = true
                stackTruth.chain.append(e.address, .recorded)
                continue
            }
            if !user || e.exact { stackTruth.chain.append(CallchainContext.user, .recorded) }
            user = true
            let origin: FrameOrigin
            switch o {
            case .ip: origin = .recorded
            case .pcsp: origin = .pcsp
            case .cfi: origin = .cfi
            case .signal: origin = .signal
            }
            stackTruth.chain.append(e.address, origin)
        }
        if let marker = Self.truncationMarker(stop) { stackTruth.chain.append(UInt64(intern(marker)), .truncated) }
        return true
    }
}

// The unwinder's common case, a run of ordinary Go frames, in one tight loop: the rule cache probed in
// place (`FlatRuleCache.Probe`), the stack read through its base pointer, IP, SP and BP in locals. The
// general loop (`DwarfUnwinder.unwind`) takes over at the first frame this one does not take (a rule not
// cached yet, CFI, a signal trampoline, SPWrite, no SP delta) with the registers as it would have left
// them, so the frames, names and stops are the general loop's own. On a pure-Go capture that loop cost
// about 150 instructions a frame: closure calls, the 17-register struct kept in memory, `Slot` copies.
import PerfData

extension FlatRuleCache {
    /// The slots of a cache and one process's two tags, for probes that insert nothing (`goRun`).
    struct Probe {
        let slots: UnsafePointer<Slot>
        let mask: Int
        /// `tag(pid:exact:)` for an exact PC and for a return address.
        let exactTag: UInt64
        let returnTag: UInt64
    }

    /// Calls `body` with a probe of the cache for process `pid`; `body` must not change the cache.
    @inline(__always) func withProbe<R>(pid: Int32, _ body: (Probe) -> R) -> R {
        let e = Self.tag(pid: pid, exact: true), r = Self.tag(pid: pid, exact: false)
        return withSlots { body(Probe(slots: $0, mask: $1, exactTag: e, returnTag: r)) }
    }
}

extension UnwindRegisters {
    /// `load(layout:values:only: SampleRegisters.goRegisters)` unrolled: BP, SP and IP, which every sample's
    /// unwind starts from (the loop over the wanted bits cost about 35 instructions a sample).
    @inline(__always) mutating func loadGoRegisters(layout: RegisterLayout, values regs: U64View) {
        let n = regs.count
        let (bp, sp, ip) = withUnsafeBytes(of: layout.slots) { (Int($0[6]), Int($0[7]), Int($0[16])) }
        if bp != 0xff, bp < n { set(6, regs[bp]) }
        if sp != 0xff, sp < n { set(7, regs[sp]) }
        if ip != 0xff, ip < n { set(16, regs[ip]) }
    }
}

extension DwarfUnwinder {
    /// Unwinds the ordinary Go frames at the start of a sample's stack from `regs` (IP and SP known): writes
    /// the frames from index 0, the names of each stepped-from frame's slot to `names`, and the frame count
    /// to `count`. A stop when the run ended the unwind (a root, a read outside the dump, a bad frame, the
    /// limit); nil when the general loop must go on from `count` frames, `regs` then holding the last
    /// frame's IP, SP and BP as the general loop's Go steps would have set them.
    static func goRun(
        _ regs: inout UnwindRegisters, dump: StackDump, limit: Int, frames: UnsafeMutablePointer<UnwoundFrame>,
        names: UnsafeMutablePointer<UInt64>, count: inout Int, probe: FlatRuleCache.Probe
    ) -> UnwindStop? {
        var pc = regs.raw(16), sp = regs.raw(7), bp = regs.raw(6)
        var bpSet = false, exact = true
        frames.initialize(to: UnwoundFrame(address: pc, origin: .ip, exact: true))
        var n = 1
        defer { count = n }
        let slots = probe.slots, mask = probe.mask
        let exactKey = probe.exactTag &* FlatRuleCache.tagFactor, returnKey = probe.returnTag &* FlatRuleCache.tagFactor
        while n < limit {
            // The probe of `FlatRuleCache.find`, its tag product kept per exactness.
            let tag = exact ? probe.exactTag : probe.returnTag
            var i = Int(truncatingIfNeeded: FlatRuleCache.hash(pc, tagProduct: exact ? exactKey : returnKey)) & mask
            var slot = slots + i
            while slot.pointee.pc != pc || slot.pointee.tag != tag {
                if slot.pointee.tag == 0 { return resume(&regs, pc: pc, sp: sp, bp: bpSet ? bp : nil) }
                i = (i &+ 1) & mask
                slot = slots + i
            }
            let rule = slot.pointee.rule
            // The general loop's `.go` case: sigreturn and SPWrite frames, and PCs without an SP delta, are
            // its alone; a root ends here as `goSpecialStep` ends it (a frame this loop reached is not a
            // signal frame).
            guard rule.kind == .go, rule.go.isDisjoint(with: [.spWrite, .sigreturn]), rule.spDelta >= 0 else {
                return resume(&regs, pc: pc, sp: sp, bp: bpSet ? bp : nil)
            }
            names[n &- 1] = slot.pointee.names
            if rule.go.contains(.root) { return .root }
            let cfa = sp &+ UInt64(UInt32(bitPattern: rule.spDelta)) &+ 8
            guard let ret = dump.load(cfa &- 8) else { return dump.failure(cfa &- 8) }
            if ret == 0 { return .root }
            guard cfa > sp else { return .badFrame }
            exact = rule.go.contains(.callerExact)
            (frames + n).initialize(to: UnwoundFrame(address: ret, origin: .pcsp, exact: exact))
            n &+= 1
            if rule.spDelta >= 8, !rule.go.contains(.asm), let b = dump.load(cfa &- 16) {
                bp = b
                bpSet = true
            }
            pc = ret
            sp = cfa
        }
        return .limit
    }

    /// Hands the registers to the general loop: what its Go steps would have written.
    @inline(__always) private static func resume(_ regs: inout UnwindRegisters, pc: UInt64, sp: UInt64, bp: UInt64?)
        -> UnwindStop?
    {
        if let bp { regs.set(6, bp) }
        regs.set(16, pc)
        regs.set(7, sp)
        return nil
    }
}

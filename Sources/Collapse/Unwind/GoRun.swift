// The unwinder's common case, a run of ordinary Go frames, in one tight loop: the rule cache probed in
// place (`FlatRuleCache.Probe`), the stack read through its base pointer, IP, SP and BP in locals. The
// general loop (`DwarfUnwinder.unwind`) takes over at the first frame this one does not take (a rule not
// cached yet, CFI, a signal trampoline, SPWrite, no SP delta, a caller whose PC is exact) with the
// registers as it would have left them, so the frames, names and stops are the general loop's own. On a
// pure-Go capture that loop cost about 150 instructions a frame: closure calls, the 17-register struct
// kept in memory, `Slot` copies.
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
    /// the frames from index 0 and their count to `count`. A stop when the run ended the unwind (a root, a
    /// read outside the dump, a bad frame, the limit); nil when the general loop must go on from `count`
    /// frames, `regs` then holding the last frame's IP, SP and BP as the general loop's Go steps would
    /// have set them. The frames' names are not written: the fold looks them up again only for a chain it
    /// has not folded before (`appendUnwound`). Inlined into `unwindUser`: called, it took eight arguments
    /// on the stack and a prologue, about 80 instructions a sample.
    @inline(__always)
    static func goRun(
        _ regs: inout UnwindRegisters, dump: StackDump, limit: Int, frames: UnsafeMutablePointer<UnwoundFrame>,
        count: inout Int, probe: FlatRuleCache.Probe
    ) -> UnwindStop? {
        var pc = regs.raw(16), sp = regs.raw(7), bp = regs.raw(6)
        var bpSet = false
        frames.initialize(to: UnwoundFrame(address: pc, origin: .ip, exact: true))
        var f = frames + 1
        defer { count = f - frames }
        // `StackDump.load`'s checks with the dump's base, bytes and last word offset in locals; a dump
        // without a whole word is the general loop's.
        let base = dump.base, size = UInt64(dump.bytes.count)
        guard let bytes = dump.bytes.baseAddress, size >= 8, limit > 1 else {
            return resume(&regs, pc: pc, sp: sp, bp: nil)
        }
        let last = size &- 8, end = frames + limit
        let slots = probe.slots, mask = probe.mask
        var tag = probe.exactTag, key = tag &* FlatRuleCache.tagFactor
        let returnTag = probe.returnTag, returnKey = returnTag &* FlatRuleCache.tagFactor
        while f < end {
            // `FlatRuleCache.find`'s probe.
            var i = Int(truncatingIfNeeded: FlatRuleCache.hash(pc, tagProduct: key)) & mask
            while slots[i].pc != pc || slots[i].tag != tag {
                if slots[i].tag == 0 { return resume(&regs, pc: pc, sp: sp, bp: bpSet ? bp : nil) }
                i = (i &+ 1) & mask
            }
            let rule = slots[i].rule
            // The general loop's `.go` case: sigreturn and SPWrite frames, and PCs without an SP delta, are
            // its alone; a root ends here as `goSpecialStep` ends it (no frame here is a signal frame).
            guard rule.go.contains(.runnable) else {
                return resume(&regs, pc: pc, sp: sp, bp: bpSet ? bp : nil)
            }
            if rule.go.contains(.root) { return .root }
            let cfa = sp &+ UInt64(UInt32(bitPattern: rule.spDelta)) &+ 8
            let at = cfa &- 8
            // One unsigned compare: an address below the base wraps past `last` (a dump is far below 2^63).
            guard at &- base <= last else { return dump.failure(at) }
            let ret = UInt64(littleEndian: UnsafeRawPointer(bytes).loadUnaligned(
                fromByteOffset: Int(truncatingIfNeeded: at &- base), as: UInt64.self))
            if ret == 0 { return .root }
            guard cfa > sp else { return .badFrame }
            let exact = rule.go.contains(.callerExact)
            f.initialize(to: UnwoundFrame(address: ret, origin: .pcsp, exact: exact))
            f += 1
            // A Go frame that pushed BP saved the caller's at CFA - 16 (the general loop's step).
            if rule.go.contains(.savesBP), cfa &- 16 &- base <= last {
                bp = UInt64(littleEndian: UnsafeRawPointer(bytes).loadUnaligned(
                    fromByteOffset: Int(truncatingIfNeeded: cfa &- 16 &- base), as: UInt64.self))
                bpSet = true
            }
            pc = ret
            sp = cfa
            // A caller whose PC is exact (it was interrupted by an injected call) is rare: the general loop
            // looks it up, and this loop keeps one tag live instead of two.
            if exact { return resume(&regs, pc: pc, sp: sp, bp: bpSet ? bp : nil) }
            tag = returnTag
            key = returnKey
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

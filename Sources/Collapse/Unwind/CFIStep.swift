// The unwinder's steps that change more than IP, SP and BP: a CFI row (libc, ld.so, cgo C code) and a
// signal frame's saved context. Each writes only what it changes into a `RegisterUpdate`, which the
// unwinder applies once the caller is accepted: copying all 17 registers into the step and back cost about
// 350 instructions a sample on a cgo capture.
import Symbolize

/// What one step changes: the registers it sets (`values`, their bits in `values.known`) and those it makes
/// unknown (`cleared`); every other register keeps its value.
struct RegisterUpdate {
    var values = UnwindRegisters()
    var cleared: UInt32 = 0

    @inline(__always) mutating func reset() {
        values.known = 0
        cleared = 0
    }

    /// Value `r` as the step set it, read in place: `values.raw(r)` on an update not in memory copied
    /// all 136 bytes (a memcpy call) per read, 8 M instructions on a cgo capture.
    @inline(__always) mutating func stored(_ r: Int) -> UInt64 {
        withUnsafeBytes(of: &values.storage) { $0.load(fromByteOffset: r &* 8, as: UInt64.self) }
    }

    /// Register `r` after the step: set by it, cleared by it, or as in `regs`.
    @inline(__always) mutating func value(_ r: Int, over regs: UnwindRegisters) -> UInt64? {
        guard r >= 0 && r < 17 else { return nil }
        let bit: UInt32 = 1 << r
        if values.known & bit != 0 { return stored(r) }
        if cleared & bit != 0 { return nil }
        return regs[r]
    }

    @inline(__always) mutating func value(_ r: Int, over regs: UnsafePointer<UnwindRegisters>) -> UInt64? {
        guard r >= 0 && r < 17 else { return nil }
        let bit: UInt32 = 1 << r
        if values.known & bit != 0 { return stored(r) }
        if cleared & bit != 0 { return nil }
        return regs.pointee[r]
    }

    /// Sets register `r` (ignored outside 0...16, as `UnwindRegisters`' subscript does), nil: unknown.
    @inline(__always) mutating func set(_ r: Int, _ v: UInt64?) {
        guard r >= 0 && r < 17 else { return }
        if let v {
            values.set(r, v)
            cleared &= ~(1 << r)
        } else {
            values.known &= ~(1 << r)
            cleared |= 1 << r
        }
    }

    /// Writes the step's changes into `regs`.
    @inline(__always) mutating func apply(to regs: inout UnwindRegisters) {
        var bits = values.known
        while bits != 0 {
            let r = bits.trailingZeroBitCount
            regs.set(r, stored(r))
            bits &= bits &- 1
        }
        regs.known &= ~cleared
    }
}

extension DwarfUnwinder {
    /// The interrupted registers of a signal frame, from its `uc_mcontext` at `mc`: all 17 replaced.
    static func signalContext(_ mc: UInt64, dump: StackDump, into next: inout RegisterUpdate) -> StepResult {
        // r8–r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip as DWARF numbers.
        let order = [8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16]
        next.reset()
        for (i, r) in order.enumerated() {
            let at = mc &+ UInt64(i) &* 8
            guard let v = dump.load(at) else { return .stop(dump.failure(at)) }
            next.set(r, v)
        }
        return .caller(.signal, exact: true)
    }

    /// One CFI frame: the CFA, then each register by its rule; the return-address column gives the caller's PC.
    /// Registers the row does not name keep their values.
    static func cfiStep(_ row: CFIRule, regs: UnwindRegisters, dump: StackDump, into next: inout RegisterUpdate)
        -> StepResult
    {
        withUnsafePointer(to: regs) { cfiStep(row, at: $0, dump: dump, into: &next) }
    }

    /// `cfiStep` reading the registers through a pointer: passed by value from the unwinder's loop, where
    /// they are a variable, they were copied (a memcpy of 140 bytes) per frame.
    static func cfiStep(
        _ row: CFIRule, at r: UnsafePointer<UnwindRegisters>, dump: StackDump, into next: inout RegisterUpdate
    ) -> StepResult {
        next.reset()
        let cfa: UInt64
        if let (reg, off) = row.cfaRegisterOffset {
            // The usual CFA: a register plus an offset (no expression to evaluate).
            guard let v = r.pointee[reg] else { return .stop(.badFrame) }
            cfa = v &+ UInt64(bitPattern: off)
        } else {
            switch evaluate(row.cfa, regs: r.pointee, cfa: nil, dump: dump) {
            case .failure(let f): return .stop(f.stop)
            case .success(let v): cfa = v
            }
        }
        let ra = row.returnAddressRegister
        // Read from `steps` (plain values); only an expression other than an offset from the CFA is evaluated.
        let stop: UnwindStop? = row.steps.withUnsafeBufferPointer { steps in
            for i in 0..<steps.count {
                let st = steps[i]
                let reg = st.register
                switch st.kind {
                case .undefined: next.set(reg, nil)
                case .sameValue: continue  // unchanged: nothing to write
                default:
                    let at: UInt64
                    if st.hasOffset {
                        at = cfa &+ UInt64(bitPattern: st.offset)
                    } else {
                        switch expressionStep(row, i, regs: r.pointee, cfa: cfa, dump: dump) {
                        case .success(let v): at = v
                        case .failure(let f):
                            // A callee-saved register we cannot read is only unknown; the return address must be read.
                            if reg == ra { return f.stop }
                            next.set(reg, nil)
                            continue
                        }
                    }
                    guard st.kind == .location else {
                        next.set(reg, at)
                        continue
                    }
                    if let w = dump.load(at) {
                        next.set(reg, w)
                    } else {
                        if reg == ra { return dump.failure(at) }
                        next.set(reg, nil)
                    }
                }
            }
            return nil
        }
        if let stop { return .stop(stop) }
        if ra != 16 { next.set(16, next.value(ra, over: r)) }
        // The caller's SP is the CFA unless a rule says otherwise (signal trampolines give rsp one).
        if !row.spHasRule || next.value(7, over: r) == nil { next.set(7, cfa) }
        if next.value(16, over: r) == nil { return .stop(.root) }
        // A signal trampoline's row (the `S` augmentation, glibc's `__restore_rt`) gives the interrupted
        // registers, as Go's own restorer's context does.
        return .caller(row.isSignalFrame ? .signal : .cfi, exact: row.isSignalFrame)
    }

    /// The address (location rule) or value of step `i`'s expression.
    static func expressionStep(_ row: CFIRule, _ i: Int, regs: UnwindRegisters, cfa: UInt64, dump: StackDump)
        -> Result<UInt64, UnwindFailure>
    {
        switch row.changed[i].1 {
        case .location(let ops), .value(let ops): return evaluate(ops, regs: regs, cfa: cfa, dump: dump)
        default: return .failure(UnwindFailure(.badFrame))
        }
    }
}

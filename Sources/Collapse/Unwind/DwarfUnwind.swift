// Unwinding a `--call-graph dwarf` sample: the user registers and the copy of the user stack that perf
// recorded (PERF_SAMPLE_REGS_USER, PERF_SAMPLE_STACK_USER) turned into return addresses.
//
// Go frames follow the pclntab's SP-delta table exactly as the runtime's `resolveInternal` does
// (CFA = SP + pcsp + 8, RA = [CFA - 8], caller SP = CFA); every other frame follows CFI rows read through
// libdw (`CFITable`), evaluated here against the dump. The unwinder is pure: the caller supplies the rule
// of each PC (`rules`), so tests can feed it synthetic stacks. Reads never leave the dump; nothing read
// from it is used as a size; SP must strictly increase; at most `limit` frames.
import PerfData
import Symbolize

/// How an unwound frame's address was found (the stack-truth stage's `FrameOrigin` in the outputs).
public enum UnwindOrigin: String, Sendable {
    /// The sampled instruction (the user IP register).
    case ip
    /// A return address found with the Go pclntab's SP delta.
    case pcsp
    /// A return address found with CFI (`.eh_frame` / `.debug_frame`).
    case cfi
    /// The interrupted PC read from a signal frame's saved context.
    case signal
}

/// Why an unwind ended.
public enum UnwindStop: Sendable, Equatable {
    /// A root frame: Go's TopFrame functions (goexit, mstart, rt0_go) or CFI's undefined return address.
    case root
    /// The next read lay past the end of the stack dump, which was full: the stack was cut by the dump size.
    case truncated(dumpSize: Int)
    /// A read outside the valid part of a dump that was not full (the copy faulted), or below SP.
    case outsideDump
    /// A function that switches stacks (Go's SPWrite: systemstack, mcall, morestack, asmcgocall…): its
    /// caller is on another stack, which the dump does not hold. "signal": a signal frame's interrupted
    /// code ran on a stack outside the dump (Go's handlers run on the gsignal stack).
    case stackSwitch(String)
    /// No Go table and no CFI for this PC (no binary, no unwind info).
    case noRule
    /// The recovered SP did not increase, or the return address was 0 outside a root.
    case badFrame
    /// `limit` frames.
    case limit
}

/// The rule that unwinds one frame.
public enum FrameRule: Sendable {
    case go(GoFrameInfo)
    case cfi(CFIRule)
    case none
}

public struct UnwoundFrame: Sendable, Equatable {
    public var address: UInt64
    public var origin: UnwindOrigin
    /// An exact PC (the sampled one, or one a signal interrupted), not a return address.
    public var exact: Bool
}

/// x86-64 registers in DWARF numbering: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8–15 r8–r15,
/// 16 rip. A bit of `known` per register.
public struct UnwindRegisters: Sendable {
    /// Fixed storage, no heap: a copy is made per frame.
    var storage:
        (
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    public var known: UInt32 = 0

    public init() {}

    /// The value of register `r` (0...16) whether known or not.
    @inline(__always) func raw(_ r: Int) -> UInt64 {
        withUnsafeBytes(of: storage) { $0.load(fromByteOffset: r &* 8, as: UInt64.self) }
    }

    public subscript(r: Int) -> UInt64? {
        get { r >= 0 && r < 17 && known & (1 << r) != 0 ? raw(r) : nil }
        set {
            guard r >= 0 && r < 17 else { return }
            if let v = newValue {
                withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v, toByteOffset: r &* 8, as: UInt64.self) }
                known |= 1 << r
            } else {
                known &= ~(1 << r)
            }
        }
    }

    /// perf's x86 register index (`arch/x86/include/uapi/asm/perf_regs.h`) to DWARF numbering; -1: not used.
    static let perfToDwarf: [Int] = [
        0, 3, 2, 1, 4, 5, 6, 7, 16, -1, -1, -1, -1, -1, -1, -1, 8, 9, 10, 11, 12, 13, 14, 15
    ]

    /// `perfToDwarf[bit]` without a global array's lazy-initialisation check and bounds checks (every sample).
    @inline(__always) static func dwarfNumber(perf bit: Int) -> Int {
        switch bit {
        case 0: return 0
        case 1: return 3
        case 2: return 2
        case 3: return 1
        case 4...7: return bit
        case 8: return 16
        case 16...23: return bit &- 8
        default: return -1
        }
    }

    /// The registers of a sample: `values` holds one u64 per set bit of `mask`, in ascending bit order.
    /// nil unless IP and SP are among them.
    public init?(mask: UInt64, values regs: U64View) {
        var k = 0
        var bits = mask
        var known: UInt32 = 0
        // The set bits only, lowest first (one per recorded register); stored in one pass over the storage.
        withUnsafeMutableBytes(of: &storage) { st in
            while bits != 0, k < regs.count {
                let d = Self.dwarfNumber(perf: bits.trailingZeroBitCount)
                if d >= 0 {
                    st.storeBytes(of: regs[k], toByteOffset: d &* 8, as: UInt64.self)
                    known |= 1 << d
                }
                k += 1
                bits &= bits &- 1
            }
        }
        self.known = known
        guard self[7] != nil, self[16] != nil else { return nil }
    }

    /// perf's bit of DWARF register `d` (0...16), the inverse of `dwarfNumber(perf:)`.
    @inline(__always) static func perfBit(dwarf d: Int) -> Int {
        switch d {
        case 1: return 3
        case 3: return 1
        case 8...15: return d &+ 8
        case 16: return 8
        default: return d
        }
    }

    /// `load(mask:values:only: SampleRegisters.goRegisters)` unrolled: BP, SP and IP, the registers every
    /// sample's unwind starts from (the loop cost about 150 instructions a sample).
    @inline(__always) mutating func loadGoRegisters(mask: UInt64, values regs: U64View) {
        loadOne(6, perf: 6, mask: mask, values: regs)
        loadOne(7, perf: 7, mask: mask, values: regs)
        loadOne(16, perf: 8, mask: mask, values: regs)
    }

    @inline(__always) private mutating func loadOne(_ d: Int, perf p: Int, mask: UInt64, values regs: U64View) {
        guard mask & (1 << p) != 0 else { return }
        let k = (mask & ((1 << p) &- 1)).nonzeroBitCount
        guard k < regs.count else { return }
        self[d] = regs[k]
    }

    /// Sets the registers of `wanted` that `values` (one u64 per set bit of `mask`, ascending) holds: the
    /// value of perf bit p is at the count of `mask`'s bits below p.
    mutating func load(mask: UInt64, values regs: U64View, only wanted: UInt32) {
        var w = wanted & 0x1_ffff
        var known = self.known
        withUnsafeMutableBytes(of: &storage) { st in
            while w != 0 {
                let d = w.trailingZeroBitCount
                w &= w &- 1
                let p = Self.perfBit(dwarf: d)
                guard mask & (1 << p) != 0 else { continue }
                let k = (mask & ((1 << p) &- 1)).nonzeroBitCount
                guard k < regs.count else { continue }
                st.storeBytes(of: regs[k], toByteOffset: d &* 8, as: UInt64.self)
                known |= 1 << d
            }
        }
        self.known = known
    }
}

/// A sample's user registers as recorded, for loading the ones the first frame read them on demand.
struct SampleRegisters {
    let mask: UInt64
    let values: U64View
    /// What a Go step writes (BP, SP, IP): loaded up front, never reloaded.
    static let goRegisters: UInt32 = 1 << 6 | 1 << 7 | 1 << 16
}

/// A copy of the user stack starting at the sampled SP: `bytes` are the valid (`dyn_size`) bytes, `size` what
/// was asked for (a full copy means the stack may go on past it).
public struct StackDump {
    public let base: UInt64
    public let bytes: UnsafeRawBufferPointer
    public let size: Int

    public init(base: UInt64, bytes: UnsafeRawBufferPointer, size: Int) {
        self.base = base
        self.bytes = bytes
        self.size = size
    }

    public var isFull: Bool { bytes.count >= size && size > 0 }

    /// Whether `address` lies in the valid part of the dump.
    func holds(_ address: UInt64) -> Bool { address >= base && address &- base < UInt64(bytes.count) }

    /// The little-endian word at `address`, or why it cannot be read.
    @inline(__always) func word(_ address: UInt64) -> Result<UInt64, UnwindFailure> {
        guard address >= base else { return .failure(UnwindFailure(.outsideDump)) }
        let off = address &- base
        guard off <= UInt64(Int.max - 8), Int(off) + 8 <= bytes.count else {
            return .failure(UnwindFailure(isFull && off < UInt64(Int.max) ? .truncated(dumpSize: size) : .outsideDump))
        }
        return .success(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: Int(off), as: UInt64.self)))
    }
}

struct UnwindFailure: Error {
    let stop: UnwindStop
    init(_ s: UnwindStop) { stop = s }
}

public struct UnwindResult: Sendable {
    /// Leaf first: the sampled PC, then return addresses.
    public var frames: [UnwoundFrame]
    public var stop: UnwindStop
}

public enum DwarfUnwinder {
    /// Go's signal handler entry: a TopFrame for Go tracebacks, but its caller is a signal frame we can cross.
    static let goSigtramps: Set<String> = ["runtime.sigtramp", "runtime.cgoSigtramp"]
    /// Go's signal return trampolines (sa_restorer): the frame holds a ucontext.
    static let goSigreturns: Set<String> = ["runtime.sigreturn__sigaction", "runtime.sigreturn"]

    /// The UTF-8 lengths of `goSigreturns`' names: most Go frames are told apart by length, without hashing.
    static let goSigreturnLengths: [Int] = goSigreturns.map(\.utf8.count)

    /// Functions the runtime enters by a call it injects at an interrupted PC (async preemption, a fault):
    /// the return address it pushed is that PC itself, so their caller's frame is exact (traceback.go:
    /// `injectedCall` sets `unwindTrap`, and the caller is not looked up at pc - 1).
    static let goInjectedCalls: Set<String> = ["runtime.asyncPreempt", "runtime.sigpanic", "runtime.debugCallV2"]

    /// Whether the caller of this Go frame is an interrupted PC; ordinary functions have funcID 0.
    @inline(__always) static func callerIsExact(_ info: GoFrameInfo) -> Bool {
        info.funcID != 0 && goInjectedCalls.contains(info.name)
    }

    /// Whether a Go function ends the stack: TOPFRAME (`goexit`, `mstart`, `rt0_go`), except the signal
    /// handler entry, whose caller is the interrupted code. The dwarf unwinder and the `-g` root cut both ask.
    static func isGoRoot(flags: GoFuncFlag, name: String) -> Bool {
        flags.contains(.topFrame) && !goSigtramps.contains(name)
    }

    @inline(__always) static func isGoSigreturn(_ name: String) -> Bool {
        let n = name.utf8.count
        return goSigreturnLengths.contains(n) && goSigreturns.contains(name)
    }

    /// Unwinds from `regs` over `dump`. `rules(pc, exact)` gives the rule of the frame at `pc` (an exact PC,
    /// or a return address).
    public static func unwind(
        _ start: UnwindRegisters, dump: StackDump, limit: Int = 512,
        rules: (UInt64, Bool) -> FrameRule
    ) -> UnwindResult {
        var frames: [UnwoundFrame] = []
        let stop = unwind(start, dump: dump, limit: limit, into: &frames, rules: rules)
        return UnwindResult(frames: frames, stop: stop)
    }

    /// As `unwind(_:dump:limit:rules:)`, writing the frames into `frames` (emptied first, its storage kept:
    /// the fold unwinds every sample into one buffer).
    static func unwind(
        _ start: UnwindRegisters, dump: StackDump, limit: Int = 512, into frames: inout [UnwoundFrame],
        rules: (UInt64, Bool) -> FrameRule
    ) -> UnwindStop {
        var objects: [AnyObject] = []
        let stop = unwind(start, dump: dump, limit: limit, into: &frames) { FlatRule(rules($0, $1), objects: &objects) }
        withExtendedLifetime(objects) {}
        return stop
    }

    /// The unwinder: `rules(pc, exact)` gives the rule of the frame at `pc`, its objects kept alive by the
    /// caller. `rest`: registers `start` lacks, loaded before the first frame that may read them (a CFI
    /// frame); `start` then holds at least `SampleRegisters.goRegisters`.
    static func unwind(
        _ start: UnwindRegisters, rest: SampleRegisters? = nil, dump: StackDump, limit: Int = 512,
        into frames: inout [UnwoundFrame], rules: (UInt64, Bool) -> FlatRule
    ) -> UnwindStop {
        var regs = start
        var pending = rest
        // The caller's registers are written into one buffer (a step returns only how it ended): passing
        // 17 registers back inside a Result copied them several times per frame.
        var next = UnwindRegisters()
        frames.removeAll(keepingCapacity: true)
        frames.append(UnwoundFrame(address: regs.raw(16), origin: .ip, exact: true))
        var spWriteLeaf: String?
        while true {
            guard frames.count < limit else { return .limit }
            let here = frames[frames.count - 1]
            let rule = rules(here.address, here.exact)
            let step: StepResult
            switch rule.kind {
            case .none:
                // The return address an innermost SPWrite function gave (time.now, nanotime1 and the like
                // after moving to g0) is whatever its old frame left: no code there, so a stack switch.
                if let name = spWriteLeaf, frames.count == 2 {
                    frames.removeLast()
                    return .stackSwitch(name)
                }
                step = .stop(.noRule)
            case .go:
                if frames.count == 1, rule.go.contains(.spWrite) { spWriteLeaf = rule.name }
                switch goStep(rule, regs: regs, dump: dump, innermost: frames.count == 1, into: &next) {
                case .caller(let pc, let sp, let bp, let exact):
                    // `.caller` below for a Go frame, which changes only IP, SP and BP: no register copies.
                    if pc == 0 { return .root }
                    guard sp > regs.raw(7) else { return .badFrame }
                    frames.append(UnwoundFrame(address: pc, origin: .pcsp, exact: exact))
                    regs[16] = pc
                    regs[7] = sp
                    if let bp { regs[6] = bp }
                    continue
                case .other(let s): step = s
                }
            case .cfi:
                if let p = pending {
                    // Go steps wrote only IP, SP and BP: the others are still the sample's.
                    regs.load(mask: p.mask, values: p.values, only: ~SampleRegisters.goRegisters)
                    pending = nil
                }
                step = rule.withRow { cfiStep($0, regs: regs, dump: dump, into: &next) }
            }
            switch step {
            case .stop(let stop):
                // Past a signal frame whose interrupted SP is not in the dump, the interrupted code ran on
                // another stack (Go handles signals on the gsignal stack): a stack switch, not a cut dump.
                if here.origin == .signal, let sp = regs[7], !dump.holds(sp) { return .stackSwitch("signal") }
                return stop
            case .caller(let origin, let exact):
                guard let pc = next[16], let sp = next[7], let oldSP = regs[7] else { return .root }
                if pc == 0 { return .root }
                guard sp > oldSP else { return .badFrame }
                frames.append(UnwoundFrame(address: pc, origin: origin, exact: exact))
                regs = next
                // A CFI step started from whole registers; a signal frame's context gives them all.
                pending = nil
            }
        }
    }

    /// How one step ended: the caller found (its registers in the step's `next`), or the unwind stops.
    enum StepResult {
        case caller(UnwindOrigin, exact: Bool)
        case stop(UnwindStop)
    }

    /// How a Go step ended: the caller's IP, SP, (when this frame saved it) BP and whether its PC is exact,
    /// or as a step.
    enum GoStepResult {
        case caller(pc: UInt64, sp: UInt64, bp: UInt64?, exact: Bool)
        case other(StepResult)
    }

    /// One Go frame: `resolveInternal`'s rule. A signal-return trampoline's frame gives the interrupted
    /// registers from its ucontext (`uc_mcontext` at SP + 40: r8–r15, rdi, rsi, rbp, rbx, rdx, rax, rcx,
    /// rsp, rip).
    static func goStep(_ rule: FlatRule, regs: UnwindRegisters, dump: StackDump, innermost: Bool,
                       into next: inout UnwindRegisters) -> GoStepResult {
        guard let sp = regs[7] else { return .other(.stop(.badFrame)) }
        if rule.go.contains(.sigreturn) { return .other(signalContext(sp &+ 40, dump: dump, into: &next)) }
        if rule.go.contains(.root) { return .other(.stop(.root)) }
        if rule.go.contains(.spWrite) && !innermost { return .other(.stop(.stackSwitch(rule.name))) }
        let delta = rule.spDelta
        guard delta >= 0 else { return .other(.stop(.noRule)) }
        let cfa = sp &+ UInt64(delta) &+ 8
        let ra: UInt64
        switch dump.word(cfa &- 8) {
        case .failure(let f): return .other(.stop(f.stop))
        case .success(let v): ra = v
        }
        // A Go frame that pushed BP saved the caller's at CFA - 16 (PUSHQ BP right after the return address);
        // its caller may be C code whose CFA is BP-based.
        var bp: UInt64?
        if delta >= 8, !rule.go.contains(.asm), case .success(let v) = dump.word(cfa &- 16) { bp = v }
        return .caller(pc: ra, sp: cfa, bp: bp, exact: rule.go.contains(.callerExact))
    }

    static func signalContext(_ mc: UInt64, dump: StackDump, into next: inout UnwindRegisters) -> StepResult {
        let order = [8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16]
        next = UnwindRegisters()
        for (i, r) in order.enumerated() {
            switch dump.word(mc &+ UInt64(i) &* 8) {
            case .failure(let f): return .stop(f.stop)
            case .success(let v): next[r] = v
            }
        }
        return .caller(.signal, exact: true)
    }

    /// One CFI frame: the CFA, then each register by its rule; the return-address column gives the caller's PC.
    static func cfiStep(_ row: CFIRule, regs: UnwindRegisters, dump: StackDump, into next: inout UnwindRegisters)
        -> StepResult
    {
        let cfa: UInt64
        if let (r, off) = row.cfaRegisterOffset {
            // The usual CFA: a register plus an offset (no expression to evaluate).
            guard let v = regs[r] else { return .stop(.badFrame) }
            cfa = v &+ UInt64(bitPattern: off)
        } else {
            switch evaluate(row.cfa, regs: regs, cfa: nil, dump: dump) {
            case .failure(let f): return .stop(f.stop)
            case .success(let v): cfa = v
            }
        }
        // Registers the row does not change keep their values; the others follow their rules. Read from
        // `steps` (plain values); only an expression other than an offset from the CFA is evaluated.
        next = regs
        let ra = row.returnAddressRegister
        let steps = row.steps
        for i in 0..<steps.count {
            let st = steps[i]
            let r = st.register
            switch st.kind {
            case .undefined: next[r] = nil
            case .sameValue: next[r] = regs[r]
            default:
                let at: Result<UInt64, UnwindFailure>
                if st.hasOffset {
                    at = .success(cfa &+ UInt64(bitPattern: st.offset))
                } else {
                    switch row.changed[i].1 {
                    case .location(let ops), .value(let ops): at = evaluate(ops, regs: regs, cfa: cfa, dump: dump)
                    default: at = .failure(UnwindFailure(.badFrame))
                    }
                }
                switch at {
                case .failure(let f):
                    // A callee-saved register we cannot read is only unknown; the return address must be read.
                    if r == ra { return .stop(f.stop) }
                    next[r] = nil
                case .success(let v):
                    if st.kind == .location {
                        switch dump.word(v) {
                        case .success(let w): next[r] = w
                        case .failure(let f):
                            if r == ra { return .stop(f.stop) }
                            next[r] = nil
                        }
                    } else {
                        next[r] = v
                    }
                }
            }
        }
        if ra != 16 { next[16] = ra >= 0 && ra < 17 ? next[ra] : nil }
        // The caller's SP is the CFA unless a rule says otherwise (signal trampolines give rsp one).
        if !row.spHasRule || next[7] == nil { next[7] = cfa }
        if next[16] == nil { return .stop(.root) }
        return .caller(.cfi, exact: row.isSignalFrame)
    }
}

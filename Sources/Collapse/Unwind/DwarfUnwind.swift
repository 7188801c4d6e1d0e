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
    /// A read past the valid part of a dump that was not full, within the size asked for: the kernel's copy
    /// ended there (a page it could not read).
    case outsideDump
    /// The stack goes on on another stack, which the dump does not hold (`StackSwitch` says where).
    case stackSwitch(StackSwitch)
    /// No Go table and no CFI for this PC (no binary, no unwind info).
    case noRule
    /// The recovered SP did not increase, a read fell below the sampled SP, or the return address was 0
    /// outside a root.
    case badFrame
    /// `limit` frames.
    case limit
}

/// Where an unwind met a stack switch. Plain values, so that an `UnwindStop` is too: a stop that could hold
/// a String was copied and destroyed through outlined functions once per sample.
public enum StackSwitch: Sendable, Equatable {
    /// A function that switches stacks, not innermost (Go's SPWrite: systemstack, mcall, morestack,
    /// asmcgocall…): its caller is on another stack. The unwind's last frame is that function.
    case switchingFunction
    /// An innermost SPWrite function that had already moved to another stack (time.now, nanotime1 on g0):
    /// what its old frame left is no return address.
    case movedLeaf
    /// A signal frame's interrupted code ran on a stack outside the dump (Go's handlers run on the gsignal
    /// stack). The unwind's last frame is the interrupted function.
    case signal
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

    /// Sets register `r` (0...16, not checked: the unwinder's own register numbers) to `v`.
    @inline(__always) mutating func set(_ r: Int, _ v: UInt64) {
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v, toByteOffset: r &* 8, as: UInt64.self) }
        known |= 1 << r
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

    /// As `load(mask:values:only:)` with the mask's layout: one byte read per wanted register (the unwinder's
    /// path, before the first CFI frame of a sample). Inlined: called, it cost a cgo capture 4.9 M.
    @inline(__always)
    mutating func load(layout: RegisterLayout, values regs: U64View, only wanted: UInt32) {
        var w = wanted & 0x1_ffff
        var known = self.known
        let n = regs.count
        withUnsafeMutableBytes(of: &storage) { st in
            withUnsafeBytes(of: layout.slots) { idx in
                while w != 0 {
                    let d = w.trailingZeroBitCount
                    w &= w &- 1
                    let k = Int(idx[d])
                    guard k != 0xff, k < n else { continue }
                    st.storeBytes(of: regs[k], toByteOffset: d &* 8, as: UInt64.self)
                    known |= 1 << d
                }
            }
        }
        self.known = known
    }

    /// Sets the registers of `wanted` that `values` (one u64 per set bit of `mask`, ascending) holds. One pass
    /// over the recorded bits, lowest first, the k-th value belonging to the k-th bit: counting the bits
    /// below each wanted one (a software popcount on baseline x86-64) cost about 650 instructions a sample
    /// on a cgo capture.
    mutating func load(mask: UInt64, values regs: U64View, only wanted: UInt32) {
        let w = wanted & 0x1_ffff
        var bits = mask
        var k = 0
        var known = self.known
        let n = regs.count
        withUnsafeMutableBytes(of: &storage) { st in
            while bits != 0, k < n {
                let d = Self.dwarfNumber(perf: bits.trailingZeroBitCount)
                if d >= 0, w & (1 << d) != 0 {
                    st.storeBytes(of: regs[k], toByteOffset: d &* 8, as: UInt64.self)
                    known |= 1 << d
                }
                k &+= 1
                bits &= bits &- 1
            }
        }
        self.known = known
    }
}

/// A sample's user registers as recorded, for loading the ones the first frame read them on demand.
struct SampleRegisters {
    let values: U64View
    /// Where each register's value is among `values` (the event's register mask's layout, made once per event).
    var layout: RegisterLayout
    /// What a Go step writes (BP, SP, IP): loaded up front, never reloaded.
    static let goRegisters: UInt32 = 1 << 6 | 1 << 7 | 1 << 16

    init(values: U64View, layout: RegisterLayout) {
        self.values = values
        self.layout = layout
    }

    /// The sample's value of DWARF register `d` (0...16); nil when its mask lacks it.
    func value(_ d: Int) -> UInt64? {
        let k = withUnsafeBytes(of: layout.slots) { Int($0[d]) }
        return k != 0xff && k < values.count ? values[k] : nil
    }
}

/// Where each DWARF register's value is among a sample's recorded ones for one register mask: byte d of
/// `slots` is the index of register d's value (0...16), 0xff when the mask lacks it. Made once per event,
/// so loading a register is a byte read, not a walk or a count of the mask's bits.
struct RegisterLayout {
    var slots: (UInt64, UInt64, UInt64) = (.max, .max, .max)

    init(mask: UInt64) {
        var bits = mask
        var k: UInt8 = 0
        withUnsafeMutableBytes(of: &slots) { s in
            // At most 64 bits: k stays below 0xff.
            while bits != 0 {
                let d = UnwindRegisters.dwarfNumber(perf: bits.trailingZeroBitCount)
                if d >= 0 { s[d] = k }
                k &+= 1
                bits &= bits &- 1
            }
        }
    }
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

    /// The most a signal frame can take above the SP its handler was entered with: Linux's `rt_sigframe`,
    /// the XSAVE area (about 11 KB with AMX tile data) and the 128-byte red zone.
    static let largestSignalFrame: UInt64 = 16 << 10

    /// Whether a signal frame's interrupted SP, not in the dump, may be the same stack going on past it: above
    /// the dump's start and within a signal frame of the size asked for (the kernel builds the frame just below
    /// the interrupted SP when the handler runs on the interrupted stack). Farther away, or below, the handler
    /// ran on its own stack (`sigaltstack`; Go's gsignal stack), and the interrupted code's stack is elsewhere.
    func mayContinue(to sp: UInt64) -> Bool {
        sp >= base && sp &- base < UInt64(clamping: size) &+ Self.largestSignalFrame
    }

    /// The little-endian word at `address`, or why it cannot be read.
    @inline(__always) func word(_ address: UInt64) -> Result<UInt64, UnwindFailure> {
        guard let v = load(address) else { return .failure(UnwindFailure(failure(address))) }
        return .success(v)
    }

    /// The little-endian word at `address`; nil when it is not wholly in the valid bytes (`failure` says why).
    /// A plain optional: the unwinder's hot path, where a `Result` carrying an `UnwindStop` (which holds a
    /// String) cost outlined copies per read.
    @inline(__always) func load(_ address: UInt64) -> UInt64? {
        let off = address &- base
        let n = UInt64(bytes.count)
        guard address >= base, n >= 8, off <= n &- 8 else { return nil }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: Int(truncatingIfNeeded: off), as: UInt64.self))
    }

    /// Why `load(address)` gave nil. Past the end of a full dump, or past the size asked for whatever the copy
    /// held, the stack was cut by the dump size: a frame larger than the dump (a Go function with a 15 KB
    /// frame under an 8 KB dump) whose untouched pages also ended the kernel's copy early is cut by the size,
    /// not by the copy. Inside the size asked for, past a copy that ended early (the kernel copies no page
    /// that is not resident): outside the dump. Below the sampled SP: a bad frame.
    func failure(_ address: UInt64) -> UnwindStop {
        guard address >= base else { return .badFrame }
        let off = address &- base
        guard size > 0, off < UInt64(Int.max) else { return .outsideDump }
        return isFull || off > UInt64(size) &- 8 ? .truncated(dumpSize: size) : .outsideDump
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
    /// The most frames the fold unwinds a sample to (`UnwindStop.limit`).
    static var frameLimit: Int { 512 }

    /// Go's signal handler entry: a TopFrame for Go tracebacks, but its caller is a signal frame we can cross.
    static let goSigtramps: Set<String> = ["runtime.sigtramp", "runtime.cgoSigtramp"]
    /// Go's signal return trampolines (sa_restorer): the frame holds a ucontext.
    static let goSigreturns: Set<String> = ["runtime.sigreturn__sigaction", "runtime.sigreturn"]
    /// Go functions that pop their return address into R12 around a syscall: `syscall.rawVforkSyscall`
    /// (POPQ R12; SYSCALL; PUSHQ R12: the vfork child runs on this stack until it execs).
    static let goReturnInR12: Set<String> = ["syscall.rawVforkSyscall"]

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

    /// As `unwind(_:dump:limit:rules:)`, writing the frames into `frames` (replaced).
    static func unwind(
        _ start: UnwindRegisters, dump: StackDump, limit: Int = 512, into frames: inout [UnwoundFrame],
        rules: (UInt64, Bool) -> FrameRule
    ) -> UnwindStop {
        var objects: [AnyObject] = []
        let stop = unwind(start, dump: dump, limit: limit, into: &frames) { FlatRule(rules($0, $1), objects: &objects) }
        withExtendedLifetime(objects) {}
        return stop
    }

    /// The unwinder over an array (tests): as `unwind(_:rest:dump:limit:frames:count:rules:)`.
    static func unwind(
        _ start: UnwindRegisters, dump: StackDump, limit: Int = 512,
        into frames: inout [UnwoundFrame], rules: (UInt64, Bool) -> FlatRule
    ) -> UnwindStop {
        var stop = UnwindStop.limit
        var regs = start
        frames = [UnwoundFrame](unsafeUninitializedCapacity: max(limit, 1)) { buffer, n in
            stop = unwind(&regs, rest: nil, dump: dump, limit: limit, frames: buffer.baseAddress!, count: &n) {
                pc, exact, _ in rules(pc, exact)
            }
        }
        return stop
    }

    /// The unwinder, from the sample's registers `regs` (changed as it goes: taken in place, not copied):
    /// writes the frames, leaf first, to `frames` (room for `max(limit, 1)`, uninitialised or
    /// trivially overwritten) and how many to `count`. `rules(pc, exact, i)` gives the rule of frame `i`, its
    /// objects kept alive by the caller; it is asked once per frame, in order, for every frame but the last
    /// when the unwind stops at `limit`. `rest`: registers `regs` lacks, loaded before the first frame that
    /// may read them (a CFI frame); `regs` then holds at least `SampleRegisters.goRegisters`.
    /// Frames go straight into the caller's buffer, ordinary Go frames are stepped inline, and CFI steps
    /// write only the registers their row names (`RegisterUpdate`): no array appends, uniqueness checks or
    /// 17-register copies per frame. `start`: frames already written (`goRun`'s), 0 for none. Inlined into
    /// its caller with the rules closure (`unwindRest`): called, it cost the cgo bench capture 3.4 M.
    @inline(__always)
    static func unwind(
        _ regs: inout UnwindRegisters, rest: UnsafePointer<SampleRegisters>?, dump: StackDump, limit: Int,
        frames: UnsafeMutablePointer<UnwoundFrame>, count: inout Int, from start: Int = 0,
        rules: (UInt64, Bool, Int) -> FlatRule
    ) -> UnwindStop {
        var pending = rest, update = RegisterUpdate()
        if start == 0 { frames.initialize(to: UnwoundFrame(address: regs.raw(16), origin: .ip, exact: true)) }
        var n = max(start, 1)
        defer { count = n }
        var spWriteLeaf = false
        while true {
            guard n < limit else { return .limit }
            let here = frames[n &- 1]
            let rule = rules(here.address, here.exact, n &- 1)
            let step: StepResult
            switch rule.kind {
            case .none:
                // The return address an innermost SPWrite function gave (time.now, nanotime1 and the like
                // after moving to g0) is whatever its old frame left: no code there, so a stack switch.
                if spWriteLeaf, n == 2 {
                    n = 1
                    return .stackSwitch(.movedLeaf)
                }
                step = .stop(.noRule)
            case .go:
                if n == 1, rule.go.contains(.spWrite) { spWriteLeaf = true }
                let ordinary = rule.go.isDisjoint(with: FlatRule.GoBits.unusual) && rule.spDelta >= 0
                if !(ordinary && regs.known & 1 << 7 != 0),
                    let s = goSpecialStep(rule, sp: regs[7], r12: regs[12], rest: pending, dump: dump,
                                          innermost: n == 1, into: &update)
                {
                    step = s
                    break
                }
                // `resolveInternal`'s rule: CFA = SP + pcsp + 8, RA = [CFA - 8], caller SP = CFA; only IP, SP
                // and BP change.
                let sp = regs.raw(7)
                let cfa = sp &+ UInt64(UInt32(bitPattern: rule.spDelta)) &+ 8
                guard let pc = dump.load(cfa &- 8) else {
                    step = .stop(dump.failure(cfa &- 8))
                    break
                }
                if pc == 0 { return .root }
                guard cfa > sp else { return .badFrame }
                (frames + n).initialize(to: UnwoundFrame(address: pc, origin: .pcsp, exact: rule.go.contains(.callerExact)))
                n &+= 1
                // A Go frame that pushed BP saved the caller's at CFA - 16 (PUSHQ BP right after the return
                // address); its caller may be C code whose CFA is BP-based.
                if rule.spDelta >= 8, !rule.go.contains(.asm), let bp = dump.load(cfa &- 16) { regs.set(6, bp) }
                regs.set(16, pc)
                regs.set(7, cfa)
                continue
            case .cfi:
                if let p = pending {
                    // Go steps wrote only IP, SP and BP: the others are still the sample's.
                    regs.load(layout: p.pointee.layout, values: p.pointee.values, only: ~SampleRegisters.goRegisters)
                    pending = nil
                }
                step = withUnsafeMutablePointer(to: &regs) { r in
                    rule.withRow { cfiStep($0, at: r, dump: dump, into: &update) }
                }
            }
            switch step {
            case .stop(let stop):
                return endOfStack(stop, after: here, sp: regs[7], dump: dump)
            case .caller(let origin, let exact):
                guard let pc = update.value(16, over: regs), let sp = update.value(7, over: regs), let oldSP = regs[7]
                else { return .root }
                if pc == 0 { return .root }
                // SP need not grow past a signal frame (the handler's own stack) or the R12 step (innermost).
                guard sp > oldSP || origin == .signal || (origin == .pcsp && sp == oldSP) else { return .badFrame }
                (frames + n).initialize(to: UnwoundFrame(address: pc, origin: origin, exact: exact))
                n &+= 1
                update.apply(to: &regs)
                // A CFI step started from whole registers; a signal frame's context gives them all. The R12
                // step wrote only IP and SP.
                if origin != .pcsp { pending = nil }
            }
        }
    }

    /// `stop`, unless it came past a signal frame whose interrupted SP is neither in the dump nor just past
    /// it: the interrupted code ran on another stack (Go handles signals on the gsignal stack), a stack
    /// switch rather than a cut dump.
    static func endOfStack(_ stop: UnwindStop, after here: UnwoundFrame, sp: UInt64?, dump: StackDump) -> UnwindStop {
        guard here.origin == .signal, let sp, !dump.holds(sp), !dump.mayContinue(to: sp) else { return stop }
        return .stackSwitch(.signal)
    }

    /// How one step ended: the caller found (its registers in the step's `RegisterUpdate`), or the unwind
    /// stops.
    enum StepResult {
        case caller(UnwindOrigin, exact: Bool)
        case stop(UnwindStop)
    }

    /// A Go frame the inline step does not take: a signal-return trampoline's frame gives the interrupted
    /// registers from its ucontext (`uc_mcontext` at SP + 40: r8–r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp,
    /// rip); a root, a stack switch or a PC without SP delta stops. nil: an ordinary frame after all (an
    /// innermost SPWrite function).
    static func goSpecialStep(_ rule: FlatRule, sp: UInt64?, r12: UInt64?, rest: UnsafePointer<SampleRegisters>?,
                              dump: StackDump, innermost: Bool, into next: inout RegisterUpdate) -> StepResult? {
        guard let sp else { return .stop(.badFrame) }
        if rule.go.contains(.sigreturn) { return signalContext(sp &+ 40, dump: dump, into: &next) }
        if rule.go.contains(.root) { return .stop(.root) }
        if rule.go.contains(.spWrite) && !innermost { return .stop(.stackSwitch(.switchingFunction)) }
        guard rule.spDelta >= 0 else {
            // Between rawVforkSyscall's POPQ R12 and PUSHQ R12 the caller's PC is in R12 and SP is already
            // the caller's (the sample's own registers: innermost only; R12 still among `rest` before a CFI frame).
            guard innermost, rule.go.contains(.returnInR12), let ra = r12 ?? rest?.pointee.value(12) else {
                return .stop(.noRule)
            }
            next.reset()
            next.set(16, ra)
            next.set(7, sp)
            return .caller(.pcsp, exact: false)
        }
        return nil
    }
}

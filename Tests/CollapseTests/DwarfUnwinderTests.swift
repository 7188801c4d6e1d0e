import Foundation
import Testing
@testable import Collapse
@testable import PerfData
@testable import Symbolize

/// The unwinder on hand-made stacks: the rules, the stops, and hostile dumps.
@Suite struct DwarfUnwinderTests {
    static func goInfo(_ name: String, sp: Int32?, flags: UInt8 = 0) -> FrameRule {
        .go(GoFrameInfo(entry: 0, end: 0, spDelta: sp, flags: GoFuncFlag(rawValue: flags), funcID: 0, name: name))
    }

    /// A dump at `base` holding `words`; `size`: what was asked for (the copy is full when it equals the bytes).
    static func withDump<T>(_ words: [UInt64], base: UInt64, size: Int? = nil, _ body: (StackDump) -> T) -> T {
        let bytes = words.flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        return bytes.withUnsafeBytes { body(StackDump(base: base, bytes: $0, size: size ?? bytes.count)) }
    }

    static func regs(ip: UInt64, sp: UInt64, bp: UInt64 = 0) -> UnwindRegisters {
        var r = UnwindRegisters()
        r[16] = ip
        r[7] = sp
        r[6] = bp
        return r
    }

    /// leaf (frameless, pcsp 0) <- mid (pcsp 0x18) <- goexit (TopFrame): CFA = SP + pcsp + 8, RA = [CFA - 8].
    @Test func goFramesByPcsp() {
        let sp: UInt64 = 0x1000
        // [0x1000] = RA into mid; mid's frame: 0x18 bytes then RA into goexit at 0x1008 + 0x18.
        let words: [UInt64] = [0x2010, 0, 0, 0xbeef, 0x3001, 0]
        let r = Self.withDump(words, base: sp) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: sp), dump: dump) { pc, _ in
                switch pc {
                case 0x1500: Self.goInfo("main.leaf", sp: 0)
                case 0x2010: Self.goInfo("main.mid", sp: 0x18)
                case 0x3001: Self.goInfo("runtime.goexit", sp: 0, flags: 1)
                default: .none
                }
            }
        }
        #expect(r.frames.map(\.address) == [0x1500, 0x2010, 0x3001])
        #expect(r.frames.map(\.origin) == [.ip, .pcsp, .pcsp])
        #expect(r.frames.map(\.exact) == [true, false, false])
        #expect(r.stop == .root)
    }

    /// A return address past a full dump, or past the size asked for: cut by the dump size; inside the size
    /// asked for but past a copy that ended early: outside the dump.
    @Test func truncatedPastAFullDumpOrTheSizeAskedFor() {
        let rule: (UInt64, Bool) -> FrameRule = { pc, _ in pc == 0x1500 ? Self.goInfo("main.f", sp: 0x20) : .none }
        let full = Self.withDump([1, 2], base: 0x1000) { DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: $0, rules: rule) }
        #expect(full.stop == .truncated(dumpSize: 16))
        #expect(full.frames.count == 1)
        let short = Self.withDump([1, 2], base: 0x1000, size: 8192) { DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: $0, rules: rule) }
        #expect(short.stop == .outsideDump)
        #expect(PerfCollapser.truncationMarker(full.stop) == "[truncated: stack dump 16 bytes]")
        #expect(PerfCollapser.truncationMarker(short.stop) == "[truncated: stack copy ended early]")
        #expect(PerfCollapser.truncationMarker(.badFrame) == nil && PerfCollapser.truncationMarker(.root) == nil)
        // A frame larger than the dump (its return address past the 64 bytes asked for), in a copy that
        // ended early: cut by the dump size, as a full copy would have been (Go's cmd/compile has 15 KB frames).
        let big: (UInt64, Bool) -> FrameRule = { pc, _ in pc == 0x1500 ? Self.goInfo("main.big", sp: 0x60) : .none }
        let bigFrame = Self.withDump([1, 2], base: 0x1000, size: 64) { DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: $0, rules: big) }
        #expect(bigFrame.stop == .truncated(dumpSize: 64))
        // The return address at SP + pcsp: its word's last byte the first past the 64 bytes, then within them.
        let edge: (UInt64, Bool) -> FrameRule = { pc, _ in pc == 0x1500 ? Self.goInfo("main.edge", sp: 57) : .none }
        let pastEdge = Self.withDump([1, 2], base: 0x1000, size: 64) { DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: $0, rules: edge) }
        #expect(pastEdge.stop == .truncated(dumpSize: 64))
        let inside: (UInt64, Bool) -> FrameRule = { pc, _ in pc == 0x1500 ? Self.goInfo("main.inside", sp: 56) : .none }
        let insideEdge = Self.withDump([1, 2], base: 0x1000, size: 64) { DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: $0, rules: inside) }
        #expect(insideEdge.stop == .outsideDump)
        // A read below the sampled SP: a bad frame, not a short copy.
        #expect(Self.withDump([1, 2], base: 0x1000, size: 64) { $0.failure(0xff8) } == .badFrame)
        #expect(Self.withDump([1, 2], base: 0x1000) { $0.failure(0xff8) } == .badFrame)
    }

    /// SPWrite functions end the unwind when not innermost (their caller is on another stack); a huge pcsp
    /// wraps to an address outside the dump instead of trapping; SP must grow.
    @Test func stopsAtStackSwitchesAndHostileValues() {
        let switched = Self.withDump([0x2000, 0], base: 0x1000) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: dump) { pc, _ in
                pc == 0x1500 ? Self.goInfo("main.f", sp: 0) : Self.goInfo("runtime.systemstack", sp: 0, flags: 2)
            }
        }
        #expect(switched.stop == .stackSwitch(.switchingFunction))
        #expect(switched.frames.count == 2)
        // An innermost SPWrite function whose "return address" is no code: it had moved to another stack.
        let moved = Self.withDump([0xd63cb9b, 0], base: 0x1000) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: dump) { pc, _ in
                pc == 0x1500 ? Self.goInfo("time.now", sp: 0, flags: 2) : .none
            }
        }
        #expect(moved.stop == .stackSwitch(.movedLeaf) && moved.frames.count == 1)
        let huge = Self.withDump([0x2000], base: 0xffff_ffff_ffff_fff0) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0xffff_ffff_ffff_fff0), dump: dump) { _, _ in Self.goInfo("main.f", sp: .max) }
        }
        #expect(huge.stop == .outsideDump || huge.stop == .badFrame)
        // CFA = rsp + 0: the caller's SP would not grow.
        let flat = CFIRule(cfa: [CFIOp(atom: 0x77, number: 0)], registers: Array(repeating: .sameValue, count: 16)
                            + [.location([CFIOp(atom: 0x9c, number: 0)])], returnAddressRegister: 16, isSignalFrame: false)
        let stuck = Self.withDump([0x2000], base: 0x1000) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: dump) { _, _ in .cfi(flat) }
        }
        #expect(stuck.stop == .badFrame)
        // A loop of frames that each grow SP by 8 ends at the frame limit.
        let loop = Self.withDump(Array(repeating: 0x1500, count: 64), base: 0x1000) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000), dump: dump, limit: 10) { _, _ in Self.goInfo("main.r", sp: 0) }
        }
        #expect(loop.stop == .limit && loop.frames.count == 10)
    }

    /// CFI as gcc writes it for a function with a frame pointer: CFA = rbp + 16, RA at CFA - 8, rbp at CFA - 16
    /// (libdw gives "offset(N)" as call_frame_cfa, consts N, plus).
    @Test func cfiWithFramePointer() {
        func at(_ n: Int64) -> CFIRegisterRule { .location([CFIOp(atom: 0x9c, number: 0), CFIOp(atom: 0x11, number: UInt64(bitPattern: n)), CFIOp(atom: 0x22, number: 0)]) }
        var regs = [CFIRegisterRule](repeating: .sameValue, count: 17)
        regs[6] = at(-16)
        regs[16] = at(-8)
        let row = CFIRule(cfa: [CFIOp(atom: 0x76, number: 16)], registers: regs, returnAddressRegister: 16, isSignalFrame: false)
        // rsp = 0x1000, rbp = 0x1010: saved rbp at 0x1010, RA at 0x1018.
        let r = Self.withDump([0, 0, 0x5555, 0x4242, 0], base: 0x1000) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x1500, sp: 0x1000, bp: 0x1010), dump: dump) { pc, exact in
                pc == 0x1500 ? .cfi(row) : (exact ? .none : .none)
            }
        }
        #expect(r.frames.map(\.address) == [0x1500, 0x4242])
        #expect(r.frames[1].origin == .cfi)
        #expect(r.stop == .noRule)
    }

    /// Go's signal restorer frame: the interrupted registers come from the ucontext at SP + 40, the PC exact.
    @Test func goSignalFrame() {
        var words = [UInt64](repeating: 0, count: 40)
        words[0] = 0x7000  // sigtramp's RA: the restorer's entry
        // Restorer frame: SP = 0x1008; uc_mcontext at 0x1008 + 40 = word 6; rsp is gregs[15], rip gregs[16].
        words[6 + 15] = 0x1100
        words[6 + 16] = 0x4444
        words[6 + 10] = 0xb0b0
        let r = Self.withDump(words, base: 0x1000) { dump in
            DwarfUnwinder.unwind(Self.regs(ip: 0x6000, sp: 0x1000), dump: dump) { pc, _ in
                switch pc {
                case 0x6000: Self.goInfo("runtime.sigtramp", sp: 0, flags: 1)
                case 0x7000: Self.goInfo("runtime.sigreturn__sigaction", sp: 0)
                default: .none
                }
            }
        }
        #expect(r.frames.map(\.address) == [0x6000, 0x7000, 0x4444])
        #expect(r.frames.dropFirst(2).first.map { $0.origin == .signal && $0.exact } == true)
    }

    /// glibc's `__restore_rt` as its CFI gives it (the `S` augmentation): the CFA is the saved rsp, read from
    /// the ucontext, and rip is read beside it. `mcontext`: where its rsp and rip are, as offsets from the
    /// restorer's SP.
    static func restorerRow(rsp: Int64 = 160, rip: Int64 = 168) -> CFIRule {
        var regs = [CFIRegisterRule](repeating: .sameValue, count: 17)
        regs[7] = .value([CFIOp(atom: 0x77, number: UInt64(bitPattern: rsp)), CFIOp(atom: 0x06, number: 0)])
        regs[16] = .location([CFIOp(atom: 0x77, number: UInt64(bitPattern: rip))])
        return CFIRule(cfa: [CFIOp(atom: 0x77, number: UInt64(bitPattern: rsp)), CFIOp(atom: 0x06, number: 0)],
                       registers: regs, returnAddressRegister: 16, isSignalFrame: true)
    }

    /// A signal taken on its own stack (Go's gsignal stack, through libc's restorer in a cgo program): the
    /// interrupted frame is found (origin `signal`, exact), and its own caller, on a stack the dump does not
    /// hold, ends the unwind as a stack switch. Just past the dump, the interrupted stack may be the same
    /// one going on (the handler ran on it): cut by the dump size, with its marker.
    @Test func signalFrameThroughCFIEndsAtItsStack() {
        func unwind(interruptedSP: UInt64) -> UnwindResult {
            var words = [UInt64](repeating: 0, count: 32)
            words[0] = 0x7000  // the handler's return address: the restorer
            // The restorer's SP is 0x1008: saved rsp at +160, rip at +168.
            words[1 + 20] = interruptedSP
            words[1 + 21] = 0x4444
            return Self.withDump(words, base: 0x1000) { dump in
                DwarfUnwinder.unwind(Self.regs(ip: 0x6000, sp: 0x1000), dump: dump) { pc, _ in
                    switch pc {
                    case 0x6000: Self.goInfo("runtime.sigtramp", sp: 0)
                    case 0x7000: .cfi(Self.restorerRow())
                    case 0x4444: Self.goInfo("runtime.futex", sp: 0x10)
                    default: .none
                    }
                }
            }
        }
        let far = unwind(interruptedSP: 0x7fff_0000_0000)
        #expect(far.frames.map(\.address) == [0x6000, 0x7000, 0x4444])
        #expect(far.frames.last.map { $0.origin == .signal && $0.exact } == true)
        #expect(far.stop == .stackSwitch(.signal))
        #expect(PerfCollapser.truncationMarker(far.stop) == nil)
        // Below the dump: another stack too.
        #expect(unwind(interruptedSP: 0x800).stop == .stackSwitch(.signal))
        // 0x100 bytes past the 256-byte dump: within a signal frame of it.
        let near = unwind(interruptedSP: 0x1200)
        #expect(near.frames.count == 3)
        #expect(near.stop == .truncated(dumpSize: 256))
    }

    /// `syscall.rawVforkSyscall` between its POPQ R12 and PUSHQ R12 (SP delta -8, where a vfork sample's
    /// user registers stand): the caller's PC is R12 and its SP the sample's, and the unwind goes on from
    /// there. Without R12, or in a function that does not keep its return address there, it stops.
    @Test func vforkReturnAddressInR12() {
        let words: [UInt64] = [0x3001, 0]  // the caller's return address into goexit, at the sample's SP
        let rules: (UInt64, Bool) -> FrameRule = { pc, _ in
            switch pc {
            case 0x1500: Self.goInfo("syscall.rawVforkSyscall", sp: -8)
            case 0x1600: Self.goInfo("main.popsToo", sp: -8)
            case 0x2010: Self.goInfo("syscall.forkAndExecInChild1", sp: 0)
            case 0x3001: Self.goInfo("runtime.goexit", sp: 0, flags: 1)
            default: .none
            }
        }
        func unwind(ip: UInt64, r12: UInt64?) -> UnwindResult {
            var start = Self.regs(ip: ip, sp: 0x1000)
            if let r12 { start[12] = r12 }
            return Self.withDump(words, base: 0x1000) { DwarfUnwinder.unwind(start, dump: $0, rules: rules) }
        }
        let r = unwind(ip: 0x1500, r12: 0x2010)
        #expect(r.frames.map(\.address) == [0x1500, 0x2010, 0x3001])
        #expect(r.frames[1].origin == .pcsp && !r.frames[1].exact)
        #expect(r.stop == .root)
        let noR12 = unwind(ip: 0x1500, r12: nil)
        #expect(noR12.frames.count == 1 && noR12.stop == .noRule)
        let other = unwind(ip: 0x1600, r12: 0x2010)
        #expect(other.frames.count == 1 && other.stop == .noRule)
    }

    /// perf's x86 register order (mask 0xff0fff: AX..SP, IP, FLAGS, CS, SS, R8..R15) to DWARF numbers.
    @Test func registersFromThePerfMask() {
        let values: [UInt64] = (0..<20).map { 100 + UInt64($0) }
        let r = values.withUnsafeBytes { UnwindRegisters(mask: 0xff0fff, values: U64View(base: $0.baseAddress, count: 20, swaps: false)) }
        #expect(r?[6] == 106 && r?[7] == 107 && r?[16] == 108)  // BP, SP, IP
        #expect(r?[3] == 101 && r?[1] == 103)  // BX, DX
        #expect(r?[8] == 112 && r?[15] == 119)  // R8, R15
        let short = values.withUnsafeBytes { UnwindRegisters(mask: 0xff0fff, values: U64View(base: $0.baseAddress, count: 3, swaps: false)) }
        #expect(short == nil, "no SP or IP among 3 values")
    }

    /// Hostile dumps and rules: random words and bases (near the top of the address space too), random pcsp
    /// (huge and negative), random CFI offsets, signal rows. Every unwind ends, without trapping, within the
    /// frame limit. Seeded: the same inputs every run.
    @Test func randomInputsEndWithinBounds() {
        var rng = SplitMix64(seed: 17)
        for round in 0..<2000 {
            let count = Int.random(in: 0..<64, using: &rng)
            let words = (0..<count).map { _ in Bool.random(using: &rng) ? UInt64.random(in: 0x1000..<0x1100, using: &rng) : UInt64.random(in: 0...UInt64.max, using: &rng) }
            let base = UInt64.random(in: 0...UInt64.max, using: &rng)
            let row = CFIRule(cfa: [CFIOp(atom: 0x77, number: UInt64(bitPattern: Int64.random(in: -64...256, using: &rng)))],
                              registers: Array(repeating: CFIRegisterRule.sameValue, count: 16)
                                  + [.location([CFIOp(atom: 0x9c, number: 0), CFIOp(atom: 0x11, number: UInt64(bitPattern: Int64.random(in: -64...64, using: &rng))), CFIOp(atom: 0x22, number: 0)])],
                              returnAddressRegister: 16, isSignalFrame: round % 7 == 0)
            let r = Self.withDump(words, base: base, size: round % 2 == 0 ? nil : 8192) { dump in
                DwarfUnwinder.unwind(Self.regs(ip: 0x1000, sp: base), dump: dump, limit: 64) { pc, _ in
                    switch pc % 4 {
                    case 0: Self.goInfo("main.f", sp: Int32.random(in: Int32.min...Int32.max))
                    case 1: Self.goInfo("main.g", sp: Int32(Int.random(in: 0..<8) * 8))
                    case 2: .cfi(row)
                    default: .none
                    }
                }
            }
            #expect(r.frames.count >= 1 && r.frames.count <= 64)
            if r.frames.count > 1 { #expect(r.frames[0].address == 0x1000) }
        }
    }
}

/// A small seeded generator (SplitMix64), so randomized tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Calls the runtime injects at an interrupted PC (`runtime.asyncPreempt`, `runtime.sigpanic`): the return
/// address they find is the PC itself, which the runtime's traceback does not back up by one.
@Suite struct InjectedCallTests {
    static func unwind(calleeName: String, funcID: UInt8) -> UnwindResult {
        let sp: UInt64 = 0x1000
        // asyncPreempt's frame: 0x10 bytes, then the interrupted PC 0x2000 (an instruction start, not after a
        // CALL); main.loop's frame: 0x8 bytes, then goexit+1.
        let words: [UInt64] = [0, 0, 0x2000, 0, 0x3001]
        return DwarfUnwinderTests.withDump(words, base: sp) { dump in
            DwarfUnwinder.unwind(DwarfUnwinderTests.regs(ip: 0x1500, sp: sp), dump: dump) { pc, _ in
                switch pc {
                case 0x1500:
                    .go(GoFrameInfo(entry: 0x1400, end: 0x1600, spDelta: 0x10, flags: GoFuncFlag(rawValue: 4),
                                    funcID: funcID, name: calleeName))
                case 0x2000: DwarfUnwinderTests.goInfo("main.loop", sp: 0x8)
                case 0x3001: DwarfUnwinderTests.goInfo("runtime.goexit", sp: 0, flags: 1)
                default: .none
                }
            }
        }
    }

    @Test func callerOfAnInjectedCallIsExact() {
        for name in ["runtime.asyncPreempt", "runtime.sigpanic"] {
            let r = Self.unwind(calleeName: name, funcID: 3)
            #expect(r.frames.map(\.address) == [0x1500, 0x2000, 0x3001])
            #expect(r.frames.map(\.exact) == [true, true, false], "\(name)")
            #expect(r.stop == .root)
        }
        // An ordinary function of the same shape: its caller's address is a return address.
        #expect(Self.unwind(calleeName: "main.f", funcID: 0).frames.map(\.exact) == [true, false, false])
    }
}

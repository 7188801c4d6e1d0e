import Foundation
import Testing
@testable import Collapse
@testable import Symbolize

/// The CFI step's plain-value fast paths (CFA as `bregx`, "offset(N)" and "val_offset(N)" rules) against the
/// general expression evaluator, and the evaluator against what the x86-64 psABI's PLT expression means.
@Suite struct CFIStepTests {
    typealias T = DwarfUnwinderTests

    /// binutils' CFA for a lazy PLT entry: rsp + 8, plus 8 more once rip is past the entry's push
    /// (`DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_lit11; DW_OP_ge; DW_OP_lit3; DW_OP_shl;
    /// DW_OP_plus`).
    @Test func pltExpression() {
        let ops = [CFIOp(atom: 0x77, number: 8), CFIOp(atom: 0x80, number: 0), CFIOp(atom: 0x3f, number: 0),
                   CFIOp(atom: 0x1a, number: 0), CFIOp(atom: 0x3b, number: 0), CFIOp(atom: 0x2a, number: 0),
                   CFIOp(atom: 0x33, number: 0), CFIOp(atom: 0x24, number: 0), CFIOp(atom: 0x22, number: 0)]
        for rip: UInt64 in 0x4010...0x401f {
            let v = T.withDump([0], base: 0x1000) { dump in
                DwarfUnwinder.evaluate(ops, regs: T.regs(ip: rip, sp: 0x1000), cfa: nil, dump: dump)
            }
            #expect((try? v.get()) == 0x1008 + (rip & 15 >= 11 ? 8 : 0))
        }
        // 64 values is the most the stack holds: a 65th push is refused, not written past the buffer.
        let full = [CFIOp](repeating: CFIOp(atom: 0x30, number: 0), count: 64)
        let r64 = T.withDump([0], base: 0x1000) {
            DwarfUnwinder.evaluate(full, regs: UnwindRegisters(), cfa: nil, dump: $0)
        }
        let r65 = T.withDump([0], base: 0x1000) {
            DwarfUnwinder.evaluate(full + [CFIOp(atom: 0x30, number: 0)], regs: UnwindRegisters(), cfa: nil, dump: $0)
        }
        #expect((try? r64.get()) == 0)
        #expect(r65.stop == .badFrame)
    }

    /// Random rows as libdw gives them, each unwound twice: as is (fast paths) and with every expression made
    /// longer by a no-op `lit0, plus` (evaluated). Same frames and stop. Seeded.
    @Test func fastPathsEqualTheEvaluator() {
        var rng = SplitMix64(seed: 1717)
        func offsetRule(_ n: Int64) -> [CFIOp] {
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                return [CFIOp(atom: 0x9c, number: 0), CFIOp(atom: 0x11, number: UInt64(bitPattern: n)),
                        CFIOp(atom: 0x22, number: 0)]
            case 1: return [CFIOp(atom: 0x9c, number: 0), CFIOp(atom: 0x23, number: UInt64(bitPattern: n))]
            default: return [CFIOp(atom: 0x9c, number: 0)]
            }
        }
        let noop = [CFIOp(atom: 0x30, number: 0), CFIOp(atom: 0x22, number: 0)]
        func slow(_ r: CFIRegisterRule) -> CFIRegisterRule {
            switch r {
            case .location(let o): return .location(o + noop)
            case .value(let o): return .value(o + noop)
            default: return r
            }
        }
        var compared = 0
        for _ in 0..<3000 {
            let reg = Int.random(in: 0...16, using: &rng)
            let off = UInt64(bitPattern: Int64.random(in: -32...96, using: &rng))
            let cfa = Bool.random(using: &rng) ? [CFIOp(atom: 0x92, number: UInt64(reg), number2: off)]
                : [CFIOp(atom: 0x70 + UInt8(reg), number: off)]
            var regs = [CFIRegisterRule](repeating: .sameValue, count: 17)
            for r in 0...16 where Int.random(in: 0..<4, using: &rng) == 0 {
                let n = Int64.random(in: -40...40, using: &rng) & ~7
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: regs[r] = .undefined
                case 1: regs[r] = .location(offsetRule(n))
                default: regs[r] = .value(offsetRule(n))
                }
            }
            regs[16] = .location(offsetRule(-8))
            let signal = Int.random(in: 0..<9, using: &rng) == 0
            let fast = CFIRule(cfa: cfa, registers: regs, returnAddressRegister: 16, isSignalFrame: signal)
            let evaluated = CFIRule(cfa: cfa + noop, registers: regs.map(slow), returnAddressRegister: 16,
                                    isSignalFrame: signal)
            #expect(evaluated.cfaRegisterOffset == nil)
            #expect(evaluated.steps.allSatisfy { !$0.hasOffset || $0.kind.rawValue < 2 })
            let words = (0..<24).map { _ in UInt64.random(in: 0x1000...0x10c0, using: &rng) }
            let base = UInt64(0x1000)
            var start = T.regs(ip: 0x1500, sp: base, bp: UInt64.random(in: 0x1000...0x10c0, using: &rng))
            for r in [0, 1, 3, 12] where Bool.random(using: &rng) {
                start[r] = UInt64.random(in: 0...0x2000, using: &rng)
            }
            func unwind(_ row: CFIRule) -> UnwindResult {
                T.withDump(words, base: base) { dump in
                    DwarfUnwinder.unwind(start, dump: dump, limit: 16) { _, _ in .cfi(row) }
                }
            }
            let a = unwind(fast), b = unwind(evaluated)
            #expect(a.frames == b.frames && a.stop == b.stop)
            if a.frames.count > 1 { compared += 1 }
        }
        #expect(compared > 200)
    }
}

extension Result where Failure == UnwindFailure {
    var stop: UnwindStop? {
        if case .failure(let f) = self { return f.stop }
        return nil
    }
}

extension CFIStepTests {
    /// The switch that maps perf's register bits agrees with the documented table, bit by bit.
    @Test func perfRegisterNumbers() {
        for bit in 0..<64 {
            let table = bit < UnwindRegisters.perfToDwarf.count ? UnwindRegisters.perfToDwarf[bit] : -1
            #expect(UnwindRegisters.dwarfNumber(perf: bit) == table, "bit \(bit)")
        }
    }
}

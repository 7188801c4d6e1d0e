import Testing
@testable import Collapse
@testable import Symbolize
@testable import PerfData

/// The CFI step that writes only the registers its row names (`RegisterUpdate`) against the step it
/// replaced, which copied all 17 registers and changed the copy: same stop, same caller registers.
@Suite struct RegisterUpdateTests {
    typealias T = DwarfUnwinderTests

    /// The earlier step (commit a3c20bd), kept here as the reference: `next` starts as a copy of `regs`.
    static func wholeStep(_ row: CFIRule, regs: UnwindRegisters, dump: StackDump, into next: inout UnwindRegisters)
        -> UnwindStop?
    {
        let cfa: UInt64
        if let (r, off) = row.cfaRegisterOffset {
            guard let v = regs[r] else { return .badFrame }
            cfa = v &+ UInt64(bitPattern: off)
        } else {
            switch DwarfUnwinder.evaluate(row.cfa, regs: regs, cfa: nil, dump: dump) {
            case .failure(let f): return f.stop
            case .success(let v): cfa = v
            }
        }
        next = regs
        let ra = row.returnAddressRegister
        for (r, rule) in row.changed {
            switch rule {
            case .undefined: next[r] = nil
            case .sameValue: next[r] = regs[r]
            case .location(let ops), .value(let ops):
                switch DwarfUnwinder.evaluate(ops, regs: regs, cfa: cfa, dump: dump) {
                case .failure(let f):
                    if r == ra { return f.stop }
                    next[r] = nil
                case .success(let v):
                    guard case .location = rule else {
                        next[r] = v
                        continue
                    }
                    switch dump.word(v) {
                    case .success(let w): next[r] = w
                    case .failure(let f):
                        if r == ra { return f.stop }
                        next[r] = nil
                    }
                }
            }
        }
        if ra != 16 { next[16] = ra >= 0 && ra < 17 ? next[ra] : nil }
        if !row.spHasRule || next[7] == nil { next[7] = cfa }
        if next[16] == nil { return .root }
        return nil
    }

    static func values(_ r: UnwindRegisters) -> [UInt64?] { (0...16).map { r[$0] } }

    /// Loading through a mask's layout (one byte per register) equals the walk over the mask's bits, for
    /// random masks (bits beyond perf's x86 ones too), short value lists and random wanted sets. Seeded.
    @Test func layoutLoadEqualsMaskLoad() {
        var rng = SplitMix64(seed: 2223)
        let values: [UInt64] = (0..<64).map { _ in rng.next() }
        for round in 0..<3_000 {
            var mask = rng.next() & 0xff_ffff
            if round % 3 == 0 { mask |= rng.next() }
            let count = round % 4 == 0 ? Int(rng.next() % 24) : min(mask.nonzeroBitCount, 64)
            let wanted = UInt32(truncatingIfNeeded: rng.next())
            values.withUnsafeBytes { b in
                let view = U64View(base: b.baseAddress, count: count, swaps: round % 2 == 0)
                var a = UnwindRegisters(), c = UnwindRegisters()
                a[6] = 1
                c[6] = 1
                a.load(mask: mask, values: view, only: wanted)
                c.load(layout: RegisterLayout(mask: mask), values: view, only: wanted)
                #expect(a.known == c.known && Self.values(a) == Self.values(c), "mask \(mask) count \(count)")
            }
        }
    }

    /// Random rows (undefined, offset and expression rules, a return-address column other than 16, reads
    /// outside the dump) from random registers: the two steps agree on every one. Seeded.
    @Test func updateEqualsWholeRegisterStep() {
        var rng = SplitMix64(seed: 2222)
        var callers = 0, stops = 0
        for _ in 0..<4000 {
            func offsetOps(_ n: Int64) -> [CFIOp] {
                Bool.random(using: &rng) ? [CFIOp(atom: 0x9c, number: 0), CFIOp(atom: 0x23, number: UInt64(bitPattern: n))]
                    : [CFIOp(atom: 0x9c, number: 0), CFIOp(atom: 0x30, number: 0), CFIOp(atom: 0x22, number: 0),
                       CFIOp(atom: 0x23, number: UInt64(bitPattern: n))]
            }
            let reg = Int.random(in: 0...16, using: &rng)
            let off = UInt64(bitPattern: Int64.random(in: -48...120, using: &rng))
            let cfa = Bool.random(using: &rng) ? [CFIOp(atom: 0x70 + UInt8(reg), number: off)]
                : [CFIOp(atom: 0x70 + UInt8(reg), number: off), CFIOp(atom: 0x30, number: 0), CFIOp(atom: 0x22, number: 0)]
            var rules = [CFIRegisterRule](repeating: .sameValue, count: Int.random(in: 17...19, using: &rng))
            for r in rules.indices where Int.random(in: 0..<3, using: &rng) == 0 {
                let n = Int64.random(in: -64...64, using: &rng) & ~7
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: rules[r] = .undefined
                case 1: rules[r] = .location(offsetOps(n))
                default: rules[r] = .value(offsetOps(n))
                }
            }
            let ra = Int.random(in: 0..<6, using: &rng) == 0 ? Int.random(in: -1...18, using: &rng) : 16
            let row = CFIRule(cfa: cfa, registers: rules, returnAddressRegister: ra, isSignalFrame: false)
            let words = (0..<16).map { _ in UInt64.random(in: 0x0...0x10a0, using: &rng) }
            var start = UnwindRegisters()
            for r in 0...16 where Int.random(in: 0..<4, using: &rng) != 0 {
                start[r] = UInt64.random(in: 0xfe0...0x10a0, using: &rng)
            }
            T.withDump(words, base: 0x1000, size: Bool.random(using: &rng) ? nil : 4096) { dump in
                var whole = UnwindRegisters()
                let a = Self.wholeStep(row, regs: start, dump: dump, into: &whole)
                var update = RegisterUpdate()
                // Left over from an earlier step: the step must start afresh.
                update.set(3, 77)
                update.set(5, nil)
                let b = DwarfUnwinder.cfiStep(row, regs: start, dump: dump, into: &update)
                switch b {
                case .stop(let s):
                    #expect(a == s)
                    stops += 1
                case .caller:
                    #expect(a == nil)
                    var regs = start
                    update.apply(to: &regs)
                    #expect(Self.values(regs) == Self.values(whole))
                    #expect((0...16).map { update.value($0, over: start) } == Self.values(whole))
                    callers += 1
                }
            }
        }
        #expect(callers > 500 && stops > 500)
    }
}

import Testing
@testable import Collapse
@testable import PerfData
@testable import Symbolize

/// `DwarfUnwinder.goRun` then the general loop from where it stopped, as the fold runs them, against the
/// general loop alone on the same seeded random stacks: the same frames and stop.
@Suite struct GoRunTests {
    /// The rule of a PC on the random stacks: mostly ordinary Go frames (frameless, with and without a
    /// saved BP, asm, injected calls), some roots, SPWrite, sigreturn, no SP delta, CFI and none.
    static func rule(_ pc: UInt64, exact: Bool, row: CFIRule) -> FrameRule {
        func go(_ name: String, _ sp: Int32?, flags: UInt8 = 0, funcID: UInt8 = 0) -> FrameRule {
            .go(GoFrameInfo(entry: 0, end: 0, spDelta: sp, flags: GoFuncFlag(rawValue: flags), funcID: funcID, name: name))
        }
        let sp = Int32(pc >> 4 & 7) * 8
        switch pc % 16 {
        case 0, 1, 2, 3, 4, 5: return go("main.f\(pc % 3)", sp)
        case 6: return go("main.asm", sp, flags: 4)
        case 7: return go("runtime.asyncPreempt", sp, funcID: 3)
        case 8: return go("runtime.goexit", 0, flags: 1)
        case 9: return go("runtime.systemstack", sp, flags: 2)
        case 10: return go("runtime.sigreturn__sigaction", 0)
        case 11: return go("main.nodelta", nil)
        case 12: return .cfi(row)
        case 13: return exact ? go("main.exact", sp) : .none
        default: return go("main.g", Int32(truncatingIfNeeded: pc >> 8))
        }
    }

    struct Outcome: Equatable {
        var frames: [UnwoundFrame]
        var stop: UnwindStop
    }

    /// One unwind over `cache` as `unwindUser` runs it: `goRun`, then the general loop with the rules
    /// through the cache (inserted on a miss, as `frameRule` does).
    static func cached(_ start: UnwindRegisters, dump: StackDump, limit: Int, cache: inout FlatRuleCache,
                       objects: inout [AnyObject], rules: (UInt64, Bool) -> FrameRule) -> Outcome {
        var regs = start
        let frames = UnsafeMutablePointer<UnwoundFrame>.allocate(capacity: limit)
        defer { frames.deallocate() }
        var n = 0
        let run = cache.withProbe(pid: 42) {
            DwarfUnwinder.goRun(&regs, dump: dump, limit: limit, frames: frames, count: &n, probe: $0)
        }
        let start = n
        let stop = run ?? DwarfUnwinder.unwind(&regs, rest: nil, dump: dump, limit: limit, frames: frames, count: &n,
                                               from: start) { pc, exact, _ in
            let tag = FlatRuleCache.tag(pid: 42, exact: exact)
            if let e = cache.find(pc, tag: tag) { return e.rule }
            let r = FlatRule(rules(pc, exact), objects: &objects)
            cache.insert(pc, tag: tag, r)
            return r
        }
        return Outcome(frames: Array(UnsafeBufferPointer(start: frames, count: n)), stop: stop)
    }

    /// The general loop alone.
    static func general(_ start: UnwindRegisters, dump: StackDump, limit: Int, rules: (UInt64, Bool) -> FrameRule) -> Outcome {
        var regs = start
        var objects: [AnyObject] = []
        let frames = UnsafeMutablePointer<UnwoundFrame>.allocate(capacity: limit)
        defer { frames.deallocate() }
        var n = 0
        let stop = DwarfUnwinder.unwind(&regs, rest: nil, dump: dump, limit: limit, frames: frames, count: &n) {
            pc, exact, _ in FlatRule(rules(pc, exact), objects: &objects)
        }
        withExtendedLifetime(objects) {}
        return Outcome(frames: Array(UnsafeBufferPointer(start: frames, count: n)), stop: stop)
    }

    @Test func sameAsTheGeneralLoop() {
        var rng = SplitMix64(seed: 23)
        let row = CFIRule(cfa: [CFIOp(atom: 0x76, number: 16)],  // BP-based: BP as the Go steps left it
                          registers: Array(repeating: CFIRegisterRule.sameValue, count: 16)
                              + [.location([CFIOp(atom: 0x9c, number: 0), CFIOp(atom: 0x11, number: UInt64(bitPattern: -8)),
                                            CFIOp(atom: 0x22, number: 0)])],
                          returnAddressRegister: 16, isSignalFrame: false)
        var cache = FlatRuleCache(capacity: 1 << 4)
        var objects: [AnyObject] = []
        var runs = 0
        for round in 0..<3000 {
            let count = Int.random(in: 0..<48, using: &rng)
            // Return addresses from a small set, so that rules repeat and the cache hits; some hostile words.
            let base: UInt64 = round % 5 == 0 ? UInt64.random(in: 0...UInt64.max, using: &rng) : 0x7ff0_0000
            // Some words point into the dump: saved BPs that a BP-based CFI row then reads through.
            let words = (0..<count).map { _ in
                switch Int.random(in: 0..<8, using: &rng) {
                case 0: UInt64.random(in: 0...UInt64.max, using: &rng)
                case 1: base &+ UInt64.random(in: 0..<UInt64(max(count, 1)), using: &rng) &* 8
                default: 0x1000 &+ UInt64.random(in: 0..<64, using: &rng) &* 16 &+ UInt64.random(in: 0..<6, using: &rng)
                }
            }
            let ip = 0x1000 &+ UInt64.random(in: 0..<64, using: &rng) &* 16 &+ UInt64.random(in: 0..<16, using: &rng)
            var start = UnwindRegisters()
            start[16] = ip
            start[7] = base
            if round % 3 != 0 { start[6] = 0xb0b0 }
            let limit = round % 11 == 0 ? Int.random(in: 1..<6, using: &rng) : 64
            let rules: (UInt64, Bool) -> FrameRule = { pc, exact in Self.rule(pc, exact: exact, row: row) }
            DwarfUnwinderTests.withDump(words, base: base, size: round % 2 == 0 ? nil : 8192) { dump in
                let got = Self.cached(start, dump: dump, limit: limit, cache: &cache, objects: &objects, rules: rules)
                let want = Self.general(start, dump: dump, limit: limit, rules: rules)
                #expect(got.frames == want.frames, "round \(round)")
                #expect(got.stop == want.stop, "round \(round)")
                if got.frames.count > 2 { runs += 1 }
            }
        }
        #expect(runs > 500, "stacks of three frames or more: \(runs)")
    }
}

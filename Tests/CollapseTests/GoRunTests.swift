import Testing
@testable import Collapse
@testable import PerfData
@testable import Symbolize

/// `DwarfUnwinder.goRun` then the general loop from where it stopped, as the fold runs them, against the
/// general loop alone on the same seeded random stacks: the same frames, names and stop.
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
        var names: [UInt64]
        var stop: UnwindStop
    }

    /// One unwind over `cache` as `unwindUser` runs it: `goRun`, then the general loop with the rules
    /// through the cache (inserted on a miss, as `frameRule` does), names from the slots.
    static func cached(_ start: UnwindRegisters, dump: StackDump, limit: Int, cache: inout FlatRuleCache,
                       objects: inout [AnyObject], rules: (UInt64, Bool) -> FrameRule) -> Outcome {
        var regs = start
        let frames = UnsafeMutablePointer<UnwoundFrame>.allocate(capacity: limit)
        let names = UnsafeMutablePointer<UInt64>.allocate(capacity: limit)
        names.initialize(repeating: 7, count: limit)
        defer { frames.deallocate(); names.deallocate() }
        var n = 0
        let run = cache.withProbe(pid: 42) {
            DwarfUnwinder.goRun(&regs, dump: dump, limit: limit, frames: frames, names: names, count: &n, probe: $0)
        }
        let start = n
        let stop = run ?? DwarfUnwinder.unwind(&regs, rest: nil, dump: dump, limit: limit, frames: frames, count: &n,
                                               from: start) { pc, exact, i in
            let tag = FlatRuleCache.tag(pid: 42, exact: exact)
            if let e = cache.find(pc, tag: tag) {
                names[i] = e.names
                return e.rule
            }
            names[i] = FlatRuleCache.unnamed
            let r = FlatRule(rules(pc, exact), objects: &objects)
            cache.insert(pc, tag: tag, r)
            return r
        }
        if case .limit = stop { names[n &- 1] = FlatRuleCache.unnamed }
        return Outcome(frames: Array(UnsafeBufferPointer(start: frames, count: n)),
                       names: Array(UnsafeBufferPointer(start: names, count: n)), stop: stop)
    }

    /// The general loop alone; names as the cache gives them (`slotNames`), so both sides name alike.
    static func general(_ start: UnwindRegisters, dump: StackDump, limit: Int,
                        rules: (UInt64, Bool) -> FrameRule, slotNames: (UInt64, Bool) -> UInt64) -> Outcome {
        var regs = start
        var objects: [AnyObject] = []
        var names: [UInt64] = []
        let frames = UnsafeMutablePointer<UnwoundFrame>.allocate(capacity: limit)
        defer { frames.deallocate() }
        var n = 0
        let stop = DwarfUnwinder.unwind(&regs, rest: nil, dump: dump, limit: limit, frames: frames, count: &n) {
            pc, exact, _ in
            names.append(slotNames(pc, exact))
            return FlatRule(rules(pc, exact), objects: &objects)
        }
        // Stopped at the limit, the last frame's rule was not asked for.
        if names.count < n { names.append(FlatRuleCache.unnamed) }
        if case .limit = stop { names[n &- 1] = FlatRuleCache.unnamed }
        withExtendedLifetime(objects) {}
        return Outcome(frames: Array(UnsafeBufferPointer(start: frames, count: n)), names: Array(names.prefix(n)),
                       stop: stop)
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
                let want = Self.general(start, dump: dump, limit: limit, rules: rules) { pc, exact in
                    cache.find(pc, tag: FlatRuleCache.tag(pid: 42, exact: exact))?.names ?? FlatRuleCache.unnamed
                }
                #expect(got.frames == want.frames, "round \(round)")
                #expect(got.stop == want.stop, "round \(round)")
                #expect(got.names == want.names, "round \(round)")
                if got.frames.count > 2 { runs += 1 }
            }
            // Names given to some slots, as the fold records them.
            if round % 4 == 0 {
                let ids: [UInt32] = [UInt32(round)]
                ids.withUnsafeBufferPointer { cache.setNames(ip, tag: FlatRuleCache.tag(pid: 42, exact: true), $0) }
            }
        }
        #expect(runs > 500, "stacks of three frames or more: \(runs)")
    }
}

import Foundation
import Testing
import BinaryIO
@testable import Symbolize

/// `GoPclntab.funcBounds` (one functab search) against the Go linker's symbol table and against the two
/// searches it replaced (`findFunc`, then the next functab entry).
@Suite struct FuncBoundsTests {
    /// `findFunc` as it was before it called `funcBounds`: the generic search, every word read checked.
    static func findFuncGeneric(_ p: GoPclntab, _ pc: UInt64) -> (entry: UInt64, f: Int)? {
        guard pc >= p.textStart, p.nfunc > 0 else { return nil }
        let off = pc - p.textStart
        guard let end = p.u32(p.functab + 8 * p.nfunc), off < UInt64(end) else { return nil }
        guard let i = (0..<p.nfunc).lastIndex(atOrBefore: off, by: { UInt64(p.u32(p.functab + 8 * $0) ?? .max) }),
              let e = p.u32(p.functab + 8 * i), let fo = p.u32(p.functab + 8 * i + 4) else { return nil }
        let f = p.functab + Int(fo)
        guard f + p.funcSize <= p.table.count else { return nil }
        return (p.textStart + UInt64(e), f)
    }

    @Test(arguments: ["1.21", "1.25", "1.27"])
    func boundsMatchTheSymbolTableAndTheFunctab(_ version: String) throws {
        let elf = try ELFFile(path: Paths.fixtures.appendingPathComponent("bin/go\(version)/workload").path)
        let p = try #require(try GoPclntab(elf: elf))
        // Every Go function symbol starts a function, which ends no earlier than the symbol's size says.
        var checked = 0
        for s in elf.functionSymbols where s.size > 0 {
            guard let b = p.funcBounds(s.value) else { continue }
            #expect(b.entry == s.value, "\(s.name)")
            #expect(b.end >= s.value &+ s.size, "\(s.name)")
            #expect(p.funcBounds(s.value &+ s.size &- 1)?.entry == s.value, "\(s.name)")
            checked += 1
        }
        #expect(checked > 1000)
        // Each functab entry, its last byte and the byte before it: what the two searches gave.
        for i in 0..<p.nfunc {
            let entry = p.textStart &+ UInt64(try #require(p.u32(p.functab + 8 * i)))
            let next = p.textStart &+ UInt64(try #require(p.u32(p.functab + 8 * (i + 1))))
            for pc in [entry, next &- 1, entry &- 1] {
                let old = Self.findFuncGeneric(p, pc)
                #expect(p.findFunc(pc)?.entry == old?.entry && p.findFunc(pc)?.f == old?.f)
                let new = p.funcBounds(pc)
                #expect(old?.entry == new?.entry && old?.f == new?.f)
                if new != nil { #expect(new?.end == (pc < entry ? entry : next)) }
            }
        }
        #expect(p.funcBounds(p.textStart &- 1) == nil)
        #expect(p.funcBounds(.max) == nil)
    }
}

import Foundation
import Testing
@testable import Symbolize

/// The DWARF index is built per compile unit, on the first address a unit holds (issue 17: indexing all of
/// libc's units cost more than unwinding a whole capture). Its answers are checked against llvm-symbolizer
/// by `DwarfLLVMTests`, which looks addresses up in a fresh, lazily built index; here: that a lookup reads
/// only the units it needs, and that the order of lookups does not change an answer.
@Suite struct DwarfLazyIndexTests {
    static func index(_ binary: String) throws -> DwarfIndex {
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/\(binary)").path, source: .dwarf)
        return try #require(image.dwarf)
    }

    @Test func oneLookupIndexesOnlyTheUnitHoldingIt() throws {
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.25/cgo").path, source: .dwarf)
        let d = try #require(image.dwarf)
        let sym = try #require(image.elf.functionSymbols.first { $0.name == "c_sum_squares" })
        #expect(d.indexedUnitCount == 0)
        #expect(d.frames(at: sym.value).last?.function == "c_sum_squares")
        // The unit holding it, and the units without ranges (read together on the first lookup).
        #expect(d.indexedUnitCount == 1 + d.unrangedUnitCount)
        #expect(d.bodiesRead == 1)  // of the functions indexed, only the one looked up had its DIEs walked
        #expect(d.listedUnitCount > 10 + d.indexedUnitCount)  // Go packages and C files: the others were not read
        #expect(d.functionCount > 1 + d.bodiesRead)  // indexes every unit, reads no body
        #expect(d.unitCount == d.listedUnitCount)  // the counts index every unit
        #expect(d.indexedUnitCount == d.listedUnitCount)
    }

    /// Every reference address, looked up in reverse order in a lazy index and in an index built whole
    /// first: the same frames. Sorting ties across units must not depend on which unit was read first.
    @Test(arguments: [("go1.25/cgo", "cgo-c"), ("go1.25/cgo", "cgo-go"), ("go1.25/workload", "go1.25-workload"),
                      ("c/cwork", "c-cwork")])
    func lookupOrderDoesNotChangeAnswers(_ binary: String, _ reference: String) throws {
        let addrs = try DwarfLLVMTests.reference(reference).map(\.0)
        #expect(addrs.count > 200)
        let lazy = try Self.index(binary), whole = try Self.index(binary)
        _ = whole.inlinedCount  // every unit indexed and every function's body read, before any lookup
        var lazyFrames: [UInt64: [SourceFrame]] = [:]
        for a in addrs.reversed() { lazyFrames[a] = lazy.frames(at: a) }
        #expect(lazy.indexedUnitCount <= lazy.listedUnitCount)
        #expect(lazy.bodiesRead <= whole.bodiesRead)
        for a in addrs {
            #expect(lazyFrames[a] == whole.frames(at: a), "\(binary) \(String(a, radix: 16))")
            #expect(lazy.functionEntry(a) == whole.functionEntry(a))
        }
    }
}

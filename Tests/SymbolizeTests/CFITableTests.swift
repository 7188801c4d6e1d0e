import Testing
@testable import Symbolize

/// `CFITable`'s `.debug_frame` path: the cgo binary's Go code has no `.eh_frame` (only its C part does), so
/// its rows come from the Go linker's `.debug_frame`, read through the symbolizer's already open DWARF
/// (`sharing:`) or through a DWARF handle of the table's own; both must give the same rows.
@Suite struct CFITableTests {
    static let cgo = Paths.fixtures.appendingPathComponent("bin/go1.25/cgo").path

    @Test func sharedDWARFGivesTheSameRows() throws {
        let elf = try ELFFile(path: Self.cgo)
        let text = try #require(elf.section(named: ".text"))
        let own = try #require(CFITable(path: Self.cgo))
        var opened = 0
        let shared = try #require(CFITable(path: Self.cgo, sharing: { opened += 1; return DwarfIndex(path: Self.cgo) }))
        var found = 0
        for pc in stride(from: text.address, to: text.address + min(text.size, 0x40000), by: 0x31) {
            let a = own.rule(at: pc), b = shared.rule(at: pc)
            #expect(a == b, "row at 0x\(String(pc, radix: 16))")
            if a != nil { found += 1 }
        }
        // Go's text is covered only by .debug_frame: the rows must have been found there.
        #expect(found > 1000)
        #expect(opened == 1)
    }

    /// A file without `.debug_frame` is never opened as DWARF (libdw would decompress all its sections).
    @Test func filesWithoutDebugFrameAreSkipped() throws {
        let c = Paths.fixtures.appendingPathComponent("bin/c/cwork").path
        let table = try #require(CFITable(path: c, sharing: { Issue.record("opened the DWARF of \(c)"); return nil }))
        #expect(table.rule(at: 0) == nil)
    }
}

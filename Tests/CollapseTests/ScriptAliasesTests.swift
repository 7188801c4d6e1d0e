import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Collapse
import PerfData
import Symbolize

/// perf's pick among symbols at one address and its reading of .dynsym beside .symtab (issue 18), against
/// perf script's own text of real captures of Fixtures/script-aliases/aliases.c (generate-script-aliases.sh):
/// built with .symtab and .dynsym, stripped to .dynsym, and with two symbols left in .dynsym only.
@Suite struct ScriptAliasesTests {
    static let dir = Paths.fixtures.appendingPathComponent("script-aliases")

    /// perf's text, libc's and ld.so's frames as stackfold names them without those files (not in the
    /// repository).
    static func perfText(_ name: String) throws -> [String] {
        try CFixtureScript.perfText(dir, name, absent: [".so.6)", ".so.2)"])
    }

    static func script(_ name: String) throws -> String {
        try CFixtureScript.script(dir, name, maxStack: 127, captureFolder: nil).text
    }

    /// Each capture, and in perf's text the names each case is about (so the comparison covers them):
    /// global over weak and local, fewer underscores, the longest name, a tie (the first in table order:
    /// .dynsym's order differs from .symtab's), a zero-size global stretched to the next symbol over a sized
    /// local, a label likewise, a global of 8 bytes leaving the rest of its function `[unknown]`, and
    /// symbols only .dynsym holds; PLT entries.
    @Test(arguments: [
        ("aliases", ["__a_global+", " b+", "c_longest_name_here+", "d_one1+", "e_zero+", "g_label+", "x_only+"]),
        ("aliases-dynsym", ["__a_global+", " b+", "d_two2+", "e_zero+", "g_label+", "x_only+"]),
        ("aliases-partial", ["__a_global+", " b+", "c_longest_name_here+", "d_one1+", "x_only+"]),
        // Leaves moved into .plt and .plt.got: perf's strtol@plt where no symbol holds the entry, and
        // _init (zero-size, stretched over .plt) where .symtab has it.
        ("aliases-dynsym-plt", ["strtol@plt+0x0 ", "strtol@plt+0x5 "]),
        ("aliases-plt", ["_init+0x30 "]),
    ])
    func aliasesEqualPerfScript(name: String, names: [String]) throws {
        let theirs = try Self.perfText("\(name).data.script.txt")
        for n in names { #expect(theirs.contains { $0.contains(n) }, "perf's text names \(n)") }
        let binary = name.hasSuffix("-plt") ? String(name.dropLast(4)) : name
        #expect(theirs.contains { $0.contains(" [unknown] (/") && $0.hasSuffix("/bin/c/\(binary))") }, "f_small's rest")
        let ours = try Self.script("\(name).data")
        let diff = PerfScriptTests.firstDifference(ours, theirs)
        #expect(diff == nil, "\(name): \(diff ?? "")")
    }

    /// The PLT reader on hostile section headers (sizes, entry sizes, links, symbol indexes from the file):
    /// no trap, no PLT symbol outside `.plt` when the headers are garbage.
    @Test func pltSymbolsFromHostileHeaders() throws {
        let path = Paths.fixtures.appendingPathComponent("bin/c/aliases-dynsym").path
        let good = try ELFFile(path: path)
        #expect(good.perfPLTTable.map(\.name) == ["strtol@plt"])
        let mapped = try MappedFile(path: path)
        let bytes = withExtendedLifetime(mapped) { Array(mapped.bytes) }
        let shoff = Int(bytes[0x28..<0x30].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        func patched(_ section: String, at field: Int, _ value: UInt64, width: Int = 8) -> ELFFile? {
            guard let i = good.sections.firstIndex(where: { $0.name == section }) else { return nil }
            var b = bytes
            withUnsafeBytes(of: value.littleEndian) { b.replaceSubrange(shoff + i * 64 + field ..< shoff + i * 64 + field + width, with: $0.prefix(width)) }
            return try? ELFFile(file: MappedFile(path: "hostile", copying: b))
        }
        let cases: [(String, Int, UInt64, Int)] = [
            (".rela.plt", 56, 0, 8), (".rela.plt", 56, 1 << 63, 8), (".rela.plt", 56, 25, 8), (".rela.plt", 32, .max, 8),
            (".rela.plt", 40, 0xffff, 4), (".rela.plt", 40, 0, 4), (".dynsym", 32, 0, 8), (".dynsym", 32, 3, 8),
            (".dynsym", 56, .max, 8), (".plt", 56, 0, 8), (".plt", 56, .max, 8), (".plt", 24, .max - 8, 8),
            (".dynstr", 24, .max, 8),
        ]
        for (section, field, value, width) in cases {
            let e = try #require(patched(section, at: field, value, width: width), "\(section) +\(field)")
            let table = e.perfPLTTable
            _ = e.perfSymbols.count
            for a: UInt64 in [0, 0x1020, 0x1030, 0x1035, .max] { _ = e.perfPLTSymbol(at: a) }
            #expect(table.allSatisfy { $0.end > $0.start }, "\(section) +\(field) = \(value)")
        }
    }
}
